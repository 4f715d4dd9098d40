"""Upstream calls in flight, shared: a request joins a call already running for the same prompt
(or for a prompt the user has since typed on from) instead of paying for another, and a call
nobody waits for any more is stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from codestral_ls.cache import HEAD, TAIL
from codestral_ls.context import Job

# How long an upstream call whose last request the client cancelled stays joinable. VS Code
# cancels on the keystroke and asks again only after its own 50 ms wait: at 0.05 s the call
# was gone by then and its answer, typed on from, paid for but never used (bench --calls).
LINGER_SECONDS = 0.15

Answer = str | None


@dataclass
class Call:
    doc_key: str
    prompt_tail: str
    suffix_head: str
    task: asyncio.Task[Answer] = field(init=False)
    waiters: int = 0
    abandoned: bool = False  # cancelled because nobody waited: must not be joined again
    partial: str = ""  # the answer streamed so far
    prefetch: bool = False  # asked ahead (prefetch.py): joinable from its very place
    record: Any = None  # the call's inspector record (telemetry.inspector.CallRecord)
    # Resolved once its complete lines show something (early.py); made when a waiter wants them.
    early: asyncio.Future[None] | None = None
    latest: str = ""  # the newest of those early texts, as more lines come in
    grew: asyncio.Future[None] | None = None  # resolved when ``latest`` changes


class InFlight:
    def __init__(self) -> None:
        self._calls: dict[str, Call] = {}

    def start(self, key: str, job: Job, run: Callable[[Call], Coroutine[Any, Any, Answer]]) -> Call:
        call = Call(job.doc_key, job.prompt[-TAIL:], job.suffix[:HEAD])
        call.task = asyncio.ensure_future(run(call))
        self._calls[key] = call
        call.task.add_done_callback(lambda _t: self._calls.pop(key, None))
        return call

    def exact(self, key: str) -> Call | None:
        """The joinable call for exactly this prompt."""
        call = self._calls.get(key)
        return None if call is None or call.abandoned else call

    def typed_on_from(self, job: Job) -> tuple[Call | None, str]:
        """A call for an earlier prompt of this document that the user has since typed on
        from (on the same line), whose answer so far may still go on with what was typed;
        with that typed text ("" for a prefetch asked at this very place: its answer is this
        request's)."""
        for call in self._calls.values():
            if (
                call.abandoned
                or call.doc_key != job.doc_key
                or call.suffix_head != job.suffix[:HEAD]
            ):
                continue
            at = job.prompt.rfind(call.prompt_tail, max(0, len(job.prompt) - TAIL - 512))
            if at < 0:
                continue
            typed = job.prompt[at + len(call.prompt_tail) :]
            if not typed and not call.prefetch:
                continue
            if "\n" not in typed[:-1] and _may_continue(call.partial, typed):
                return call, typed
        return None, ""

    def cancel_all(self) -> list[asyncio.Task[Answer]]:
        """Shutting down: stop every call in flight, so their requests end cancelled rather
        than failing (and telling the user) when the HTTP client closes under them."""
        tasks = [call.task for call in self._calls.values() if not call.task.done()]
        for task in tasks:
            task.cancel()
        return tasks

    async def wait(
        self,
        call: Call,
        superseded: asyncio.Future[None],
        held: bool = False,
        early: bool = False,
    ) -> Answer:
        """Wait for a shared call; give up (and cancel it if nobody else waits) when
        superseded. ``held``: the caller already counted itself among the waiters.
        ``early``: the call's early text will do (early.py); when that is what is returned the
        caller still holds the call and must ``follow`` it."""
        if not held:
            call.waiters += 1
        cancelled = kept = False
        try:
            waits: set[asyncio.Future[Any]] = {call.task, superseded}
            if early:
                if call.early is None:
                    call.early = asyncio.get_running_loop().create_future()
                waits.add(call.early)
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if call.task.done() and not call.task.cancelled():
                return call.task.result()
            if early and call.early is not None and call.early.done() and not superseded.done():
                kept = True
                return call.latest
            return None
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if not kept:
                _release(call, linger=cancelled)

    async def follow(self, call: Call, superseded: asyncio.Future[None], timeout: float) -> Answer:
        """The whole answer of a call whose early text was shown, or None when a newer request
        took over first (the call then lingers for it to join, as after a cancel) or it took
        longer than ``timeout``."""
        try:
            await asyncio.wait(
                (call.task, superseded), timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if call.task.done() and not call.task.cancelled():
                return call.task.result()
            return None
        finally:
            _release(call, linger=True)

    async def lines_until(
        self,
        call: Call,
        superseded: asyncio.Future[None],
        wanted: Callable[[str], bool],
        timeout: float,
    ) -> Answer:
        """For a caller holding a call whose early text was not enough (the user typed all of
        it): its newer early text as soon as ``wanted`` takes it (the caller still holds the
        call and must ``follow`` it), else its whole answer; None when a newer request took
        over first or it took longer than ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while not call.task.done() and not superseded.done():
                if call.latest and wanted(call.latest):
                    return call.latest
                left = deadline - loop.time()
                if left <= 0:
                    break
                if call.grew is None or call.grew.done():
                    call.grew = loop.create_future()
                await asyncio.wait(
                    (call.task, superseded, call.grew),
                    timeout=left,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        except asyncio.CancelledError:
            _release(call, linger=True)
            raise
        try:
            if call.task.done() and not call.task.cancelled() and not superseded.done():
                return call.task.result()
            return None
        finally:
            _release(call, linger=True)


def _release(call: Call, linger: bool) -> None:
    call.waiters -= 1
    if call.waiters == 0 and not call.task.done():
        if linger:
            # The client cancelled: editors cancel the old request on every keystroke, just
            # *before* sending the new one. Keep the call a moment so a request typed on from it
            # can still join (typed_on_from) instead of paying again.
            loop = asyncio.get_running_loop()
            loop.call_later(LINGER_SECONDS, _drop_unwanted, call)
        else:
            _drop_unwanted(call)


def _drop_unwanted(call: Call) -> None:
    """Nobody wants this answer any more: stop paying for it."""
    if call.waiters == 0 and not call.task.done():
        call.abandoned = True
        call.task.cancel()


def _may_continue(partial: str, typed: str) -> bool:
    """Could an answer that starts with ``partial`` still go on with ``typed``? (Leading
    space is left to post-processing, so it is ignored here.)"""
    p, t = partial.lstrip(), typed.lstrip()
    return not p or not t or p.startswith(t) or t.startswith(p)
