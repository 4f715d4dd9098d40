"""The telemetry parts wired together for the service: one object it calls at each step of a
suggestion's life (asked, shown, accepted, edited around) and for status and inspection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from codestral_ls.documents import Document
from codestral_ls.messages import Level, OnceNotifier
from codestral_ls.settings import Settings
from codestral_ls.telemetry import feedback
from codestral_ls.telemetry.clock import Clock
from codestral_ls.telemetry.governor import STAGES, Gate, Governor
from codestral_ls.telemetry.inspector import CallRecord, Inspector, Trail
from codestral_ls.telemetry.ledger import Ledger, cache_dir
from codestral_ls.telemetry.outcomes import Outcomes, Suggestion
from codestral_ls.telemetry.retention import Region, Retention
from codestral_ls.upstream import UpstreamError

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4
BUDGET_STATUS = 412  # Portkey: "budget exhausted"
FEEDBACK_TIMEOUT = 10.0
MAX_FEEDBACK_IN_FLIGHT = 32


class Telemetry:
    def __init__(
        self,
        env: Mapping[str, str],
        tell: Callable[[Level, str], None],
        send_feedback: Callable[[dict[str, Any]], Awaitable[None]],
        route: Callable[[], str],
    ) -> None:
        self.clock = Clock(env)
        folder = cache_dir(env)
        self._tell = tell
        self._told = OnceNotifier()
        self._send_feedback = send_feedback
        self._route = route
        self.settings = Settings()
        self.outcomes = Outcomes(self.clock.monotonic, on_closed=self._closed)
        self.retention = Retention(self.clock.monotonic, on_measure=self._measured)
        self.ledger = Ledger(folder, self.clock.now, tell=self._tell_once)
        self.governor = Governor(self.clock.monotonic)
        self.inspector = Inspector(folder)
        self._feedback_tasks: set[asyncio.Task[None]] = set()
        self.feedback_sent = 0
        self.feedback_failed = 0

    def configure(self, settings: Settings) -> None:
        self.settings = settings
        self.inspector.log_enabled = settings.inspector.log

    # --- a request ------------------------------------------------------------------------

    def begin(
        self, doc: Document, file: str, line: int, index: int, invoked: bool
    ) -> tuple[Trail, Settings, Gate]:
        """A new request: its trail, the settings the governor's stage allows, the gate."""
        stage = self.governor.stage(self.ledger.totals(), self.settings)
        trail = Trail(
            doc.uri,
            file,
            doc.language_id,
            line,
            index,
            invoked,
            self.clock.monotonic(),
            self.clock.now(),
            stage=STAGES[stage],
        )
        self.inspector.add(trail)
        return trail, self.governor.adjust(self.settings, stage), self.governor.gate(stage, invoked)

    def finish(self, trail: Trail, secrets: list[str]) -> None:
        trail.total_ms = (self.clock.monotonic() - trail.started) * 1000
        self.inspector.finished(trail, secrets)

    def usage(self, record: CallRecord) -> None:
        """An upstream call's tokens, into the shared ledger."""
        self.ledger.record(record.tokens, record.estimated)

    def chat_usage(
        self, usage: dict[str, int] | None, messages: list[dict[str, str]], answer: str
    ) -> None:
        """A chat answer's tokens (explain/ask count against the budget too; estimated at
        CHARS_PER_TOKEN when the answer reported none)."""
        if usage and "prompt_tokens" in usage and "completion_tokens" in usage:
            self.ledger.record(usage["prompt_tokens"] + usage["completion_tokens"], False)
            return
        sent = sum(len(m.get("content") or "") for m in messages)
        self.ledger.record(-(-sent // CHARS_PER_TOKEN) - (-len(answer) // CHARS_PER_TOKEN), True)

    def failed(self, error: UpstreamError) -> None:
        if error.kind == "rate_limit" or (
            error.status == BUDGET_STATUS and self._route() == "gateway"
        ):
            self.governor.penalize(error.retry_after)

    # --- a suggestion's life --------------------------------------------------------------

    def shown(self, item_id: str, trail: Trail, text: str) -> None:
        call = trail.call
        trail.id, trail.shown = item_id, text
        item = Suggestion(
            id=item_id,
            uri=trail.uri,
            language=trail.language,
            route=call.route if call else self._route(),
            trace_id=call.trace_id if call else None,
            text=text,
            line=trail.line,
            index=trail.index,
            shown_at=self.clock.monotonic(),
        )
        self.outcomes.shown(item, continues_previous=trail.source == "typed_through")

    def accept(self, item_id: str, document: Callable[[str], Document | None]) -> bool:
        item = self.outcomes.accept(item_id)
        if item is None:
            return False
        self._track(item, len(item.text), document)
        return True

    def partial(
        self, item_id: str, length: int, document: Callable[[str], Document | None]
    ) -> bool:
        item = self.outcomes.partial(item_id, length)
        if item is None:
            return False
        self._track(item, item.accepted_chars, document)
        return True

    def _track(
        self, item: Suggestion, length: int, document: Callable[[str], Document | None]
    ) -> None:
        doc = document(item.uri)
        if doc is not None:
            group = (item.language, item.route)
            self.retention.track(item.id, doc, (item.line, item.index), item.text[:length], group)

    def before_edit(self, doc: Document) -> None:
        self.retention.before_edit(doc)

    def edited(self, uri: str, span: Any, text: str) -> None:
        self.retention.edited(uri, span, text)

    def forget(self, uri: str) -> None:
        self.retention.forget_document(uri)

    def sweep(self, document: Callable[[str], Document | None]) -> None:
        self.outcomes.sweep()
        self.retention.sweep(document)

    # --- reports --------------------------------------------------------------------------

    def acceptance(self) -> dict[str, Any]:
        """Counts and retention, overall and per (language, route)."""
        groups = sorted(set(self.outcomes.groups()) | set(self.retention.totals))
        return {
            **_rates(self.outcomes.report()),
            "retention": self.retention.report(),
            "byLanguage": _by(groups, 0, self),
            "byRoute": _by(groups, 1, self),
            "feedback": {"sent": self.feedback_sent, "failed": self.feedback_failed},
        }

    def budget(self) -> dict[str, Any]:
        self.ledger.flush()  # a report is not on the answer's path: show the file as it is
        return self.governor.report(self.ledger.totals(), self.settings)

    # --- gateway feedback -----------------------------------------------------------------

    def _closed(self, item: Suggestion) -> None:
        if item.route == "gateway":  # only the gateway knows the trace id
            self._feedback(feedback.outcome_payload(item))

    def _measured(self, region: Region, label: str, kept: int) -> None:
        item = self.outcomes.get(region.key)
        if item is not None and item.route == "gateway":
            self._feedback(feedback.retention_payload(item, label, kept, len(region.text)))

    def _feedback(self, payload: dict[str, Any] | None) -> None:
        if payload is None or not self.settings.gateway.feedback or self._route() != "gateway":
            return
        if len(self._feedback_tasks) >= MAX_FEEDBACK_IN_FLIGHT:
            return  # a gateway that hangs must not pile up tasks
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._post(payload))
        self._feedback_tasks.add(task)
        task.add_done_callback(self._feedback_tasks.discard)

    async def _post(self, payload: dict[str, Any]) -> None:
        try:
            await asyncio.wait_for(self._send_feedback(payload), FEEDBACK_TIMEOUT)
        except (UpstreamError, asyncio.TimeoutError) as exc:
            self.feedback_failed += 1
            detail = exc.detail if isinstance(exc, UpstreamError) else "no answer in time"
            self._tell_once(
                "feedback",
                f"Gateway feedback failed ({detail}); suggestions are unaffected. "
                "Turn codestral.gateway.feedback off if the gateway has no feedback API.",
            )
            return
        self.feedback_sent += 1

    def _tell_once(self, key: str, text: str) -> None:
        if self._told.first_time(key):
            self._tell("warning", text)
        else:
            log.info("again: %s", text)

    async def aclose(self) -> None:
        self.ledger.flush()
        tasks = list(self._feedback_tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=0.5)


def _rates(counts: dict[str, int]) -> dict[str, Any]:
    decided = sum(counts[k] for k in ("accepted", "partlyAccepted", "typedThrough", "dismissed"))
    taken = counts["accepted"] + counts["partlyAccepted"]
    return {**counts, "acceptRate": round(taken / decided, 3) if decided else None}


def _by(groups: list[tuple[str, str]], at: int, hub: Telemetry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted({g[at] for g in groups}):
        mine = [g for g in groups if g[at] == name]
        counts: dict[str, int] = {}
        for g in mine:
            for k, v in hub.outcomes.report(g).items():
                counts[k] = counts.get(k, 0) + v
        if not counts:
            counts = hub.outcomes.report(("", ""))
        retention = _merge_retention([hub.retention.totals.get(g, {}) for g in mine])
        out[name] = {**_rates(counts), "retention": retention}
    return out


def _merge_retention(parts: list[dict[str, list[int]]]) -> dict[str, Any]:
    from codestral_ls.telemetry.retention import CHECKPOINTS

    out: dict[str, Any] = {}
    for label, _ in CHECKPOINTS:
        kept = sum(p.get(label, [0, 0, 0])[0] for p in parts)
        total = sum(p.get(label, [0, 0, 0])[1] for p in parts)
        count = sum(p.get(label, [0, 0, 0])[2] for p in parts)
        out[label] = {"share": round(kept / total, 3) if total else None, "measured": count}
    return out
