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
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=500))

    def percentiles(self) -> dict[str, float | None]:
        data = sorted(self.latencies_ms)
        if not data:
            return {"p50": None, "p90": None, "p99": None}

        def pick(q: float) -> float:
            return round(data[min(len(data) - 1, int(q * len(data)))], 1)

        return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99)}
