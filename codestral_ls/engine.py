"""The completion pipeline: cache, typed-through reuse, in-flight sharing, debounce, backoff.

One request flows: cache hit -> the rest of a suggestion the user is typing through -> join an
upstream call already in flight for the same (or a typed-through) prompt -> debounce (a newer
request for the same document cancels this one) -> backoff gate -> one upstream call, streamed
and closed as soon as the answer is complete -> post-processing -> cache.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from codestral_ls.cache import HEAD, TAIL, Shown, SuggestionCache, cache_key, typed_through
from codestral_ls.postprocess import postprocess, single_line_complete
from codestral_ls.settings import Settings
from codestral_ls.upstream import FimRequest, Upstream, UpstreamError

log = logging.getLogger(__name__)

RECENT_PER_DOCUMENT = 8
_HAS_TIMEOUT = hasattr(asyncio, "timeout")
# "working" is announced only for a call still running after this long: for a fast answer the
# two codestral/status notifications cost more than the call (bench_overhead) and only flicker.
WORKING_AFTER_SECONDS = 0.15
# How long an upstream call whose last request the client cancelled stays joinable.
LINGER_SECONDS = 0.05


@dataclass(frozen=True)
class Job:
    """Everything one completion needs; built by the handler from the document and cursor."""

    doc_key: str
    language_id: str
    prompt: str
    suffix: str
    multiline: bool
    # The text the model sees may carry cross-file context before the prompt proper.
    model_prompt: str = ""


@dataclass
class Stats:
    requests: int = 0
    upstream_calls: int = 0
    cache_hits: int = 0
    typed_through: int = 0
    shared: int = 0
    debounced: int = 0
    accepted: int = 0
    errors: int = 0
    blocked: int = 0
    empty: int = 0
    redactions: int = 0
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=500))

    def percentiles(self) -> dict[str, float | None]:
        data = sorted(self.latencies_ms)
        if not data:
            return {"p50": None, "p90": None, "p99": None}

        def pick(q: float) -> float:
            return round(data[min(len(data) - 1, int(q * len(data)))], 1)

        return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99)}


@dataclass
class _Call:
    task: asyncio.Task[str | None]
    doc_key: str
    prompt_tail: str
    suffix_head: str
    waiters: int = 0
    abandoned: bool = False  # cancelled because nobody waited: must not be joined again
    partial: str = ""  # the answer streamed so far


class Backoff:
    """No upstream calls until a failure's wait has passed (Retry-After, else exponential)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.until = 0.0
        self.failures = 0

    def blocked(self) -> bool:
        return self._clock() < self.until

    def remaining(self) -> float:
        return max(0.0, self.until - self._clock())

    def failed(self, error: UpstreamError) -> None:
        self.failures += 1
        if error.retry_after is not None:
            wait = error.retry_after
        else:
            base, cap = {"rate_limit": (1.0, 30.0), "auth": (2.0, 30.0)}.get(error.kind, (0.5, 8.0))
            wait = min(cap, base * 2 ** (self.failures - 1))
        self.until = self._clock() + wait

    def succeeded(self) -> None:
        self.failures = 0
        self.until = 0.0


class TypingPace:
    """Adaptive debounce: just longer than the user's usual gap between keystrokes, so a burst
    of typing sends nothing and a pause is noticed at once; never above debounceMs."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._gap: dict[str, float] = {}

    def note(self, doc_key: str, now: float) -> None:
        last = self._last.get(doc_key)
        self._last[doc_key] = now
        if last is not None and 0 < now - last < 1.0:
            old = self._gap.get(doc_key)
            gap = now - last
            self._gap[doc_key] = gap if old is None else 0.7 * old + 0.3 * gap

    def delay(self, doc_key: str, limit: float, upstream_p50: float | None) -> float:
        gap = self._gap.get(doc_key)
        if gap is None or limit <= 0:
            return limit
        # A slow upstream makes every wasted call dearer: lean towards the full wait.
        lean = 0.0 if upstream_p50 is None else min(1.0, upstream_p50 / 1.0)
        adaptive = max(0.25 * limit, 1.3 * gap)
        return min(limit, adaptive + lean * (limit - adaptive))

    def forget(self, doc_key: str) -> None:
        self._last.pop(doc_key, None)
        self._gap.pop(doc_key, None)


class Engine:
    def __init__(
        self,
        upstream: Upstream,
        on_error: Callable[[UpstreamError], None],
        on_success: Callable[[], None],
        on_state: Callable[[str], None] = lambda state: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self.settings = Settings()
        self.stats = Stats()
        self.cache = SuggestionCache(self.settings.cache.size, self.settings.cache.ttl_seconds)
        self.backoff = Backoff(clock)
        self.pace = TypingPace()
        self._clock = clock
        self._on_error = on_error
        self._on_success = on_success
        self._on_state = on_state
        self._calls: dict[str, _Call] = {}
        self._recent: dict[str, deque[Shown]] = defaultdict(
            lambda: deque(maxlen=RECENT_PER_DOCUMENT)
        )
        # The pending request of each document: resolved when a newer one takes over.
        self._waiting: dict[str, asyncio.Future[None]] = {}

    def configure(self, settings: Settings) -> None:
        changed_cache = settings.cache != self.settings.cache
        self.settings = settings
        self.upstream.configure(settings)
        self.backoff.succeeded()
        if changed_cache:
            self.cache.resize(settings.cache.size, settings.cache.ttl_seconds)

    def clear(self) -> None:
        self.cache.clear()
        self._recent.clear()

    def cancel_calls(self) -> list[asyncio.Task[str | None]]:
        """Shutting down: stop every upstream call in flight, so their requests end cancelled
        rather than failing (and telling the user) when the HTTP client closes under them."""
        tasks = [call.task for call in self._calls.values() if not call.task.done()]
        for task in tasks:
            task.cancel()
        return tasks

    def forget_document(self, doc_key: str) -> None:
        self._recent.pop(doc_key, None)
        self.pace.forget(doc_key)

    def key_for(self, job: Job) -> str:
        s = self.settings
        route = self.upstream.resolved
        return cache_key(
            route.route,
            route.base_url,
            s.gateway.fim_route,
            s.model,
            s.completion.max_tokens,
            s.completion.temperature,
            job.multiline,
            job.model_prompt or job.prompt,
            job.suffix,
        )

    # --- the pipeline ---------------------------------------------------------------------

    async def complete(
        self, job: Job, *, debounce: bool = True, upstream: bool = True
    ) -> str | None:
        """The text to show, or None (also when a newer request for the document took over).
        With ``upstream`` False only what is already known is answered (cache, typed-through)."""
        self.stats.requests += 1
        self.pace.note(job.doc_key, self._clock())
        timeout = self.settings.completion.timeout_ms / 1000
        try:
            if _HAS_TIMEOUT:  # 3.11+: no extra task per request, as wait_for makes
                async with asyncio.timeout(timeout):
                    return await self._complete(job, debounce, upstream)
            return await asyncio.wait_for(self._complete(job, debounce, upstream), timeout)
        except asyncio.TimeoutError:
            log.info("completion gave up after %d ms", self.settings.completion.timeout_ms)
            error = UpstreamError("timeout", "no answer within codestral.completion.timeoutMs")
            # A hung upstream is a failure like any other: back off, or every keystroke would
            # open another connection that hangs until timeoutMs.
            self.stats.errors += 1
            self.backoff.failed(error)
            self._on_error(error)
            return None

    async def _complete(self, job: Job, debounce: bool, upstream: bool) -> str | None:
        key = self.key_for(job)
        cached = self.cache.get(key)
        if cached is not None:
            self.stats.cache_hits += 1
            self._supersede(job.doc_key)
            return cached
        reuse = (
            typed_through(list(self._recent[job.doc_key]), job.prompt, job.suffix)
            if self._reuse
            else None
        )
        if reuse is not None:
            self.stats.typed_through += 1
            self._supersede(job.doc_key)
            return self._fit(reuse, job)
        if not upstream:
            return None

        if self.backoff.blocked():
            # Backing off after a failure: wait on nothing upstream, not even a call still in
            # flight (after a timeout, that is the hung call itself: joining it would make every
            # keystroke wait timeoutMs again and double the backoff each time).
            self.stats.blocked += 1
            self._supersede(job.doc_key)
            return None

        # Join a call already in flight: the same prompt, or one the user typed on from.
        call, typed = self._reusable_call(key, job)
        if call is not None:
            self.stats.shared += 1
            call.waiters += 1  # hold it before the older request lets go
            self._supersede(job.doc_key)
            mine = self._register(job.doc_key)
            text = await self._wait(call, mine, held=True)
            if not typed:
                return text
            if text and len(typed) < len(text) and text.startswith(typed):
                self.stats.typed_through += 1
                return self._fit(text[len(typed) :], job)
            if mine.done():
                return None
            # That answer does not go on with what was typed: ask for this prompt itself.
            debounce = False  # the wait for the joined call was debounce enough
        else:
            self._supersede(job.doc_key)
            mine = self._register(job.doc_key)
        if debounce:
            p50 = self.stats.percentiles()["p50"]
            delay = self.pace.delay(
                job.doc_key,
                self.settings.completion.debounce_ms / 1000,
                None if p50 is None else p50 / 1000,
            )
            if delay > 0:
                await asyncio.wait((mine,), timeout=delay)
        if mine.done():  # superseded during the debounce: never reaches upstream
            return None
        if self.backoff.blocked():
            self.stats.blocked += 1
            return None
        call = self._calls.get(key)  # an identical request may have started while we waited
        if call is None or call.abandoned:
            call = self._start(key, job)
        else:
            self.stats.shared += 1
        return await self._wait(call, mine)

    def _register(self, doc_key: str) -> asyncio.Future[None]:
        superseded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[doc_key] = superseded
        return superseded

    def _supersede(self, doc_key: str) -> None:
        """A newer request for this document: the older one gives way."""
        older = self._waiting.pop(doc_key, None)
        if older is not None and not older.done():
            self.stats.debounced += 1
            older.set_result(None)

    def _reusable_call(self, key: str, job: Job) -> tuple[_Call | None, str]:
        exact = self._calls.get(key)
        if exact is not None and not exact.abandoned:
            return exact, ""
        if not self._reuse:
            return None, ""
        for call in self._calls.values():
            if (
                call.abandoned
                or call.doc_key != job.doc_key
                or call.suffix_head != job.suffix[:HEAD]
            ):
                continue
            at = job.prompt.rfind(call.prompt_tail, max(0, len(job.prompt) - TAIL - 512))
            typed = job.prompt[at + len(call.prompt_tail) :] if at >= 0 else ""
            if typed and "\n" not in typed[:-1] and _may_continue(call.partial, typed):
                return call, typed
        return None, ""

    @property
    def _reuse(self) -> bool:
        """Reusing an answer given for another prompt (typed-through, joining a call typed on
        from) is caching too: ``cache.size: 0`` turns it off with the cache."""
        c = self.settings.cache
        return c.size > 0 and c.ttl_seconds > 0

    def _fit(self, text: str, job: Job) -> str:
        """A reused suggestion shown in single-line mode: its leading breaks and first line."""
        if job.multiline:
            return text
        body = text.lstrip("\n")
        return text[: len(text) - len(body)] + body.split("\n", 1)[0]

    def _start(self, key: str, job: Job) -> _Call:
        task = asyncio.ensure_future(self._call_upstream(key, job))
        call = _Call(task, job.doc_key, job.prompt[-TAIL:], job.suffix[:HEAD])
        self._calls[key] = call
        task.add_done_callback(lambda _t: self._calls.pop(key, None))
        return call

    async def _wait(
        self, call: _Call, superseded: asyncio.Future[None], held: bool = False
    ) -> str | None:
        """Wait for a shared call; give up (and cancel it if nobody else waits) when superseded."""
        if not held:
            call.waiters += 1
        cancelled = False
        try:
            await asyncio.wait((call.task, superseded), return_when=asyncio.FIRST_COMPLETED)
            done = (call.task,) if call.task.done() else ()
            if call.task in done and not call.task.cancelled():
                return call.task.result()
            return None
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            call.waiters -= 1
            if call.waiters == 0 and not call.task.done():
                if cancelled:
                    # The client cancelled: editors cancel the old request on every keystroke,
                    # just *before* sending the new one. Keep the call a moment so a request
                    # typed on from it can still join (_reusable_call) instead of paying again.
                    loop = asyncio.get_running_loop()
                    loop.call_later(LINGER_SECONDS, self._drop_unwanted, call)
                else:
                    self._drop_unwanted(call)

    @staticmethod
    def _drop_unwanted(call: _Call) -> None:
        """Nobody wants this answer any more: stop paying for it."""
        if call.waiters == 0 and not call.task.done():
            call.abandoned = True
            call.task.cancel()

    async def _call_upstream(self, key: str, job: Job) -> str | None:
        s = self.settings
        request = FimRequest(
            prompt=job.model_prompt or job.prompt,
            suffix=job.suffix,
            model=s.model,
            max_tokens=s.completion.max_tokens,
            temperature=s.completion.temperature,
            stop=("\n\n\n",) if job.multiline else (),
        )
        self.stats.upstream_calls += 1
        working = asyncio.get_running_loop().call_later(
            WORKING_AFTER_SECONDS, self._on_state, "working"
        )
        started = self._clock()
        raw = ""
        me = self._calls.get(key)
        try:
            stream = self.upstream.fim(request, stream=s.completion.stream)
            try:
                async for delta in stream:
                    raw += delta.text
                    raw, stop_hit = _enforce_stop(raw, request.stop)
                    if me is not None:
                        me.partial = raw
                    if stop_hit:
                        break
                    # Close the stream the moment a single-line answer is complete (cheaper and
                    # sooner), unless what is complete so far would show nothing (the model
                    # re-typing the line before the cursor, say): then read on.
                    if not job.multiline and single_line_complete(raw) and self._shown(raw, job):
                        break
            finally:
                working.cancel()
                await stream.aclose()
        except UpstreamError as exc:
            self.stats.errors += 1
            self.backoff.failed(exc)
            self._on_error(exc)
            return None
        except asyncio.CancelledError:
            self._on_state("idle")  # abandoned: neither a success nor a failure
            raise
        self.stats.latencies_ms.append((self._clock() - started) * 1000)
        self.backoff.succeeded()
        self._on_success()
        text = self._shown(raw, job)
        if not text:
            self.stats.empty += 1
        self.cache.put(key, text)
        if text:
            self._recent[job.doc_key].append(Shown(job.prompt[-TAIL:], job.suffix[:HEAD], text))
        return text or None

    @staticmethod
    def _shown(raw: str, job: Job) -> str:
        return postprocess(
            raw,
            prefix=job.prompt,
            suffix=job.suffix,
            multiline=job.multiline,
            language_id=job.language_id,
        )


def _may_continue(partial: str, typed: str) -> bool:
    """Could an answer that starts with ``partial`` still go on with ``typed``? (Leading
    space is left to post-processing, so it is ignored here.)"""
    p, t = partial.lstrip(), typed.lstrip()
    return not p or not t or p.startswith(t) or t.startswith(p)


def _enforce_stop(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    """Cut at the first stop string: the gateway's chat route drops ``stop``, so we enforce it."""
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)
