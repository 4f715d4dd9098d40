"""Shutdown with an upstream request hanging: shutdown/exit, a closed stdin, SIGTERM and SIGINT each
end the process within a second, the in-flight request is cancelled (no error shown for it),
and the upstream sees its connection closed (nothing left open)."""

from __future__ import annotations

import signal
import time

import pytest

from tests.fakes.mistral import Reply
from tests.support.figures import record
from tests.support.settings import ROUTES
from tests.support.wire import RpcError, wait_until

LIMIT_S = 1.0
_TIMES: dict[str, float] = {}


def _end(server, how: str) -> None:
    if how == "shutdown-exit":
        server.request("shutdown", None, timeout=LIMIT_S)
        server.notify("exit")
    elif how == "exit":
        server.notify("exit")
    elif how == "stdin-closed":
        server.proc.stdin.close()
    elif how == "sigterm":
        server.proc.send_signal(signal.SIGTERM)
    elif how == "sigint":
        server.proc.send_signal(signal.SIGINT)


@pytest.mark.parametrize("route", ["direct", "gateway"])
@pytest.mark.parametrize("how", ["shutdown-exit", "exit", "stdin-closed", "sigterm", "sigint"])
def test_ends_within_a_second_with_a_request_in_flight(spawn, fake, how, route):
    settings = ROUTES[route](fake, timeoutMs=60_000)
    server = spawn()
    server.initialize(settings)
    fake.set_default(Reply(fault="hang"))
    uri = "file:///work/project/shutdown.py"
    server.open(uri, "value = \n")
    _, in_flight = server.request_async(
        "textDocument/inlineCompletion", server.inline_params(uri, 0, 8)
    )
    (hanging,) = fake.wait_for_requests(1, timeout=5)
    shown = len(server.shown())

    started = time.monotonic()
    _end(server, how)
    took = server.wait_exit(LIMIT_S)
    assert took is not None, f"still running {LIMIT_S} s after {how}"
    took = time.monotonic() - started
    assert took <= LIMIT_S

    # The upstream saw the hanging request's connection closed, and nothing is left open.
    assert wait_until(lambda: hanging.t_finished is not None, timeout=2)
    assert hanging.closed_early
    assert wait_until(lambda: not fake._open, timeout=2), "a connection was left open"
    # The in-flight request was cancelled, not failed: no error message came of it.
    if in_flight.done() and in_flight.exception() is not None:
        err = in_flight.exception()
        assert isinstance(err, (RpcError, ConnectionError)), err
        if isinstance(err, RpcError):
            assert err.code == -32800, err
    assert server.shown()[shown:] == []
    assert server.proc.returncode in (0, -signal.SIGTERM, -signal.SIGINT), server.proc.returncode
    _TIMES[f"{route}/{how}"] = round(took, 3)
    record("shutdown_seconds", dict(_TIMES))
