"""Acceptance, retention, the spend governor, gateway feedback and the inspector, over LSP
against the real server (a subprocess) and the fake upstream.

Each test starts its own server with its own cache directory (XDG_CACHE_HOME) and a clock file
(CODESTRAL_LS_CLOCK_FILE, test-only: seconds added to the server's clocks), so it can move the
server through retention checkpoints and budget periods without waiting.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.fakes.mistral import FakeMistral, Reply
from tests.support.keys import GATEWAY_KEY, SERVER_ENV
from tests.support.keys import PROVIDER_KEY as FAKE_KEY
from tests.support.session import Session, server_config, start_session
from tests.support.settings import server_settings

URI = "file:///work/project/src/app.py"


class Env:
    """One test's cache directory and clock."""

    def __init__(self, root: Path) -> None:
        self.cache = root / "cache"
        self.clock_file = root / "clock"
        # The server's clock starts at noon UTC on the 10th of this month, so a test that
        # moves a day (or a few minutes) on never crosses a month's or a day's end by the
        # calendar (run on the 30th, "tomorrow" was a new month and the month's count reset).
        today = time.gmtime()
        noon_10th = calendar.timegm((today.tm_year, today.tm_mon, 10, 12, 0, 0, 0, 0, 0))
        self.offset = noon_10th - time.time()
        self.clock_file.write_text(str(self.offset))

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self.clock_file.write_text(str(self.offset))

    @property
    def usage_file(self) -> Path:
        return self.cache / "codestral-ls" / "usage.json"

    def seed_usage(self, day_tokens: int, month_tokens: int | None = None) -> None:
        now = time.gmtime(time.time() + self.offset)
        self.usage_file.parent.mkdir(parents=True, exist_ok=True)
        self.usage_file.write_text(
            json.dumps(
                {
                    "version": 1,
                    "day": time.strftime("%Y-%m-%d", now),
                    "dayTokens": day_tokens,
                    "month": time.strftime("%Y-%m", now),
                    "monthTokens": day_tokens if month_tokens is None else month_tokens,
                }
            )
        )

    def server_env(self) -> dict[str, str]:
        return {
            **SERVER_ENV,
            "XDG_CACHE_HOME": str(self.cache),
            "CODESTRAL_LS_CLOCK_FILE": str(self.clock_file),
            "TZ": "UTC",
        }


@contextlib.asynccontextmanager
async def running(
    fake: FakeMistral,
    env: Env,
    settings: dict[str, Any] | None = None,
    client: str = "vscode-utf16",
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Session]:
    lsp = await server_config(env={**env.server_env(), **(extra_env or {})}).start()
    try:
        yield await start_session(lsp, fake, client, settings or server_settings(fake))
        await lsp.shutdown_session()
    finally:
        server = lsp._server
        if server is not None and server.returncode is None:
            server.kill()  # a failed test: no shutdown was sent, and stop() would wait for it
        await lsp.stop()


async def inline(
    session: Session, line: int, character: int, invoked: bool = False
) -> types.InlineCompletionItem | None:
    kind = types.InlineCompletionTriggerKind
    result = await session.client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=kind.Invoked if invoked else kind.Automatic
            ),
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=line, character=character),
        )
    )
    items = [] if result is None else list(getattr(result, "items", result))
    return items[0] if items else None


def item_id(item: types.InlineCompletionItem) -> str:
    assert item.command is not None and item.command.arguments
    return item.command.arguments[0]["id"]


async def accept(session: Session, item: types.InlineCompletionItem, at: tuple[int, int]) -> None:
    """What an editor does on accept: insert the text, then run the item's command."""
    session.edit(URI, at, at, str(item.insert_text))
    await session.command("codestral.acceptCompletion", {"id": item_id(item)})


async def poll(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Until ``predicate()`` holds (what it waits for sends the client no notification)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def fim_count(fake: FakeMistral) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("/fim/completions"))


def gateway_settings(fake: FakeMistral, **gateway: Any) -> dict[str, Any]:
    return server_settings(fake, "gateway", gateway={"apiKey": GATEWAY_KEY, **gateway})


async def test_every_outcome_is_counted_per_language_and_route(fake, tmp_path):
    env = Env(tmp_path)
    fake.set_default(Reply(text="compute(1, 2)"))
    async with running(fake, env) as s:
        s.open(URI, "import os\nx = \ny = \nz = \nw = \n")
        a = await inline(s, 1, 4)
        assert a is not None and a.insert_text == "compute(1, 2)"
        await accept(s, a, (1, 4))
        b = await inline(s, 2, 4)
        c = await inline(s, 3, 4)  # a new suggestion in the document: b was dismissed
        assert b is not None and c is not None
        s.edit(URI, (3, 4), (3, 4), "compute(")
        assert await s.command("codestral.partialAccept", {"id": item_id(c), "acceptedLength": 8})
        d = await inline(s, 4, 4)
        assert d is not None
        s.edit(URI, (4, 4), (4, 4), "comp")  # typing the suggestion instead of accepting it
        f = await inline(s, 4, 8)
        assert f is not None and f.insert_text == "ute(1, 2)"
        assert fim_count(fake) == 4  # the typed-through rest cost nothing

        counts = (await s.status())["acceptance"]
        expected = {
            "shown": 5,
            "accepted": 1,
            "partlyAccepted": 1,
            "typedThrough": 1,
            "dismissed": 1,
            "pending": 1,
            "acceptedChars": 13 + 8,
        }
        assert {k: counts[k] for k in expected} == expected
        assert counts["acceptRate"] == 0.5  # 2 of the 4 decided
        for group in (counts["byLanguage"]["python"], counts["byRoute"]["direct"]):
            assert {k: group[k] for k in expected} == expected

        env.advance(31)  # f was never accepted: dismissed by the timeout
        counts = (await s.status())["acceptance"]
        assert (counts["pending"], counts["dismissed"]) == (0, 2)
        # An accept that arrives after the suggestion was counted dismissed still wins.
        await s.command("codestral.acceptCompletion", {"id": item_id(b)})
        counts = (await s.status())["acceptance"]
        assert (counts["accepted"], counts["dismissed"]) == (2, 1)
        assert not await s.command("codestral.partialAccept", {"id": "c999", "text": "x"})


async def test_partial_accept_lengths_are_in_the_negotiated_encoding(fake, tmp_path):
    env = Env(tmp_path)
    fake.set_default(Reply(text="print('é😀', 1)"))
    async with running(fake, env, client="nvim011-utf8") as s:
        s.open(URI, "x = 1\n\n")
        item = await inline(s, 1, 0)
        assert item is not None and item.insert_text == "print('é😀', 1)"
        # "print('é" is 9 bytes in UTF-8 and 8 characters
        assert await s.command(
            "codestral.partialAccept", {"id": item_id(item), "acceptedLength": 9}
        )
        assert (await s.status())["acceptance"]["acceptedChars"] == 8
        # the Neovim plugin may send the accepted text instead: 9 characters (UTF-8: 13 bytes)
        ok = await s.command("codestral.partialAccept", {"id": item_id(item), "text": "print('é😀"})
        assert ok
        counts = (await s.status())["acceptance"]
        assert (counts["acceptedChars"], counts["partlyAccepted"]) == (9, 1)
        # accepting the rest makes it a full accept, counted once
        await s.command("codestral.partialAccept", {"id": item_id(item), "text": item.insert_text})
        counts = (await s.status())["acceptance"]
        assert (counts["accepted"], counts["partlyAccepted"], counts["acceptedChars"]) == (1, 0, 14)


async def test_retention_follows_the_accepted_text_through_later_edits(fake, tmp_path):
    env = Env(tmp_path)
    fake.set_default(Reply(text="compute(1, 2)"))
    async with running(fake, env) as s:
        s.open(URI, "import os\nx = \n")
        item = await inline(s, 1, 4)
        assert item is not None
        await accept(s, item, (1, 4))
        s.edit(URI, (0, 0), (0, 0), "# header\n")  # a line above: the text moves, intact
        s.edit(URI, (2, 17), (2, 17), "  # note")  # typed after it: not part of it
        await s.status()
        env.advance(31)
        retention = (await s.status())["acceptance"]["retention"]
        assert retention["30s"] == {"share": 1.0, "measured": 1}
        assert retention["2m"]["measured"] == 0

        s.edit(URI, (2, 11), (2, 17), "")  # "(1, 2)" deleted: 7 of 13 characters left
        await s.status()  # a round trip: the server has applied the edit before time moves
        env.advance(90)
        # measured on the next edit, on the text as it was before that edit
        s.edit(URI, (2, 4), (2, 11), "")  # then "compute" goes too
        retention = (await s.status())["acceptance"]["retention"]
        assert retention["2m"] == {"share": round(7 / 13, 3), "measured": 1}
        env.advance(480)
        retention = (await s.status())["acceptance"]["retention"]
        assert retention["10m"] == {"share": 0.0, "measured": 1}
        by_route = (await s.status())["acceptance"]["byRoute"]["direct"]["retention"]
        assert by_route["30s"]["share"] == 1.0 and by_route["10m"]["share"] == 0.0


def long_document() -> str:
    return "".join(f"value_{i} = compute({i}, {i + 1})\n" for i in range(300)) + "def f():\n    \n"


async def test_the_governor_steps_down_as_the_daily_budget_runs_low_and_back_up_next_day(
    fake, tmp_path
):
    env = Env(tmp_path)
    budget = 100_000
    fake.set_default(Reply(text="return 1"))
    settings = server_settings(fake, budget={"dailyTokens": budget})
    last = 301  # the indented empty line of long_document()
    env.seed_usage(budget * 80 // 100)  # 20 % left: smaller context
    async with running(fake, env, settings) as s:
        s.open(URI, long_document())
        report = (await s.status())["budget"]
        assert report["stageName"] == "small_context"
        assert report["day"]["limit"] == budget
        await inline(s, last, 4)
        body = fake.requests[-1].json
        # a third of the default window (the unused suffix budget goes to the prefix)
        assert 0 < len(body["prompt"]) <= (4500 + 1500) // 3
        assert "stop" in body  # still multi-line here

        env.seed_usage(budget * 92 // 100)  # 8 % left: single-line only
        time.sleep(1.1)  # the server re-reads the shared file at most once a second
        assert (await s.status())["budget"]["stageName"] == "single_line"
        s.edit(URI, (last, 4), (last, 4), "x")
        await inline(s, last, 5)
        assert "stop" not in fake.requests[-1].json
        inspected = (await s.command("codestral.inspect", {"limit": 1}))["requests"][0]
        assert (inspected["stage"], inspected["multiline"]) == ("single_line", False)

        env.seed_usage(budget * 96 // 100)  # 4 % left: only when invoked
        time.sleep(1.1)
        assert (await s.status())["budget"]["stageName"] == "invoked_only"
        calls = fim_count(fake)
        s.edit(URI, (last, 5), (last, 5), "y")
        assert await inline(s, last, 6) is None
        assert fim_count(fake) == calls
        assert (await s.command("codestral.inspect", {"limit": 1}))["requests"][0][
            "source"
        ] == "budget"
        assert await inline(s, last, 6, invoked=True) is not None
        assert fim_count(fake) == calls + 1

        env.seed_usage(budget)  # nothing left: off, even when invoked
        time.sleep(1.1)
        report = (await s.status())["budget"]
        assert (report["stageName"], report["day"]["left"]) == ("off", 0)
        s.edit(URI, (last, 6), (last, 6), "z")
        assert await inline(s, last, 7, invoked=True) is None
        assert fim_count(fake) == calls + 1

        env.advance(86_400)  # a new day: the daily budget is whole again
        report = (await s.status())["budget"]
        assert (report["stageName"], report["day"]["used"]) == ("full", 0)
        assert report["month"]["used"] >= budget  # the month goes on counting
        s.edit(URI, (last, 7), (last, 7), "w")
        assert await inline(s, last, 8) is not None
        assert fim_count(fake) == calls + 2


async def test_a_rate_limit_steps_down_and_recovers(fake, tmp_path):
    env = Env(tmp_path)
    fake.enqueue(Reply(status=429, headers={"Retry-After": "1"}))
    fake.set_default(Reply(text="return 1"))
    async with running(fake, env) as s:
        s.open(URI, long_document())
        assert await inline(s, 301, 4) is None
        report = (await s.status())["budget"]
        assert (report["stageName"], report["penalty"]) == ("small_context", 1)
        env.advance(61)
        report = (await s.status())["budget"]
        assert (report["stageName"], report["penalty"]) == ("full", 0)


async def test_a_gateway_budget_error_steps_down(fake, tmp_path):
    env = Env(tmp_path)
    fake.enqueue(Reply(status=412, json={"status": "failure", "message": "Budget exhausted"}))
    async with running(fake, env, gateway_settings(fake)) as s:
        s.open(URI, "x = \n")
        assert await inline(s, 0, 4) is None
        assert (await s.status())["budget"]["stageName"] == "small_context"


async def test_tokens_are_counted_from_usage_and_survive_a_restart(fake, tmp_path):
    env = Env(tmp_path)
    fake.set_default(Reply(text="compute(1, 2)"))
    async with running(fake, env) as s:
        s.open(URI, "import os\nx = \n")
        await inline(s, 1, 4)
        tokens = (await s.command("codestral.inspect", {"limit": 1}))["requests"][0]["tokens"]
        # the fake reports usage like the API: prompt characters / 4, one token per word
        assert tokens == {"prompt": 14 // 4, "completion": 2, "estimated": False}
        used = (await s.status())["budget"]["day"]["used"]
        assert used == 5
    async with running(fake, env) as s:
        assert (await s.status())["budget"]["day"]["used"] == used
        env.advance(-3 * 86_400)  # the clock jumps back: the count is kept, not reset
        report = (await s.status())["budget"]
        assert report["day"]["used"] == used


async def test_tokens_are_estimated_when_the_stream_is_closed_early(fake, tmp_path):
    env = Env(tmp_path)
    # single-line: the stream is closed at the first line break, before the usage chunk
    fake.set_default(Reply(chunks=["compute", "(1, 2)\n", "more = 1\n", "done = 2"]))
    async with running(fake, env) as s:
        s.open(URI, "import os\nx = \n")
        await inline(s, 1, 4)
        tokens = (await s.command("codestral.inspect", {"limit": 1}))["requests"][0]["tokens"]
        assert tokens["estimated"] is True and tokens["prompt"] == -(-15 // 4)
        assert (await s.status())["budget"]["estimatedTokens"] == tokens["prompt"] + tokens[
            "completion"
        ]


async def test_a_corrupt_usage_file_starts_fresh_with_one_message(fake, tmp_path):
    env = Env(tmp_path)
    env.usage_file.parent.mkdir(parents=True)
    env.usage_file.write_text("{not json")
    fake.set_default(Reply(text="compute(1, 2)"))
    async with running(fake, env) as s:
        s.open(URI, "import os\nx = \ny = \n")
        assert await inline(s, 1, 4) is not None
        assert await inline(s, 2, 4) is not None
        assert (await s.status())["budget"]["day"]["used"] > 0
        told = [m.message for m in s.client.messages if "usage file" in m.message]
        assert len(told) == 1 and "afresh" in told[0]
        assert json.loads(env.usage_file.read_text())["dayTokens"] > 0


async def test_an_unwritable_usage_file_counts_in_memory_with_one_message(fake, tmp_path):
    env = Env(tmp_path)
    env.cache.mkdir()
    (env.cache / "codestral-ls").write_text("a file where the folder should be")
    fake.set_default(Reply(text="compute(1, 2)"))
    async with running(fake, env) as s:
        s.open(URI, "import os\nx = \ny = \n")
        assert await inline(s, 1, 4) is not None
        assert await inline(s, 2, 4) is not None
        records = (await s.command("codestral.inspect", {"limit": 2}))["requests"]
        spent = sum(r["tokens"]["prompt"] + r["tokens"]["completion"] for r in records)
        assert (await s.status())["budget"]["day"]["used"] == spent > 0
        told = [m.message for m in s.client.messages if "usage file" in m.message]
        assert len(told) == 1 and "in memory" in told[0]


async def test_two_windows_writing_at_once_lose_no_counts(fake, tmp_path):
    env = Env(tmp_path)
    fake.set_default(Reply(text="compute(1, 2)"))
    lines = 25
    text = "".join(f"v{i} = \n" for i in range(lines))
    async with running(fake, env) as one, running(fake, env) as two:
        for s in (one, two):
            s.open(URI, text)

        async def type_all(s: Session) -> int:
            for i in range(lines):
                await inline(s, i, len(f"v{i} = "))
            records = (await s.command("codestral.inspect", {"limit": 50}))["requests"]
            return sum(r["tokens"]["prompt"] + r["tokens"]["completion"] for r in records)

        spent = await asyncio.gather(type_all(one), type_all(two))
    assert fim_count(fake) == 2 * lines
    assert json.loads(env.usage_file.read_text())["dayTokens"] == sum(spent)


def fim_trace_ids(fake: FakeMistral) -> list[str]:
    return [
        r.headers["x-portkey-trace-id"] for r in fake.requests if r.path.endswith("/completions")
    ]


async def test_outcomes_reach_the_gateway_feedback_api_without_any_code(fake, tmp_path):
    env = Env(tmp_path)
    fake.set_default(Reply(text="compute(1, 2)"))
    document = "import os\nsecret_value = \nother = \n"
    async with running(fake, env, gateway_settings(fake, feedback=True)) as s:
        s.open(URI, document)
        a = await inline(s, 1, 15)
        assert a is not None
        await accept(s, a, (1, 15))
        b = await inline(s, 2, 8)
        assert b is not None
        c = await inline(s, 2, 8, invoked=True)  # same prompt: the cached answer, shown again
        assert c is not None
        await s.status()
        env.advance(601)
        await s.status()  # the 10-minute retention checkpoint of the accepted one
        await poll(lambda: len(fake.feedback()) >= 3)
        counts = (await s.status())["acceptance"]["feedback"]

    traces = fim_trace_ids(fake)
    assert len(traces) == 2  # a and b; c came from the cache
    sent = fake.feedback()
    by_outcome = {f["metadata"]["outcome"]: f for f in sent}
    assert set(by_outcome) == {"accepted", "dismissed", "retained"}
    accepted, dismissed, retained = (by_outcome[k] for k in ("accepted", "dismissed", "retained"))
    assert (accepted["trace_id"], accepted["value"], accepted["weight"]) == (traces[0], 1, 1.0)
    # b was shown again from the cache (c) and then dismissed: on b's call's trace id
    assert (dismissed["trace_id"], dismissed["value"]) == (traces[1], 0)
    assert (retained["trace_id"], retained["value"]) == (traces[0], 10)
    assert retained["metadata"]["retainedShare"] == "1.000"
    for f in sent:
        assert f["metadata"]["language"] == "python" and f["metadata"]["route"] == "gateway"
        text = json.dumps(f)
        for code in ("compute", "secret_value", "import os", "other"):
            assert code not in text
    feedback_requests = [r for r in fake.requests if r.path.endswith("/feedback")]
    assert all(r.headers["x-portkey-api-key"] == GATEWAY_KEY for r in feedback_requests)
    assert all(r.status == 200 for r in feedback_requests)
    assert counts == {"sent": len(sent), "failed": 0}


async def test_no_feedback_unless_asked_for(fake, tmp_path):
    env = Env(tmp_path)
    fake.set_default(Reply(text="compute(1, 2)"))
    async with running(fake, env, gateway_settings(fake)) as s:
        s.open(URI, "x = \n")
        item = await inline(s, 0, 4)
        assert item is not None
        await accept(s, item, (0, 4))
        await s.status()
    assert fake.feedback() == []


async def test_a_failing_feedback_endpoint_leaves_completions_alone_with_one_message(
    fake, tmp_path
):
    env = Env(tmp_path)
    fake.set_default(Reply(text="compute(1, 2)"))
    fake.enqueue(*[Reply(status=500) for _ in range(3)], path="/feedback")
    async with running(fake, env, gateway_settings(fake, feedback=True)) as s:
        s.open(URI, "x = \ny = \nz = \n")
        for line in range(3):
            item = await inline(s, line, 4)
            assert item is not None and item.insert_text == "compute(1, 2)"
            await accept(s, item, (line, 4))
        await poll(lambda: len(fake.feedback()) >= 3)
        status = await s.status()
        assert status["acceptance"]["accepted"] == 3
        assert status["state"] == "ready"
    told = [m.message for m in s.client.messages if "feedback" in m.message.lower()]
    assert len(told) == 1 and "unaffected" in told[0]
    assert GATEWAY_KEY not in told[0]


async def test_the_inspector_shows_what_was_sent_answered_changed_and_shown(fake, tmp_path):
    env = Env(tmp_path)
    # The answer ends in spaces: a post-processing rule (trailing_space) trims them.
    fake.set_default(Reply(text="total_of_numbers(1, 2)   "))
    helper_uri = "file:///work/project/src/helper.py"
    settings = server_settings(
        fake,
        context={"crossFile": True},
        inspector={"log": True},
        completion={"multiline": "never"},
    )
    document = (
        f'TOKEN = "{FAKE_KEY}"\nAWS = "AKIAIOSFODNN7EXAMPLE"\n'
        "def run(a, b):\n    return total_of_numbers(a, b)\n\nresult = \n"
    )
    async with running(fake, env, settings) as s:
        s.open(helper_uri, "def total_of_numbers(a, b):\n    return a + b\n\n\ndef run_twice():\n")
        s.open(URI, document)
        item = await inline(s, 5, 9)
        assert item is not None
        answer = await s.command("codestral.inspect", {"limit": 5})
    record = answer["requests"][0]
    assert record["id"] == item_id(item) and record["shown"] == item.insert_text
    assert record["file"] == "src/app.py" and record["source"] == "upstream"
    sent = next(r.json for r in fake.requests if r.path.endswith("/fim/completions"))
    assert record["suffix"] == sent["suffix"] and record["suffixChars"] == len(sent["suffix"])
    assert sent["prompt"].endswith(record["prefix"]) and record["prefixChars"] > 0
    assert record["redactions"] >= 1 and "AKIAIOSFODNN7EXAMPLE" not in record["prefix"]
    assert [snip["path"] for snip in record["sent"]["snippets"]] == ["src/helper.py"]
    assert "total_of_numbers" in record["sent"]["snippets"][0]["text"]
    assert record["raw"] == "total_of_numbers(1, 2)   "
    assert record["rules"] and record["shown"] != record["raw"]
    assert record["route"] == "direct" and record["traceId"].startswith("codestral-ls-")
    assert record["tokens"]["prompt"] > 0 and record["tokens"]["estimated"] is False
    timings = record["timings"]
    assert timings["totalMs"] >= timings["upstreamMs"] >= timings["firstByteMs"] > 0
    assert timings["debounceMs"] is not None
    # never a key, even one typed into the document (redaction would have hidden it anyway)
    assert FAKE_KEY not in json.dumps(answer)
    log_path = Path(answer["log"])
    assert log_path == env.cache / "codestral-ls" / "inspector.jsonl"
    logged = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert logged[-1]["id"] == record["id"] and FAKE_KEY not in log_path.read_text()
    import subprocess

    cli = subprocess.run(
        [sys.executable, "-m", "codestral_ls", "inspect", "--last", "1"],
        env={**env.server_env()},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert cli.returncode == 0, cli.stderr
    assert "src/app.py" in cli.stdout and "total_of_numbers(1, 2)   " in cli.stdout
    assert ", ".join(record["rules"]) in cli.stdout


async def test_inspect_refuses_a_bad_limit(fake, tmp_path):
    from pygls.exceptions import JsonRpcInvalidParams

    env = Env(tmp_path)
    async with running(fake, env) as s:
        for bad in (0, 51, "5"):
            try:
                await s.command("codestral.inspect", {"limit": bad})
            except JsonRpcInvalidParams as exc:
                assert "limit" in str(exc)
            else:
                raise AssertionError(f"limit {bad!r} was accepted")
        assert (await s.command("codestral.inspect"))["requests"] == []


async def test_chat_answers_count_against_the_budget_too(fake, tmp_path):
    env = Env(tmp_path)
    fake.enqueue(Reply(text="It adds two numbers."), path="/chat/completions")
    async with running(fake, env) as s:
        answer = await s.command("codestral.chat", {"question": "what is 1 + 1?", "show": False})
        assert "adds" in answer["markdown"]
        report = (await s.status())["budget"]
    chat = next(r for r in fake.requests if r.path.endswith("/chat/completions"))
    # the fake reports usage like the API: the messages' JSON / 4, one token per word
    expected = len(json.dumps(chat.json["messages"])) // 4 + 4
    assert (report["day"]["used"], report["estimatedTokens"]) == (expected, 0)
