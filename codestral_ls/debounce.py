"""Adaptive debounce: how long a request waits before it may cost an upstream call."""

from __future__ import annotations


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

    def delay(
        self, doc_key: str, limit: float, upstream_p50: float | None, line_start: bool = False
    ) -> float:
        """``line_start``: the cursor is on a fresh line (only indentation before it), where
        people pause to think: no wait at all, the suggestion is ready one upstream call after
        the Enter (tests/bench/bench_editor_nvim.py)."""
        if line_start:
            return 0.0
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
