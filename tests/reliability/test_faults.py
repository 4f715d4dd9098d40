"""Upstream faults on both routes: every request ends by timeoutMs, one message per cause,
retries bounded by the backoff, and completions back as soon as the upstream recovers."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.mistral import FakeMistral, Reply
from tests.support.figures import record
from tests.support.keys import GATEWAY_KEY, PROVIDER_KEY
from tests.support.settings import ROUTES
from tests.support.wire import Server

KEYSTROKES = 5
TIMEOUT_MS = 1000
SLACK_S = 0.5  # scheduling, the fake's own latency, a loaded CI machine
BIG = 10 * 1024 * 1024
_uris = itertools.count()


@dataclass
class Case:
    reply: Reply | None  # None: the connection is refused
    expect: str | dict[str, str]  # phrase in the message (per route when they differ)
    completion: dict[str, Any] = field(default_factory=dict)


def _sse(*events: bytes) -> bytes:
    return b"".join(b"data: " + e + b"\n\n" for e in events)


AUTH = {"direct": "rejected the API key", "gateway": "rejected the request"}
CASES: dict[str, Case] = {
    "400": Case(Reply(status=400), "refused the request (400)"),
    "401": Case(Reply(status=401), AUTH),
    "403": Case(Reply(status=403), AUTH),
    "404": Case(Reply(status=404), "no such endpoint (404)"),
    "408": Case(Reply(status=408), "in time"),
    "413": Case(Reply(status=413), "far too large (413)"),
    "422": Case(Reply(status=422), "refused the request (422)"),
    "429": Case(Reply(status=429), "pausing completions briefly"),
    "429-retry-after": Case(
        Reply(status=429, headers={"Retry-After": "1"}), "for 1 s as the server asked"
    ),
    "500": Case(Reply(status=500), "resume automatically"),
    "502": Case(Reply(status=502), "resume automatically"),
    "503": Case(Reply(status=503), "resume automatically"),
    "504": Case(Reply(status=504), "in time"),
    "refused": Case(None, "Cannot reach"),
    "reset": Case(Reply(fault="reset"), "Cannot reach"),
    "reset-mid-body": Case(Reply(text="alpha beta gamma", fault="reset_mid_body"), "mid-answer"),
    "reset-mid-json": Case(
        Reply(text="alpha beta gamma", fault="reset_mid_body"), "mid-answer", {"stream": False}
    ),
    "never-starts": Case(Reply(fault="hang"), "in time"),
    "drips-forever": Case(Reply(fault="drip"), "in time"),
    "drips-forever-json": Case(Reply(fault="drip"), "in time", {"stream": False}),
    "sse-cut-before-done": Case(
        Reply(chunks=["alpha", " beta", " gamma"], fault="cut_stream"), "mid-answer"
    ),
    "malformed-json": Case(Reply(body=b"{not json"), "not valid JSON", {"stream": False}),
    "malformed-sse": Case(Reply(body=b"{not json"), "not an event"),
    "malformed-sse-event": Case(Reply(body=_sse(b"{not json")), "not JSON"),
    "no-choices": Case(Reply(json={"id": "x", "choices": []}), "no choices"),
    "no-choices-sse": Case(Reply(body=_sse(b'{"id": "x"}', b"[DONE]")), "no choices"),
    "null-content": Case(
        Reply(json={"choices": [{"index": 0, "message": {"content": None}}]}), "not text"
    ),
    "not-an-object": Case(Reply(json=[1, 2, 3]), "not a JSON object"),
    "10MB-json": Case(
        Reply(json={"choices": [{"message": {"content": "x" * BIG}}]}), "far too large"
    ),
    "10MB-sse": Case(
        Reply(body=_sse(b'{"choices":[{"delta":{"content":"' + b"x" * BIG + b'"}}]}')),
        "far too large",
    ),
    "not-utf8-json": Case(
        Reply(body=b'{"choices":[{"message":{"content":"a\xff\xfeb"}}]}'),
        "not UTF-8",
        {"stream": False},
    ),
    "not-utf8-sse": Case(
        Reply(
            body=_sse(
                b'{"choices":[{"delta":{"content":"a\xff\xfeb"},"finish_reason":"stop"}]}',
                b"[DONE]",
            )
        ),
        "not UTF-8",
    ),
}


@pytest.fixture(scope="module")
def dead_port() -> int:
    dead = FakeMistral().start()
    port = dead.port
    dead.stop()
    return port


@pytest.fixture(scope="module", params=list(ROUTES))
def routed(request, upstream, tmp_path_factory) -> Iterator[tuple[str, Server]]:
    """One server per route, reused by every case (settings are re-sent per case)."""
    log = Path(tmp_path_factory.mktemp("faults")) / f"{request.param}.stderr"
    server = Server(stderr_path=log)
    server.initialize(ROUTES[request.param](upstream, timeoutMs=TIMEOUT_MS))
    yield request.param, server
    assert server.alive(), "the server died during the fault cases"
    server.stop()
    text = log.read_text("utf-8", "replace")
    assert PROVIDER_KEY not in text and GATEWAY_KEY not in text
    assert "Traceback" not in text, text[-3000:]


def _settings(route: str, fake: FakeMistral, case: Case, dead_port: int) -> dict[str, Any]:
    settings = ROUTES[route](fake, timeoutMs=TIMEOUT_MS, **case.completion)
    if case.reply is None:
        path = "/gateway/v1" if route == "gateway" else "/v1"
        settings["baseUrl"] = f"http://127.0.0.1:{dead_port}{path}"
    return settings


def _fim_calls(fake: FakeMistral) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("/fim/completions"))


@pytest.mark.parametrize("name", list(CASES))
def test_fault(routed, upstream, dead_port, name):
    route, server = routed
    case = CASES[name]
    fake = upstream
    fake.reset()
    fake.default_text = "ok"
    if case.reply is not None:
        fake.set_default(case.reply)
    # A settings change starts each case clean (backoff and "already told" both reset).
    server.configure(_settings(route, fake, case, dead_port))
    before = server.status()
    shown_before = len(server.shown())
    uri = f"file:///work/project/fault_{next(_uris)}.py"
    # Unique text: the cache is keyed by content, and a hit would prove nothing here.
    server.open(uri, f"# {route} {name}\nvalue = \n")

    durations = []
    for i in range(KEYSTROKES):
        server.insert(uri, 1, 8 + i, "x")
        started = time.monotonic()
        assert server.inline(uri, 1, 9 + i) == []
        durations.append(time.monotonic() - started)
    assert max(durations) <= TIMEOUT_MS / 1000 + SLACK_S, durations

    # One message for this cause, however many keystrokes met it.
    messages = server.shown()[shown_before:]
    assert len(messages) == 1, messages
    expect = case.expect if isinstance(case.expect, str) else case.expect[route]
    assert expect in messages[0], messages[0]
    assert PROVIDER_KEY not in messages[0] and GATEWAY_KEY not in messages[0]

    # Bounded retries: the first keystroke reached the upstream, the backoff held the rest.
    after = server.status()
    assert after["lastError"] and after["state"] in ("error", "rate_limited")
    assert after["upstreamCalls"] - before["upstreamCalls"] == 1
    if case.reply is not None:
        assert _fim_calls(fake) == 1, [r.path for r in fake.requests]
    assert after["blockedByBackoff"] - before["blockedByBackoff"] == KEYSTROKES - 1
    wait = after["backoffSeconds"]
    assert 0 < wait <= (1.0 if name == "429-retry-after" else 2.0), wait

    # Recovery: right after the backoff window the next keystroke gets a completion again
    # (no settings change here: that would reset the backoff and prove nothing).
    revived = None
    if case.reply is None:
        revived = FakeMistral(api_key=PROVIDER_KEY, port=dead_port).start()  # the host is back
        revived.default_text = "ok"
    else:
        fake.reset()
        fake.default_text = "ok"
    try:
        time.sleep(wait + 0.05)
        server.insert(uri, 1, 8 + KEYSTROKES, "y")
        started = time.monotonic()
        assert server.inline(uri, 1, 9 + KEYSTROKES) == ["ok"]
        recovered = time.monotonic() - started
    finally:
        if revived is not None:
            revived.stop()
    final = server.status()
    assert final["state"] == "ready", final
    record_fault(route, name, max(durations), wait, recovered, len(messages))


_FAULTS: dict[str, dict[str, Any]] = {}


def record_fault(
    route: str, name: str, worst: float, wait: float, recovered: float, messages: int
) -> None:
    entry = {
        "messages": messages,
        "worst_request_s": round(worst, 3),
        "backoff_s": wait,
        "recovery_request_s": round(recovered, 3),
    }
    _FAULTS[f"{route}/{name}"] = entry
    record("faults_survived", len(_FAULTS))
    record("faults_worst_request_s", max(f["worst_request_s"] for f in _FAULTS.values()))
    worst_recovery = max(f["recovery_request_s"] for f in _FAULTS.values())
    record("faults_worst_recovery_request_s", worst_recovery)


@pytest.mark.parametrize("fault", ["hang", "drip"])
def test_chat_that_never_finishes_ends(routed, upstream, fault):
    """Explain/chat may run longer than a completion, but a stalled upstream still ends it:
    after 5 x timeoutMs without new text, with one message and a clear answer."""
    route, server = routed
    upstream.reset()
    upstream.set_default(Reply(fault=fault))
    server.configure(ROUTES[route](upstream, timeoutMs=TIMEOUT_MS))
    shown = len(server.shown())
    uri = f"file:///work/project/chat_{next(_uris)}.py"
    server.open(uri, "def f():\n    return 1\n")
    started = time.monotonic()
    answer = server.command("codestral.explain", {"uri": uri, "show": False}, timeout=30)
    took = time.monotonic() - started
    assert took <= 5 * TIMEOUT_MS / 1000 + SLACK_S, took
    assert "could not answer" in answer["markdown"]
    messages = server.shown()[shown:]
    assert len(messages) == 1 and "in time" in messages[0], messages
    upstream.reset()
    record(f"chat_stall_{route}_{fault}_s", round(took, 2))
