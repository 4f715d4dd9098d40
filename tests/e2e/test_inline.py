"""Inline completion end to end: what the editor gets and what the upstream saw."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.fakes.mistral import Reply
from tests.support.keys import PROVIDER_KEY
from tests.support.session import session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/src/app.py"


client = session_fixture()


async def test_advertises_features(session):
    caps = session.server_capabilities
    assert caps.inline_completion_provider
    assert caps.completion_provider is not None
    assert caps.code_action_provider
    assert set(caps.execute_command_provider.commands) >= {
        "codestral.explain",
        "codestral.chat",
        "codestral.status",
        "codestral.acceptCompletion",
        "codestral.clearCache",
    }
    sync = caps.text_document_sync
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.position_encoding == session.encoding


async def test_ghost_text_and_exact_upstream_request(session):
    session.fake.default_text = "a + b"
    session.open(URI, "def add(a, b):\n    return \n\nprint(add(1, 2))\n")
    items = await session.inline(URI, 1, 11)
    assert [i.insert_text for i in items] == ["a + b"]
    item = items[0]
    assert item.range.start == item.range.end == types.Position(1, 11)
    assert item.command.command == "codestral.acceptCompletion"

    (req,) = session.fim_requests()
    assert req.path == "/v1/fim/completions"
    assert req.headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert "x-portkey-api-key" not in req.headers
    body = req.json
    assert body["prompt"] == "def add(a, b):\n    return "
    assert body["suffix"] == "\n\nprint(add(1, 2))\n"
    assert body["model"] == "codestral-latest"
    assert body["max_tokens"] == 64 and body["temperature"] == 0.0

    await session.command("codestral.acceptCompletion", item.command.arguments[0])
    status = await session.status()
    assert status["accepted"] == 1 and status["upstreamCalls"] == 1


async def test_unicode_positions_in_negotiated_encoding(session):
    # emoji (2 UTF-16 units, 4 UTF-8 bytes), CJK (3 UTF-8 bytes), a combining mark
    line = 'x = "😀中é" + '
    session.fake.default_text = "y"
    session.open(URI, line + "\n")
    units = {"utf-16": len(line.encode("utf-16-le")) // 2, "utf-8": len(line.encode())}
    items = await session.inline(URI, 0, units[session.encoding])
    assert [i.insert_text for i in items] == ["y"]
    assert session.fim_requests()[0].json["prompt"] == line
    assert items[0].range.start.character == units[session.encoding]


async def test_incremental_edits_reach_the_prompt(session):
    session.fake.default_text = "total"
    session.open(URI, "héllo = 1\n😀 = 2\n")
    # Replace "1" on line 0 and insert a line after the emoji line, using client units.
    col = {"utf-16": 8, "utf-8": 9}[session.encoding]
    session.edit(URI, (0, col), (0, col + 1), "42")
    emoji_end = {"utf-16": 6, "utf-8": 8}[session.encoding]
    session.edit(URI, (1, emoji_end), (1, emoji_end), "\nreturn ")
    items = await session.inline(URI, 2, 7)
    assert [i.insert_text for i in items] == ["total"]
    assert session.fim_requests()[0].json["prompt"] == "héllo = 42\n😀 = 2\nreturn "


async def test_cursor_past_end_is_clamped(session):
    session.fake.default_text = "pass"
    session.open(URI, "if x:\n    ")
    items = await session.inline(URI, 1, 999)
    assert [i.insert_text for i in items] == ["pass"]
    assert items[0].range.start == types.Position(1, 4)
    items = await session.inline(URI, 50, 3)  # beyond the last line
    assert session.fim_requests()[-1].json["prompt"] == "if x:\n    "


async def test_unknown_document_answers_empty(session):
    assert await session.inline("file:///never/opened.py", 0, 0) == []
    assert session.fake.requests == []


async def test_cache_hit_costs_no_upstream_call(session):
    session.fake.default_text = "value"
    session.open(URI, "result = \n")
    first = await session.inline(URI, 0, 9)
    second = await session.inline(URI, 0, 9)
    assert [i.insert_text for i in first] == [i.insert_text for i in second] == ["value"]
    assert len(session.fim_requests()) == 1
    status = await session.status()
    assert status["cacheHits"] == 1
    await session.command("codestral.clearCache")
    await session.inline(URI, 0, 9)
    assert len(session.fim_requests()) == 2


async def test_typing_through_a_suggestion_needs_no_call(session):
    session.fake.default_text = "compute_total(items)"
    session.open(URI, "x = \n")
    assert [i.insert_text for i in await session.inline(URI, 0, 4)] == ["compute_total(items)"]
    for typed in "comp":
        col = 4 + "comp".index(typed)
        session.edit(URI, (0, col), (0, col), typed)
    items = await session.inline(URI, 0, 8)
    assert [i.insert_text for i in items] == ["ute_total(items)"]
    assert len(session.fim_requests()) == 1


async def test_mid_line_cursor_gets_one_line(session):
    session.fake.default_text = "a, b\n    more = 1\n"
    session.open(URI, "value = compute()\n")
    items = await session.inline(URI, 0, 8)
    assert [i.insert_text for i in items] == ["a, b"]


async def test_answer_typing_the_closer_after_the_cursor_covers_it(session):
    session.fake.default_text = "x + 1)"
    session.open(URI, "print(\n")
    # cursor inside print( ... ) where the editor inserted the `)`: the item types it and its
    # range covers the editor's, so accepting gives `print(x + 1)`, not `print(x + 1))`
    session.edit(URI, (0, 6), (0, 6), ")")
    items = await session.inline(URI, 0, 6)
    assert [i.insert_text for i in items] == ["x + 1)"]
    assert items[0].range is not None
    assert (items[0].range.start.line, items[0].range.start.character) == (0, 6)
    assert (items[0].range.end.line, items[0].range.end.character) == (0, 7)


async def test_answer_with_its_own_closer_leaves_the_editors_closer(session):
    session.fake.default_text = "len(x)"
    session.open(URI, "print()\n")
    items = await session.inline(URI, 0, 6)
    assert [i.insert_text for i in items] == ["len(x)"]
    assert items[0].range is not None
    assert items[0].range.end.character == 6  # the `)` after the cursor stays


async def test_blank_answer_shows_nothing(session):
    session.fake.default_text = "   \n  "
    session.open(URI, "x = \n")
    assert await session.inline(URI, 0, 4) == []


async def test_streaming_single_line_closes_the_stream_early(session):
    session.fake.set_default(Reply(text="first_line()\nsecond()\nthird()\n" * 5, token_delay=0.02))
    session.open(URI, "value = \n")
    items = await session.inline(URI, 0, 8)
    assert [i.insert_text for i in items] == ["first_line()"]
    (req,) = session.fake.wait_for_requests(1, finished=True)
    assert req.json["stream"] is True
    assert req.closed_early


async def test_a_first_line_that_closes_the_open_call_closes_the_stream_early(session):
    # Inside a call opened before the cursor, the answer's first line closes it: nothing after
    # that line can change the suggestion, so the rest is neither waited for nor paid for.
    rest = "\n\n    def value(self) -> float:\n        return self.price\n" * 5
    session.fake.set_default(Reply(text="=list)" + rest, token_delay=0.02))
    doc = "@dataclass\nclass Item:\n    tags: list[str] = field(default_factory\n"
    session.open(URI, doc)
    items = await session.inline(URI, 2, 41)
    assert [i.insert_text for i in items] == ["=list)"]
    (req,) = session.fake.wait_for_requests(1, finished=True)
    assert req.closed_early


@pytest.mark.parametrize("ignored", [None])
async def test_settings_change_applies_without_restart(session, ignored):
    session.fake.default_text = "z"
    session.open(URI, "a = \n")
    await session.inline(URI, 0, 4)
    session.change_settings(
        server_settings(session.fake, model="codestral-2508", completion={"maxTokens": 7})
    )
    await session.wait_for(lambda: True)
    await session.command("codestral.clearCache")
    status = await session.status()
    assert status["model"] == "codestral-2508"
    await session.inline(URI, 0, 4)
    body = session.fim_requests()[-1].json
    assert body["model"] == "codestral-2508" and body["max_tokens"] == 7
