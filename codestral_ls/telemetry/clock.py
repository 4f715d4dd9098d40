"""Wall and monotonic time, injectable.

``CODESTRAL_LS_CLOCK_FILE`` is for tests only: when set, the file holds a number of seconds
added to both clocks (write 600 to jump ten minutes ahead, -86400 to jump a day back), so an
LSP test can move a running server through retention checkpoints and budget periods without
waiting. An unreadable or empty file means no offset.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

CLOCK_FILE_ENV = "CODESTRAL_LS_CLOCK_FILE"


class Clock:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._file = (os.environ if env is None else env).get(CLOCK_FILE_ENV) or None
        self.extra = 0.0  # unit tests move time with this

    def offset(self) -> float:
        if self._file is None:
            return self.extra
        try:
            with open(self._file, encoding="utf-8") as f:
                return self.extra + float(f.read().strip() or 0)
        except (OSError, ValueError):
            return self.extra

    def now(self) -> float:
        """Seconds since the epoch (budget periods)."""
        return time.time() + self.offset()

    def monotonic(self) -> float:
        """Seconds for intervals (retention checkpoints, dismissal, penalties)."""
        return time.monotonic() + self.offset()
