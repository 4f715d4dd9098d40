"""Fixtures for the reliability suite: the real server over stdio (tests/support/wire.py) in
front of the fake upstream (``fake`` from tests/conftest.py, or the module's ``upstream``).

Figures the tests measure (``tests.support.figures.record``) are printed at the end of the run
(``RESULTS.md`` quotes them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.mistral import FakeMistral
from tests.support.figures import FIGURES
from tests.support.keys import GATEWAY_ENV
from tests.support.upstream import running_fake
from tests.support.wire import Server


@pytest.fixture(scope="module")
def upstream(request: pytest.FixtureRequest) -> Iterator[FakeMistral]:
    """One keyed fake for the whole module, answering with the module's ``RESPONDER`` if it
    declares one."""
    with running_fake() as fake:
        fake.responder = getattr(request.module, "RESPONDER", None)
        yield fake


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start servers (stderr kept in tmp_path); all are stopped at the end of the test."""
    started: list[Server] = []

    def start(env: dict[str, str] | None = None, args: tuple[str, ...] = (), **kw: Any) -> Server:
        path = tmp_path / f"stderr-{len(started)}.log"
        server = Server({**GATEWAY_ENV, **(env or {})}, args, stderr_path=path, **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        terminalreporter.write_line(json.dumps(FIGURES, indent=1, sort_keys=True, default=str))
