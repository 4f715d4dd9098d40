"""Prefetch: while the user reads a suggestion, ask for what comes after it.

When a suggestion is shown, the suggestion after it is the answer for the prompt "prefix +
suggestion" (same suffix). Asking for it at once, while the user reads, means that after an
accept the next suggestion is already known (the engine's typed-through reuse answers it, or
the request joins the call still in flight) instead of costing a debounce and a round trip.

One prefetch per document. It is dropped as soon as a request shows the user went elsewhere:
typed something that is not the suggestion, moved, or changed the text after the cursor. A
request on the way (typing through the suggestion, or accepting it) keeps it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from codestral_ls.cache import HEAD, TAIL
from codestral_ls.context import Job

log = logging.getLogger(__name__)

Fetch = Callable[[Job, "asyncio.Future[None]"], Coroutine[Any, Any, None]]


@dataclass
class _Pending:
    base_tail: str  # the prompt's tail where the suggestion was shown
    suffix_head: str
    shown: str  # the suggestion being read
    prompt: str  # the continuation's prompt (base + suggestion)
    stop: asyncio.Future[None]  # resolved to drop the prefetch
    task: asyncio.Task[None] | None = None


def continuation(job: Job, shown: str, decide: Callable[[str, str], bool]) -> Job:
    """The job for the cursor at the end of ``shown`` once it is in the document. ``decide``
    is the single/multi-line decision for (prefix, suffix)."""
    prompt = job.prompt + shown
    return Job(
        job.doc_key,
        job.language_id,
        prompt,
        job.suffix,
        decide(prompt, job.suffix),
        job.model_prompt + shown if job.model_prompt else "",
    )


def typed_since(prompt: str, base_tail: str, limit: int) -> str | None:
    """What was typed after ``base_tail`` (at most ``limit`` characters back), or None when the
    prompt no longer continues from it."""
    at = prompt.rfind(base_tail, max(0, len(prompt) - len(base_tail) - limit))
    return None if at < 0 else prompt[at + len(base_tail) :]


class Prefetcher:
    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}
        self.started = 0
        self.dropped = 0

    def start(self, job: Job, shown: str, cont: Job, fetch: Fetch) -> None:
        """``shown`` is on screen for ``job``: fetch ``cont`` (its continuation) unless the
        same continuation is already being fetched."""
        older = self._pending.get(job.doc_key)
        if older is not None and older.prompt[-TAIL:] == cont.prompt[-TAIL:]:
            return  # typing through the same suggestion: same continuation, already asked
        stop: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pending = _Pending(job.prompt[-TAIL:], job.suffix[:HEAD], shown, cont.prompt, stop)
        self._pending[job.doc_key] = pending
        pending.task = asyncio.ensure_future(fetch(cont, stop))
        pending.task.add_done_callback(lambda _t: self._finished(job.doc_key, pending))
        self.started += 1
        if older is not None:
            self._drop(older)

    def check(self, job: Job) -> None:
        """A new request for the document: drop its prefetch if the user went elsewhere."""
        pending = self._pending.get(job.doc_key)
        if pending is None or self._on_the_way(pending, job):
            return
        del self._pending[job.doc_key]
        self._drop(pending)

    def cancel_all(self) -> list[asyncio.Task[None]]:
        tasks = [p.task for p in self._pending.values() if p.task and not p.task.done()]
        for pending in list(self._pending.values()):
            self._drop(pending)
        self._pending.clear()
        return tasks

    def forget(self, doc_key: str) -> None:
        pending = self._pending.pop(doc_key, None)
        if pending is not None:
            self._drop(pending)

    @staticmethod
    def _on_the_way(pending: _Pending, job: Job) -> bool:
        if job.suffix[:HEAD] != pending.suffix_head:
            return False
        typed = typed_since(job.prompt, pending.base_tail, len(pending.shown) + 1)
        if typed is None:
            return False
        # Typing through the suggestion, or just accepted it (typed == shown). Typed on past
        # it: a request whose prompt the call may still answer has joined the call already.
        return pending.shown.startswith(typed)

    def _drop(self, pending: _Pending) -> None:
        if not pending.stop.done():
            pending.stop.set_result(None)
            if pending.task is not None and not pending.task.done():
                self.dropped += 1

    def _finished(self, doc_key: str, pending: _Pending) -> None:
        if self._pending.get(doc_key) is pending:
            del self._pending[doc_key]
        task = pending.task
        if task is not None and not task.cancelled() and task.exception() is not None:
            log.warning("prefetch failed: %r", task.exception())
