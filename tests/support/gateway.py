"""What the gateway folder's LSP tests share: one document, its cursor, and ``begin``."""

from __future__ import annotations

from typing import Any

from pytest_lsp import LanguageClient

from tests.fakes.mistral import FakeMistral
from tests.support.session import Session, start_session

CLIENT = "vscode-utf16"
URI = "file:///work/project/src/app.py"
CODE = "def add(a, b):\n    return \n\nprint(add(1, 2))\n"
AT = (1, 11)  # after "    return "


async def begin(lsp: LanguageClient, fake: FakeMistral, settings: dict[str, Any]) -> Session:
    """Start the session of a ``lazy_session_fixture`` with these settings."""
    return await start_session(lsp, fake, CLIENT, settings)
