"""Fixtures for the reliability suite: the real server over stdio in front of the fake upstream.

Figures the tests measure are collected in ``FIGURES`` and printed at the end of the run
(``RESULTS.md`` quotes them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import FAKE_KEY
from tests.fakes.mistral import FakeMistral
from tests.reliability.lsp import Server

# Recognisable, like FAKE_KEY: the secrets test greps every output for both.
GATEWAY_KEY = "pk-test-PORTKEY-0000-KEY-must-never-leak"
ENV = {"CODESTRAL_API_KEY": FAKE_KEY, "PORTKEY_API_KEY": GATEWAY_KEY}

FIGURES: dict[str, Any] = {}


def record(name: str, value: Any) -> None:
    FIGURES[name] = value


def direct_settings(fake: FakeMistral, **completion: Any) -> dict[str, Any]:
    return {
        "route": "direct",
        "baseUrl": fake.base_url,
        "completion": {"debounceMs": 0, "timeoutMs": 1000, "prefetch": False, **completion},
        "context": {"crossFile": False},
    }


def gateway_settings(fake: FakeMistral, **completion: Any) -> dict[str, Any]:
    return {
        "route": "gateway",
        "baseUrl": fake.gateway_url,
        "gateway": {"provider": "mistral-ai"},
        "completion": {"debounceMs": 0, "timeoutMs": 1000, "prefetch": False, **completion},
        "context": {"crossFile": False},
    }


ROUTES: dict[str, Callable[..., dict[str, Any]]] = {
    "direct": direct_settings,
    "gateway": gateway_settings,
}


@pytest.fixture
def fake() -> Iterator[FakeMistral]:
    server = FakeMistral(api_key=FAKE_KEY).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start servers (stderr kept in tmp_path); all are stopped at the end of the test."""
    started: list[Server] = []

    def start(env: dict[str, str] | None = None, args: tuple[str, ...] = (), **kw: Any) -> Server:
        path = tmp_path / f"stderr-{len(started)}.log"
        server = Server({**ENV, **(env or {})}, args, stderr_path=path, **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        terminalreporter.write_line(json.dumps(FIGURES, indent=1, sort_keys=True, default=str))
