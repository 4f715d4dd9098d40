"""The benchmarks' settings: the kit's one builder (tests/support/settings.py) with a 5 s
timeout. Sessions are tests/support/session.py's ``open_session`` (pytest-lsp's client driving
``python -m codestral_ls`` over stdio, as an editor would); the fake upstream as its own process
is tests/support/upstream.py's ``fake_process``."""

from __future__ import annotations

from typing import Any

from tests.support.settings import server_settings


def settings_for(base_url: str | None, **completion: Any) -> dict[str, Any]:
    return server_settings(base_url, timeout_ms=5000, completion=completion)
