"""The completion pipeline, as orchestration of its stages.

One request flows: cache hit -> the rest of a suggestion the user is typing through -> join an
upstream call already in flight for the same (or a typed-through) prompt (``inflight.py``) ->
debounce (``debounce.py``; a newer request for the same document supersedes this one,
``supersede.py``) -> backoff gate (``backoff.py``) -> one upstream call, streamed and closed as
soon as the answer is complete -> post-processing -> cache.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache

from codestral_ls.backoff import Backoff
from codestral_ls.cache import (
    HEAD,
    TAIL,
    Shown,
    SuggestionCache,
    cache_key,
    typed_through_shown,
    typed_to_end,
)
from codestral_ls.context import Job
from codestral_ls.debounce import TypingPace
from codestral_ls.early import early_text
from codestral_ls.inflight import Answer, Call, InFlight
from codestral_ls.messages import StateEvent
from codestral_ls.multiline import decide_multiline
from codestral_ls.postprocess import answer_settled, apply_rules
from codestral_ls.prefetch import Prefetcher, continuation
from codestral_ls.settings import Settings
from codestral_ls.stats import Stats
from codestral_ls.supersede import Supersession
from codestral_ls.telemetry.inspector import CallRecord, Trail
from codestral_ls.upstream import FimRequest, Upstream, UpstreamError, new_trace_id

log = logging.getLogger(__name__)

RECENT_PER_DOCUMENT = 8
# "working" is announced only for a call still running after this long: for a fast answer the
# two codestral/status notifications cost more than the call (bench_overhead) and only flicker.
WORKING_AFTER_SECONDS = 0.15
# Which call produced a cached answer (inspector, feedback trace ids); as many as the cache.
ORIGINS = 1024
CHARS_PER_TOKEN = 4  # the estimate when an answer reports no usage


class Engine:
    def __init__(
        self,
        upstream: Upstream,
        on_error: Callable[[UpstreamError], None],
        on_success: Callable[[], None],
        on_state: Callable[[StateEvent], None] = lambda state: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self.settings = Settings()
        self.stats = Stats()
        self.cache = SuggestionCache(self.settings.cache.size, self.settings.cache.ttl_seconds)
        self.backoff = Backoff(clock)
        self.pace = TypingPace()
        self.inflight = InFlight()
        self.supersession = Supersession()
        self.prefetch = Prefetcher()
        self._clock = clock
        self._on_error = on_error
        self._on_success = on_success
        self._on_state = on_state
        self._recent: dict[str, deque[Shown]] = defaultdict(
            lambda: deque(maxlen=RECENT_PER_DOCUMENT)
        )
        self._origins: LRUCache[str, CallRecord] = LRUCache(maxsize=ORIGINS)
        # Told the tokens of every upstream call (the spend governor's ledger).
        self.on_usage: Callable[[CallRecord], None] = lambda record: None

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

    def cancel_calls(self) -> list[asyncio.Task[Any]]:
        return [*self.prefetch.cancel_all(), *self.inflight.cancel_all()]

    def forget_document(self, doc_key: str) -> None:
        self.prefetch.forget(doc_key)
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
        self,
        job: Job,
        *,
        debounce: bool = True,
        upstream: bool = True,
        prefetch: bool = False,
        early: bool = False,
        trail: Trail | None = None,
    ) -> Answer:
        """The text to show, or None (also when a newer request for the document took over).
        With ``upstream`` False only what is already known is answered (cache, typed-through).
        ``prefetch``: the answer will be shown, so its continuation may be fetched meanwhile.
        ``early``: the client can be told when a suggestion grew, so the complete lines of an
        answer still streaming will do (early.py); ``trail.growing`` then says when to tell it.
        ``trail`` is filled with what happened, for the inspector."""
        trail = trail or _scratch_trail(job, self._clock())
        self.stats.requests += 1
        self.pace.note(job.doc_key, self._clock(), job.prompt)
        self.prefetch.check(job)
        timeout = self.settings.completion.timeout_ms / 1000
        try:
            if sys.version_info >= (3, 11):  # no extra task per request, as wait_for makes
                async with asyncio.timeout(timeout):
                    text = await self._complete(job, debounce, upstream, early, trail)
            else:
                text = await asyncio.wait_for(
                    self._complete(job, debounce, upstream, early, trail), timeout
                )
            if text and upstream and prefetch:
                if trail.growing is None:
                    self._prefetch(job, text)
                else:  # what follows an early text is the rest of its answer, still coming
                    trail.growing.add_done_callback(
                        lambda grown: self._prefetch_grown(job, trail, grown)
                    )
            return text
        except asyncio.TimeoutError:
            log.info("completion gave up after %d ms", self.settings.completion.timeout_ms)
            trail.source = "timeout"
            error = UpstreamError("timeout", "no answer within codestral.completion.timeoutMs")
            # A hung upstream is a failure like any other: back off, or every keystroke would
            # open another connection that hangs until timeoutMs.
            self._failed(error)
            return None

    async def _complete(
        self, job: Job, debounce: bool, upstream: bool, early: bool, trail: Trail
    ) -> Answer:
        key = self.key_for(job)
        known = self._known(key, job, trail)
        if known is not None:
            self._supersede(job.doc_key)
            return known or None
        if not upstream:
            trail.source = "not_asked"
            return None
        if self.backoff.blocked():
            # Backing off after a failure: wait on nothing upstream, not even a call still in
            # flight (after a timeout, that is the hung call itself: joining it would make every
            # keystroke wait timeoutMs again and double the backoff each time).
            self.stats.blocked += 1
            trail.source = "backoff"
            self._supersede(job.doc_key)
            return None

        call, typed = self._joinable(key, job)
        if call is not None:
            self.stats.shared += 1
            call.waiters += 1  # hold it before the older request lets go
            self._supersede(job.doc_key)
            mine = self.supersession.register(job.doc_key)
            trail.source = "joined"
            text = await self.inflight.wait(call, mine, held=True, early=early)
            trail.call = call.record
            if typed and _is_early(call, text) and not (text and _goes_on(text, typed)):
                # The early text ends before what was typed (the user accepted it): the lines
                # streamed since, or the rest of the answer, may go on with it.
                timeout = self.settings.completion.timeout_ms / 1000
                text = await self.inflight.lines_until(
                    call, mine, lambda t: _goes_on(t, typed), timeout
                )
            self._follow_if_early(call, mine, text, trail, lambda t: self._typed_on(t, typed, job))
            if not typed:
                return text
            if text and _goes_on(text, typed):
                self.stats.typed_through += 1
                return self._typed_on(text, typed, job)
            if mine.done():
                return None
            # That answer does not go on with what was typed: ask for this prompt itself.
            debounce = False  # the wait for the joined call was debounce enough
        else:
            self._supersede(job.doc_key)
            mine = self.supersession.register(job.doc_key)
        if debounce:
            waited = self._clock()
            await self._debounce(job, mine)
            trail.debounce_ms = (self._clock() - waited) * 1000
        if mine.done():  # superseded during the debounce: never reaches upstream
            trail.source = "superseded"
            return None
        if self.backoff.blocked():
            self.stats.blocked += 1
            trail.source = "backoff"
            return None
        call = self.inflight.exact(key)  # an identical request may have started meanwhile
        if call is None:
            trail.source = "upstream"
            call = self.inflight.start(key, job, lambda me: self._call_upstream(key, job, me))
        else:
            trail.source = "joined"
            self.stats.shared += 1
        answer = await self.inflight.wait(call, mine, early=early)
        trail.call = call.record
        self._follow_if_early(call, mine, answer, trail, lambda t: t)
        return answer

    def _typed_on(self, text: str, typed: str, job: Job) -> str | None:
        """What of a call's suggestion ``text`` is shown after the user ``typed`` its start."""
        return self._fit(text[len(typed) :], job) if _goes_on(text, typed) else None

    def _follow_if_early(
        self,
        call: Call,
        mine: asyncio.Future[None],
        answer: Answer,
        trail: Trail,
        shown_of: Callable[[str], str | None],
    ) -> None:
        """``answer`` is the call's early text when the call is still running: hold the call
        until its whole answer is in; ``trail.growing`` then gives what this request would show
        of it (``shown_of``) if that differs, else None."""
        if answer is None or not _is_early(call, answer):
            return
        self.stats.early += 1
        trail.growing = asyncio.ensure_future(self._grew(call, mine, answer, shown_of, trail))

    async def _grew(
        self,
        call: Call,
        mine: asyncio.Future[None],
        early: str,
        shown_of: Callable[[str], str | None],
        trail: Trail,
    ) -> str | None:
        timeout = self.settings.completion.timeout_ms / 1000
        whole = await self.inflight.follow(call, mine, timeout)
        if not whole:
            return None
        trail.whole = shown_of(whole)
        return None if whole == early else trail.whole

    def _prefetch_grown(self, job: Job, trail: Trail, grown: asyncio.Future[str | None]) -> None:
        """An early text's whole suggestion is known: fetch what follows it now, not only when
        the client has asked again for it (the user may accept it at once). Also when the
        rest of the answer added nothing to it (``field(default_factory`` + ``=list)``)."""
        if not grown.cancelled() and grown.exception() is None and trail.whole:
            self._prefetch(job, trail.whole)

    def _prefetch(self, job: Job, shown: str) -> None:
        """``shown`` goes on screen: fetch what follows it while the user reads it
        (``prefetch.py``), unless that is known already or cannot be reused."""
        c = self.settings.completion
        if not c.prefetch or not self._reuse or self.backoff.blocked():
            return
        cont = continuation(
            job, shown, lambda p, s: decide_multiline(p, s, job.language_id, c.multiline)
        )
        key = self.key_for(cont)
        if self.cache.get(key) is not None or self._reusable(cont) is not None:
            return
        self.prefetch.start(job, shown, cont, self._fetch_continuation)

    async def _fetch_continuation(self, cont: Job, stop: asyncio.Future[None]) -> None:
        key = self.key_for(cont)
        call = self.inflight.exact(key)
        if call is None:
            self.stats.prefetches += 1
            call = self.inflight.start(
                key, cont, lambda me: self._call_upstream(key, cont, me, prefetch=True)
            )
            call.prefetch = True
        # Bounded like any request: a hung upstream must not hold a prefetch for ever.
        give_up = asyncio.get_running_loop().call_later(
            self.settings.completion.timeout_ms / 1000, _resolve, stop
        )
        try:
            await self.inflight.wait(call, stop)
        finally:
            give_up.cancel()

    def _reusable(self, job: Job) -> tuple[str, Shown] | None:
        return typed_through_shown(list(self._recent[job.doc_key]), job.prompt, job.suffix)

    def _known(self, key: str, job: Job, trail: Trail) -> str | None:
        """What is answered without any call: the cache, or the rest of a suggestion the user
        is typing through. "" is a cached empty answer; None: not known."""
        cached = self.cache.get(key)
        if cached is not None:
            self.stats.cache_hits += 1
            trail.source, trail.call = "cache", self._origins.get(key)
            return cached
        if not self._reuse:
            return None
        found = self._reusable(job)
        if found is None:
            return None
        self.stats.typed_through += 1
        reuse, shown = found
        origin = shown.origin
        trail.source = "typed_through"
        trail.call = origin if isinstance(origin, CallRecord) else None
        return self._fit(reuse, job)

    def _joinable(self, key: str, job: Job) -> tuple[Call | None, str]:
        """A call in flight to join: the same prompt, or one the user typed on from."""
        exact = self.inflight.exact(key)
        if exact is not None:
            return exact, ""
        if not self._reuse:
            return None, ""
        return self.inflight.typed_on_from(job)

    async def _debounce(self, job: Job, superseded: asyncio.Future[None]) -> None:
        recent = list(self._recent[job.doc_key])
        delay = self.pace.delay(
            job.doc_key,
            self.settings.completion.debounce_ms / 1000,
            job.prompt,
            job.suffix,
            suggestion_typed=typed_to_end(recent, job.prompt, job.suffix),
        )
        if delay > 0:
            await asyncio.wait((superseded,), timeout=delay)

    def _supersede(self, doc_key: str) -> None:
        if self.supersession.supersede(doc_key):
            self.stats.debounced += 1

    @property
    def _reuse(self) -> bool:
        """Reusing an answer given for another prompt (typed-through, joining a call typed on
        from) is caching too: ``cache.size: 0`` turns it off with the cache."""
        c = self.settings.cache
        return c.size > 0 and c.ttl_seconds > 0

    def _fit(self, text: str, job: Job) -> str:
        """A reused suggestion shown in single-line mode: its leading breaks and first line;
        whole when it starts a line (the rest of a multi-line answer after a line-accept)."""
        if job.multiline or text.startswith(("\n", "\r")):
            return text
        body = text.lstrip("\n")
        return text[: len(text) - len(body)] + body.split("\n", 1)[0]

    def _failed(self, error: UpstreamError) -> None:
        self.stats.errors += 1
        self.backoff.failed(error)
        self._on_error(error)

    async def _call_upstream(self, key: str, job: Job, me: Call, prefetch: bool = False) -> Answer:
        s = self.settings
        record = CallRecord(
            trace_id=new_trace_id(),
            route=self.upstream.resolved.route,
            model=s.model,
            model_prompt=job.model_prompt,
            multiline=job.multiline,
            max_tokens=s.completion.max_tokens,
        )
        me.record = record
        request = FimRequest(
            prompt=job.model_prompt or job.prompt,
            suffix=job.suffix,
            model=s.model,
            max_tokens=s.completion.max_tokens,
            temperature=s.completion.temperature,
            stop=("\n\n\n",) if job.multiline else (),
            trace_id=record.trace_id,
        )
        self.stats.upstream_calls += 1
        # A prefetch runs while the user reads: no "working" for it.
        working = (
            asyncio.get_running_loop().call_later(WORKING_AFTER_SECONDS, self._on_state, "working")
            if not prefetch
            else None
        )
        started = self._clock()
        raw = ""
        usage: dict[str, int] | None = None
        truncated = False  # the upstream stopped at max_tokens: the last line is unfinished
        try:
            stream = self.upstream.fim(request, stream=s.completion.stream)
            try:
                async for delta in stream:
                    if record.first_byte_ms is None:
                        record.first_byte_ms = (self._clock() - started) * 1000
                    usage = delta.usage or usage
                    raw += delta.text
                    raw, stop_hit = _enforce_stop(raw, request.stop)
                    truncated = delta.finish_reason == "length" and not stop_hit
                    me.partial = raw
                    if stop_hit:
                        break
                    # Close the stream the moment a single-line answer is settled (cheaper and
                    # sooner): its first line is complete and nothing after it can change what
                    # is shown (answer_settled), and it shows something (not the model
                    # re-typing the line before the cursor, say): else read on. The same text
                    # is shown whether the answer comes in one chunk or many.
                    if self._settled(raw, job) and self._shown(raw, job):
                        break
                    if me.early is not None and "\n" in delta.text:
                        self._offer_early(me, raw, job)
            finally:
                if working is not None:
                    working.cancel()
                await stream.aclose()
        except UpstreamError as exc:
            record.error = str(exc)
            record.total_ms = (self._clock() - started) * 1000
            self._failed(exc)
            return None
        except asyncio.CancelledError:
            record.raw, record.error = raw, "abandoned"
            record.total_ms = (self._clock() - started) * 1000
            if record.first_byte_ms is not None:  # the upstream generated something: it costs
                self._account(record, None, request, raw)
            self._on_state("idle")  # abandoned: neither a success nor a failure
            raise
        record.total_ms = (self._clock() - started) * 1000
        self.stats.add_latency(record.total_ms)
        self._account(record, usage, request, raw)
        self.backoff.succeeded()
        self._on_success()
        text, rules = self._rules(raw, job, truncated)
        record.raw, record.rules, record.text = raw, rules, text
        if not text:
            self.stats.empty += 1
        self.cache.put(key, text)
        self._origins[key] = record
        if text:
            shown = Shown(job.prompt[-TAIL:], job.suffix[:HEAD], text, prefetch, record)
            self._recent[job.doc_key].append(shown)
        return text or None

    def _account(
        self, record: CallRecord, usage: dict[str, int] | None, request: FimRequest, raw: str
    ) -> None:
        """The call's tokens: as the answer reported them, else estimated at
        CHARS_PER_TOKEN characters a token (a stream closed early never gets its usage)."""
        if usage and "prompt_tokens" in usage and "completion_tokens" in usage:
            record.prompt_tokens = usage["prompt_tokens"]
            record.completion_tokens = usage["completion_tokens"]
        else:
            sent = len(request.prompt) + len(request.suffix)
            record.prompt_tokens = -(-sent // CHARS_PER_TOKEN)
            record.completion_tokens = -(-len(raw) // CHARS_PER_TOKEN)
            record.estimated = True
        try:
            self.on_usage(record)
        except Exception:  # accounting must never cost a suggestion
            log.exception("token accounting failed")

    def _offer_early(self, me: Call, raw: str, job: Job) -> None:
        """A waiter can show the complete lines of ``raw`` now (early.py); one that accepted
        the lines shown before can show these (``InFlight.lines_until``)."""
        text = early_text(raw, lambda head: self._shown(head, job, truncated=True))
        if not text or me.early is None or text == me.latest:
            return
        me.latest = text
        if not me.early.done():
            me.early.set_result(None)
        if me.grew is not None and not me.grew.done():
            me.grew.set_result(None)

    @staticmethod
    def _settled(raw: str, job: Job) -> bool:
        return answer_settled(
            raw,
            prefix=job.prompt,
            suffix=job.suffix,
            multiline=job.multiline,
            language_id=job.language_id,
        )

    @staticmethod
    def _rules(raw: str, job: Job, truncated: bool = False) -> tuple[str, list[str]]:
        """What post-processing makes of ``raw`` for this job, and which rules changed it."""
        return apply_rules(
            raw,
            prefix=job.prompt,
            suffix=job.suffix,
            multiline=job.multiline,
            language_id=job.language_id,
            truncated=truncated,
        )

    @classmethod
    def _shown(cls, raw: str, job: Job, truncated: bool = False) -> str:
        return cls._rules(raw, job, truncated)[0]


def _is_early(call: Call, answer: Answer) -> bool:
    """Is ``answer`` the early text of a call still running (inflight.wait with ``early``)?"""
    return answer is not None and not call.task.done()


def _goes_on(text: str, typed: str) -> bool:
    """Does the suggestion ``text`` go on past what the user ``typed`` of it?"""
    return len(typed) < len(text) and text.startswith(typed)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _scratch_trail(job: Job, now: float) -> Trail:
    return Trail(job.doc_key, job.doc_key, job.language_id, 0, 0, False, now, 0.0)


def _enforce_stop(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    """Cut at the first stop string: the gateway's chat route drops ``stop``, so we enforce it."""
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)
