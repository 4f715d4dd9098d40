"""Load: a burst of 10,000 completion requests with cancellations over one stdio connection,
and a one-hour-equivalent soak replayed at compressed time; afterwards no growth in live
asyncio tasks (``codestral.status`` ``tasks``) or in the server's RSS (/proc/<pid>/status)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.mistral import FakeMistral, Reply
from tests.support.figures import record
from tests.support.settings import direct_settings
from tests.support.wire import RpcError, Server, wait_until

BURST = 10_000
SOAK_KEYSTROKES = 20_000
CANCELLED = -32800
RSS_GROWTH_LIMIT_KB = 15 * 1024


@pytest.fixture
def loaded(tmp_path: Path, fake: FakeMistral) -> Iterator[tuple[Server, FakeMistral]]:
    fake.default_text = "result"
    server = Server(stderr_path=tmp_path / "stderr.log")
    server.initialize(direct_settings(fake, debounceMs=20, timeoutMs=2000))
    yield server, fake
    assert server.alive()
    server.stop()
    assert "Traceback" not in (tmp_path / "stderr.log").read_text("utf-8", "replace")


def settle(server: Server, baseline_tasks: int | None = None) -> dict[str, Any]:
    """Status once the server is idle: only the status request's own task left running."""
    status: dict[str, Any] = {}

    def idle() -> bool:
        status.update(server.status())
        return status["tasks"] <= (baseline_tasks or 1)

    wait_until(idle, timeout=5, step=0.05)
    time.sleep(0.2)
    return server.status()


def burst(server: Server, n: int, docs: list[str], rng: random.Random) -> dict[str, int]:
    """n keystrokes, each a didChange and an inline request; about a third cancelled."""
    futures = []
    columns = dict.fromkeys(docs, 9)
    for i in range(n):
        uri = docs[i % len(docs)]
        server.insert(uri, 0, columns[uri], "abcdefghij"[rng.randrange(10)])
        columns[uri] += 1
        msg_id, fut = server.request_async(
            "textDocument/inlineCompletion", server.inline_params(uri, 0, columns[uri])
        )
        futures.append(fut)
        if rng.random() < 0.33:
            server.cancel(msg_id)
    counts = {"answered": 0, "cancelled": 0, "with_text": 0}
    for fut in futures:
        try:
            result = fut.result(timeout=60)
        except RpcError as err:
            assert err.code == CANCELLED, err
            counts["cancelled"] += 1
        else:
            counts["answered"] += 1
            counts["with_text"] += bool(result and result.get("items"))
    assert counts["answered"] + counts["cancelled"] == n
    return counts


def test_burst_of_10000_requests_with_cancellations(loaded):
    server, fake = loaded
    rng = random.Random(7)
    docs = [f"file:///work/project/load_{i}.py" for i in range(8)]
    for uri in docs:
        server.open(uri, "values = \n" + "x = 1\n" * 200)
    burst(server, 500, docs, rng)  # warm up: imports, caches, the HTTP pool
    base = settle(server)
    rss_before = server.rss_kb()

    started = time.monotonic()
    counts = burst(server, BURST, docs, rng)
    took = time.monotonic() - started
    first = settle(server, base["tasks"])
    rss_after = server.rss_kb()
    # A smaller second burst: in a steady state the first left nothing behind to grow from.
    counts2 = burst(server, BURST // 4, docs, rng)
    second = settle(server, base["tasks"])
    rss_after2 = server.rss_kb()

    assert first["tasks"] <= base["tasks"] and second["tasks"] <= base["tasks"], (base, second)
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_KB, (rss_before, rss_after)
    assert rss_after2 - rss_after < 5 * 1024, (rss_after, rss_after2)
    assert counts["cancelled"] > 0 and counts["answered"] > 0
    assert server.unmatched == []  # no answer for a request nobody sent
    record(
        "load_burst",
        {
            "requests": BURST,
            "answered": counts["answered"],
            "cancelled": counts["cancelled"],
            "answered_with_text": counts["with_text"],
            "seconds": round(took, 1),
            "upstream_calls": len(fake.requests),
            "rss_kb_before": rss_before,
            "rss_kb_after": rss_after,
            "rss_kb_after_second_burst": rss_after2,
            "second_burst": counts2,
            "tasks_idle_before": base["tasks"],
            "tasks_idle_after": first["tasks"],
            "tasks_idle_after_second_burst": second["tasks"],
        },
    )


SOURCE = (
    "def fibonacci(n):\n"
    "    a, b = 0, 1\n"
    "    for _ in range(n):\n"
    "        a, b = b, a + b\n"
    "    return a\n"
    "\n"
    "class Account:\n"
    "    def __init__(self, owner, balance=0):\n"
    "        self.owner = owner\n"
    "        self.balance = balance\n"
    "\n"
)


def test_soak_one_hour_equivalent(loaded):
    """20,000 keystrokes (an hour of steady typing at ~5.5 per second) replayed fast: typing
    and deleting in several files, a completion request per keystroke with the previous one
    cancelled as editors do, files opened and closed, status and explain now and then, a
    settings change, and upstream failures (500s, 429s, a hang) in between."""
    server, fake = loaded
    rng = random.Random(11)
    files = [f"file:///work/project/soak_{i}.py" for i in range(4)]
    texts = {uri: "" for uri in files}
    for uri in files:
        server.open(uri, "")
    window = 100  # keystrokes sent before waiting for their answers: "time" passing
    rss_samples: list[int] = []
    base_tasks = None
    pending: list[Any] = []
    last_id: dict[str, Any] = {}
    faults = 0
    started = time.monotonic()

    for n in range(SOAK_KEYSTROKES):
        uri = files[(n // 500) % len(files)]  # work on one file for a while, then the next
        text = texts[uri]
        lines = text.split("\n")
        line, col = len(lines) - 1, len(lines[-1])
        if text and rng.random() < 0.12:  # backspace
            if col > 0:
                server.change(
                    uri,
                    [
                        {
                            "range": {
                                "start": {"line": line, "character": col - 1},
                                "end": {"line": line, "character": col},
                            },
                            "text": "",
                        }
                    ],
                )
                texts[uri] = text[:-1]
                col -= 1
        else:
            ch = SOURCE[len(text) % len(SOURCE)]
            server.insert(uri, line, col, ch)
            texts[uri] = text + ch
            line, col = (line + 1, 0) if ch == "\n" else (line, col + 1)
        if uri in last_id:
            server.cancel(last_id.pop(uri))
        msg_id, fut = server.request_async(
            "textDocument/inlineCompletion", server.inline_params(uri, line, col)
        )
        last_id[uri] = msg_id
        pending.append(fut)

        if n % window == window - 1:
            for fut in pending:
                try:
                    fut.result(timeout=30)
                except RpcError as err:
                    assert err.code == CANCELLED, err
            pending.clear()
            last_id.clear()
        if n % 1000 == 999:
            # Now and then: other work an editor session brings.
            server.command("codestral.status")
            server.command("codestral.explain", {"uri": uri, "show": False})
            other = f"file:///work/project/scratch_{n}.py"
            server.open(other, "scratch = 1\n" * 50)
            server.notify("textDocument/didClose", {"textDocument": {"uri": other}})
        if n % 2500 == 1200:
            faults += 1
            fake.enqueue(Reply(status=500), Reply(status=429, headers={"Retry-After": "0.2"}))
            if faults == 1:
                fake.enqueue(Reply(fault="hang"))  # one request ends at timeoutMs
        if n % 5000 == 4999:
            server.configure(direct_settings(fake, debounceMs=20 + n % 7, timeoutMs=2000))
        if n == 2000:
            base_tasks = settle(server)["tasks"]
            rss_samples.append(server.rss_kb())
        elif n % 4000 == 3999:
            rss_samples.append(server.rss_kb())

    took = time.monotonic() - started
    fake.reset()
    final = settle(server, base_tasks)
    rss_samples.append(server.rss_kb())
    assert final["tasks"] <= (base_tasks or 1), final
    growth = rss_samples[-1] - rss_samples[0]
    assert growth < RSS_GROWTH_LIMIT_KB, rss_samples
    assert final["documents"] == len(files)  # the scratch files were closed again
    record(
        "soak",
        {
            "keystrokes": SOAK_KEYSTROKES,
            "seconds": round(took, 1),
            "requests": final["requests"],
            "upstream_calls": final["upstreamCalls"],
            "debounced_or_cancelled": final["debounced"],
            "errors_injected_rounds": faults,
            "rss_kb_samples": rss_samples,
            "rss_growth_kb": growth,
            "tasks_idle_at_2000": base_tasks,
            "tasks_idle_at_end": final["tasks"],
        },
    )
