"""The gate after a failure: no upstream calls until its wait has passed."""

from __future__ import annotations

from collections.abc import Callable

from codestral_ls.upstream import UpstreamError


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
