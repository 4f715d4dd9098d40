"""The spend governor: as a token budget runs low, completion steps down in stages instead of
stopping at a cliff, and steps back up when a new day or month starts.

Stages, by the share left of the tightest budget (daily or monthly; 0 = unlimited):

    0 full            more than 25 % left
    1 small_context   25 % or less: a third of the prefix/suffix window, no cross-file context
    2 single_line     10 % or less: and single-line suggestions only
    3 invoked_only    5 % or less: and only when the user asks (invoked, never while typing)
    4 off             nothing left: no upstream calls (cached answers still show)

A 429 (rate limited) or a gateway's budget error (Portkey answers 412 "budget exhausted") moves
one stage further down for PENALTY_SECONDS (or the Retry-After, if longer); then the governor
steps back up one stage per PENALTY_SECONDS without another such error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from codestral_ls.settings import Settings
from codestral_ls.telemetry.ledger import Totals

STAGES = ("full", "small_context", "single_line", "invoked_only", "off")
THRESHOLDS = ((0.25, 0), (0.10, 1), (0.05, 2), (0.0, 3))  # (share left above, stage)
PENALTY_SECONDS = 60.0
SMALL_CONTEXT_DIVISOR = 3


@dataclass(frozen=True)
class Gate:
    """What the current stage allows one request."""

    stage: int
    upstream: bool  # may this request call upstream at all


class Governor:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock  # monotonic
        self.penalty = 0
        self._penalty_until = 0.0
        self._adjusted: dict[tuple[int, int], Settings] = {}

    # --- stage ----------------------------------------------------------------------------

    def stage(self, totals: Totals, settings: Settings) -> int:
        return min(len(STAGES) - 1, self.budget_stage(totals, settings) + self._penalty())

    @staticmethod
    def budget_stage(totals: Totals, settings: Settings) -> int:
        left = share_left(totals, settings)
        if left is None:
            return 0
        for above, stage in THRESHOLDS:
            if left > above:
                return stage
        return len(STAGES) - 1

    def penalize(self, retry_after: float | None) -> None:
        """A rate limit or gateway budget error: one stage down for a while."""
        now = self._clock()
        self._penalty()
        self.penalty = min(len(STAGES) - 1, self.penalty + 1)
        self._penalty_until = now + max(PENALTY_SECONDS, retry_after or 0.0)

    def _penalty(self) -> int:
        now = self._clock()
        if self._penalty_until - now > 2 * 3600:  # the clock jumped back: do not stay down
            self._penalty_until = now + PENALTY_SECONDS
        while self.penalty and now >= self._penalty_until:
            self.penalty -= 1
            self._penalty_until += PENALTY_SECONDS
        return self.penalty

    # --- what a stage changes -------------------------------------------------------------

    def gate(self, stage: int, invoked: bool) -> Gate:
        if stage >= 4:
            return Gate(stage, False)
        if stage == 3:
            return Gate(stage, invoked)
        return Gate(stage, True)

    def adjust(self, settings: Settings, stage: int) -> Settings:
        """The settings a request is built with at this stage (cached per settings+stage)."""
        if stage == 0:
            return settings
        key = (id(settings), stage)
        cached = self._adjusted.get(key)
        if cached is not None:
            return cached
        c = settings.completion
        completion = replace(
            c,
            prefix_chars=max(64, c.prefix_chars // SMALL_CONTEXT_DIVISOR),
            suffix_chars=c.suffix_chars // SMALL_CONTEXT_DIVISOR,
            multiline="never" if stage >= 2 else c.multiline,
        )
        adjusted = replace(
            settings,
            completion=completion,
            context=replace(settings.context, cross_file=False),
        )
        self._adjusted = {key: adjusted}  # one settings object at a time is in use
        return adjusted

    def report(self, totals: Totals, settings: Settings) -> dict[str, Any]:
        b = settings.budget
        stage = self.stage(totals, settings)
        return {
            "stage": stage,
            "stageName": STAGES[stage],
            "penalty": self.penalty,
            "day": _period(totals.day, totals.day_tokens, b.daily_tokens),
            "month": _period(totals.month, totals.month_tokens, b.monthly_tokens),
            "estimatedTokens": totals.estimated_tokens,
        }


def share_left(totals: Totals, settings: Settings) -> float | None:
    """The smallest share left of the budgets set; None when none is set."""
    b = settings.budget
    pairs = ((totals.day_tokens, b.daily_tokens), (totals.month_tokens, b.monthly_tokens))
    shares = [max(0.0, round(1 - used / limit, 9)) for used, limit in pairs if limit > 0]
    return min(shares) if shares else None


def _period(name: str, used: int, limit: int) -> dict[str, Any]:
    return {
        "period": name,
        "used": used,
        "limit": limit or None,
        "left": max(0, limit - used) if limit else None,
    }
