"""Upstream failures: one clear message per cause, an empty answer, never an LSP error."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.mistral import FakeMistral, Reply
from tests.support.session import session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/errors.py"


client = session_fixture(["vscode-utf16", "nvim011-utf8"])


async def _type_and_ask(session, n: int) -> list[list]:
    """n keystrokes, each followed by a completion request."""
    session.open(URI, "value = \n")
    results = []
    for i in range(n):
        session.edit(URI, (0, 8 + i), (0, 8 + i), "x")
        results.append(await session.inline(URI, 0, 9 + i))
        await asyncio.sleep(0.02)
    return results


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(status=401, json={"message": "Unauthorized", "request_id": "r1"}),
            "keys are different",
        ),
        (Reply(status=403, json={"detail": "Forbidden"}), "rejected the API key"),
        (Reply(status=500), "resume automatically"),
        (Reply(status=404, json={"detail": "Not Found"}), "API root"),
        (Reply(body=b"{not json"), "not Mistral's format"),
        (Reply(json={"id": "x", "choices": []}), "no choices"),
        (Reply(json={"choices": [{"index": 0, "message": {"content": None}}]}), "not text"),
        (Reply(fault="reset"), "Cannot reach"),
    ],
    ids=["401", "403", "500", "404", "malformed", "no-choices", "null-content", "reset"],
)
async def test_failure_told_once_and_answers_empty(session, reply, expected):
    session.fake.set_default(reply)
    results = await _type_and_ask(session, 3)
    assert results == [[], [], []]
    texts = [m.message for m in session.client.messages]
    assert len(texts) == 1, texts
    assert expected in texts[0]
    status = await session.status()
    assert status["errors"] >= 1 and status["lastError"]
    # recovery: the upstream answers again and completions come back
    session.fake.set_default(None)
    session.fake.default_text = "ok"
    await asyncio.sleep(max(0.0, status["backoffSeconds"]) + 0.05)
    session.edit(URI, (0, 11), (0, 11), "y")
    assert [i.insert_text for i in await session.inline(URI, 0, 12)] == ["ok"]


async def test_refused_connection_is_one_message(session):
    dead = FakeMistral().start()
    url = dead.base_url
    dead.stop()
    session.change_settings(server_settings(session.fake, baseUrl=url))
    await asyncio.sleep(0.1)
    results = await _type_and_ask(session, 3)
    assert results == [[], [], []]
    reach = [m for m in session.client.messages if "Cannot reach" in m.message]
    assert len(reach) == 1 and "127.0.0.1" in reach[0].message
