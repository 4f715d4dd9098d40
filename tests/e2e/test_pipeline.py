"""Debounce, cancellation, sharing, timeouts and backoff, seen from the editor and upstream."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.fakes.mistral import Reply
from tests.support.session import inline_params as params_at
from tests.support.session import session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/pipeline.py"


client = session_fixture(
    ["vscode-utf16", "nvim011-utf8"],
    lambda fake: server_settings(fake, completion={"debounceMs": 150, "timeoutMs": 1500}),
)


def inline_params(line: int, character: int) -> types.InlineCompletionParams:
    return params_at(URI, line, character)


async def test_newer_request_supersedes_one_in_debounce(session):
    session.fake.default_text = "done"
    session.open(URI, "a = \nb = \n")
    older = asyncio.ensure_future(session.inline(URI, 0, 4))
    await asyncio.sleep(0.03)
    newer = await session.inline(URI, 1, 4)
    assert await older == []  # gave way to the newer request
    assert [i.insert_text for i in newer] == ["done"]
    requests = session.fim_requests()
    assert len(requests) == 1 and requests[0].json["prompt"] == "a = \nb = "


async def test_cancel_during_debounce_never_reaches_upstream(session):
    session.open(URI, "x = \n")
    cancel, answer = session.request_then_cancel(
        types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(0, 4)
    )
    await asyncio.sleep(0.03)
    cancel()
    with pytest.raises(JsonRpcRequestCancelled):
        await answer
    await asyncio.sleep(0.4)  # well past the debounce
    assert session.fim_requests() == []


async def test_cancel_in_flight_stops_the_upstream_call(session):
    session.fake.set_default(Reply(text="slow", delay=1.0))
    session.open(URI, "y = \n")
    cancel, answer = session.request_then_cancel(
        types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(0, 4)
    )
    await asyncio.to_thread(session.fake.wait_for_requests, 1, 3)
    cancel()
    with pytest.raises(JsonRpcRequestCancelled):
        await answer
    (req,) = session.fake.wait_for_requests(1, finished=True, timeout=3)
    assert req.closed_early


async def test_identical_requests_share_one_upstream_call(session):
    session.fake.set_default(Reply(text="shared", delay=0.3))
    session.open(URI, "z = \n")
    session.open("file:///work/project/other.py", "z = \n")
    # Same text in two documents: the same prompt, one call.
    first = asyncio.ensure_future(session.inline(URI, 0, 4))
    second = asyncio.ensure_future(session.inline("file:///work/project/other.py", 0, 4))
    results = await asyncio.gather(first, second)
    assert [[i.insert_text for i in r] for r in results] == [["shared"], ["shared"]]
    assert len(session.fim_requests()) == 1


async def test_every_request_ends_within_timeout(session):
    session.fake.set_default(Reply(fault="hang"))
    session.open(URI, "w = \n")
    started = time.monotonic()
    assert await session.inline(URI, 0, 4) == []
    assert time.monotonic() - started < 1.5 + 0.5
    await session.wait_for(lambda: session.client.messages)
    assert "timeoutMs" in session.client.messages[0].message


async def test_rate_limit_retry_after_pauses_calls(session):
    session.fake.enqueue(Reply(status=429, headers={"Retry-After": "1"}))
    session.fake.default_text = "later"
    session.open(URI, "v = \n")
    assert await session.inline(URI, 0, 4) == []
    session.edit(URI, (0, 4), (0, 4), "1")
    assert await session.inline(URI, 0, 5) == []  # still inside Retry-After: no call
    assert len(session.fim_requests()) == 1
    status = await session.status()
    assert status["blockedByBackoff"] == 1 and status["state"] == "rate_limited"
    await asyncio.sleep(1.05)
    assert [i.insert_text for i in await session.inline(URI, 0, 5)] == ["later"]
    assert len(session.fim_requests()) == 2
    rate_messages = [m for m in session.client.messages if "rate limiting" in m.message]
    assert len(rate_messages) == 1 and "1 s" in rate_messages[0].message
    assert any(s.state == "rate_limited" for s in session.statuses)
    assert session.statuses[-1].state == "ready"
