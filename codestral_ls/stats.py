"""Counts and latencies of the completion pipeline, for codestral.status."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


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
    prefetches: int = 0  # upstream calls made for a continuation (prefetch.py)
    early: int = 0  # answers shown before they had streamed to the end (early.py)
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=500))
    _added: int = 0
    _p50_at: int = -1
    _p50: float | None = None

    def add_latency(self, ms: float) -> None:
        self.latencies_ms.append(ms)
        self._added += 1

    def p50(self) -> float | None:
        """The median latency, re-sorted only after 1/16 of the window is new: it is read on
        every request (the debounce), and one sample barely moves the median of 500."""
        if self._added - self._p50_at >= max(1, len(self.latencies_ms) // 16):
            self._p50, self._p50_at = self.percentiles()["p50"], self._added
        return self._p50

    def percentiles(self) -> dict[str, float | None]:
        data = sorted(self.latencies_ms)
        if not data:
            return {"p50": None, "p90": None, "p99": None}

        def pick(q: float) -> float:
            return round(data[min(len(data) - 1, int(q * len(data)))], 1)

        return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99)}
