"""End-to-end: the real server as a subprocess over stdio, driven by pytest-lsp, in front of
the fake Mistral upstream (a real HTTP server on 127.0.0.1). The kit is in tests/support/:
each module declares its ``client`` with ``session_fixture``; ``fake`` is tests/conftest.py's."""

from __future__ import annotations

import pytest

from tests.support.session import Session


@pytest.fixture
def session(client) -> Session:
    """The started session of the module's ``client`` fixture."""
    return client.session
