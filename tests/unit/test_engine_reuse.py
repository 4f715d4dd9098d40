"""Engine reuse found by tests/bench/bench_replay.py: what an editor's cancel-then-ask keystroke
pattern needs, and what ``cache.size: 0`` turns off."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from codestral_ls.cache import Shown, typed_to_end
from codestral_ls.context import Job
from codestral_ls.engine import Engine
from codestral_ls.inflight import LINGER_SECONDS
from codestral_ls.settings import parse_settings
from codestral_ls.upstream.mistral import Delta


class SlowUpstream:
    """Streams a fixed answer after a delay; counts calls and how they ended."""

    def __init__(self, answer: str, delay: float = 0.2) -> None:
        self.answer = answer
        self.delay = delay
        self.calls = 0
        self.cancelled = 0
        self.resolved = SimpleNamespace(route="direct", base_url="http://127.0.0.1:1/v1")

    def configure(self, settings) -> None:
        pass

    async def fim(self, request, *, stream: bool):
        self.calls += 1
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        yield Delta(self.answer)


def engine(upstream: SlowUpstream, **cache) -> Engine:
    e = Engine(upstream, on_error=lambda error: None, on_success=lambda: None)  # type: ignore[arg-type]
    e.configure(parse_settings({"completion": {"debounceMs": 0}, "cache": cache}))
    return e


def job(prompt: str) -> Job:
    return Job("file:///a.py", "python", prompt, "\n", multiline=False)


async def test_a_request_typed_on_joins_the_call_its_cancelled_predecessor_started():
    """Editors send $/cancelRequest for the old request just before the new one on every
    keystroke: the in-flight call must survive that moment so the new request can join it."""
    upstream = SlowUpstream("tal + 1\n")
    e = engine(upstream)
    first = asyncio.ensure_future(e.complete(job("x = to")))
    await asyncio.sleep(0.05)  # the call is in flight
    first.cancel()  # the client's $/cancelRequest
    await asyncio.sleep(0.01)  # the cancel is processed before the next request arrives
    assert first.cancelled()
    second = await e.complete(job("x = tot"))  # the user typed "t": the answer starts with it
    assert second == "al + 1"
    assert (upstream.calls, upstream.cancelled) == (1, 0)
    assert e.stats.shared == 1


async def test_a_cancelled_call_nobody_joins_is_closed_after_the_linger():
    upstream = SlowUpstream("tal + 1\n", delay=1.0)
    e = engine(upstream)
    first = asyncio.ensure_future(e.complete(job("x = to")))
    await asyncio.sleep(0.05)
    first.cancel()
    await asyncio.sleep(LINGER_SECONDS + 0.05)
    assert (upstream.calls, upstream.cancelled) == (1, 1)


async def test_cache_size_zero_turns_off_every_reuse_of_earlier_answers():
    upstream = SlowUpstream("tal + 1\n", delay=0.01)
    on = engine(upstream)
    assert await on.complete(job("x = to")) == "tal + 1"
    assert await on.complete(job("x = tot")) == "al + 1"  # typed-through, no call
    assert upstream.calls == 1

    upstream = SlowUpstream("tal + 1\n", delay=0.01)
    off = engine(upstream, size=0)
    assert await off.complete(job("x = to")) == "tal + 1"
    await off.complete(job("x = tot"))
    assert upstream.calls == 2 and off.stats.typed_through == 0

    # Nor does a request typed on join the call in flight: it waits for its own.
    upstream = SlowUpstream("tal + 1\n", delay=0.1)
    off = engine(upstream, size=0)
    first = asyncio.ensure_future(off.complete(job("x = to")))
    await asyncio.sleep(0.02)
    await off.complete(job("x = tot"))
    await first
    assert upstream.calls == 2 and off.stats.shared == 0


class AnswerByPrompt(SlowUpstream):
    """Answers according to the prompt's last word, after a delay."""

    def __init__(self, answers: dict[str, str], delay: float = 0.2) -> None:
        super().__init__("", delay)
        self.answers = answers

    async def fim(self, request, *, stream: bool):
        self.calls += 1
        await asyncio.sleep(self.delay)
        yield Delta(self.answers[request.prompt.split()[-1]])


async def test_a_joined_call_whose_answer_does_not_go_on_with_the_typing_is_not_the_end():
    """Typed on from an in-flight call, but its answer turns out not to start with what was
    typed: the request must ask for its own prompt rather than show nothing."""
    upstream = AnswerByPrompt({"slow": "ness = 1\n", "slower": " = 2\n"})
    e = engine(upstream)
    first = asyncio.ensure_future(e.complete(job("x = slow")))
    await asyncio.sleep(0.05)
    first.cancel()
    await asyncio.sleep(0.01)
    assert await e.complete(job("x = slower")) == " = 2"
    assert upstream.calls == 2


async def test_a_call_whose_stream_already_diverged_is_not_joined():
    upstream = AnswerByPrompt({"ab": "zzz\n", "abc": "d\n"}, delay=0.2)
    e = engine(upstream)
    first = asyncio.ensure_future(e.complete(job("x = ab")))
    await asyncio.sleep(0.05)
    call = next(iter(e.inflight._calls.values()))
    call.partial = "zz"  # streamed so far: cannot go on with the typed "c"
    first.cancel()
    await asyncio.sleep(0.01)
    assert e.inflight.typed_on_from(job("x = abc")) == (None, "")


def test_typed_to_end_of_a_suggestion() -> None:
    shown = Shown("x = ", "\n", "compute(1)")
    assert typed_to_end([shown], "x = compute(1)", "\n") is True
    assert typed_to_end([shown], "x = compute(", "\n") is False  # still typing it
    assert typed_to_end([shown], "x = compute(1) + 2", "\n") is False  # typed past it
    assert typed_to_end([shown], "x = compute(1)", "") is False  # the text after moved
