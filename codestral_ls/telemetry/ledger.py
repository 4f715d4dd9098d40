"""Token use per day and per month, in one small file shared by every server process.

``usage.json`` in the user's cache directory holds the current day's and month's totals. Each
record takes an exclusive lock on ``usage.lock`` (flock; msvcrt on Windows), reads, adds, writes
a temporary file and renames it over the old one, so several editor windows writing at once lose
no counts and a crash mid-write leaves the previous file intact. A corrupt file starts fresh; a
file that cannot be written keeps the totals in memory; each says so once.

Inside a running event loop a record reaches the file FLUSH_DELAY later, with any others made
meanwhile: the lock and the rename cost 0.25 ms on a quiet disk and several ms on a busy one,
and must not stand between an answer and the editor. The process's own totals include what is
still pending at once; a flush also runs when the server closes and at interpreter exit.

Periods are local calendar days and months. A period only ever moves forward: after the clock
jumps back, counts go on adding to the later period until the clock catches up, so a clock
change never resets a budget.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "usage.json"
LOCK_NAME = "usage.lock"
REFRESH_SECONDS = 1.0  # other windows' use is read at most this often
FLUSH_DELAY = 0.05  # seconds from a record to its write, off the answer's path


def cache_dir(env: Mapping[str, str]) -> Path:
    """XDG_CACHE_HOME/codestral-ls, else ~/.cache/codestral-ls (LOCALAPPDATA on Windows)."""
    base = env.get("XDG_CACHE_HOME")
    if not base and sys.platform == "win32":
        base = env.get("LOCALAPPDATA")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "codestral-ls"


@dataclass
class Totals:
    day: str = ""
    day_tokens: int = 0
    month: str = ""
    month_tokens: int = 0
    estimated_tokens: int = 0  # of month_tokens, how many were estimated (no usage reported)

    def rolled(self, day: str, month: str) -> Totals:
        """These totals in the period of (day, month); never moves a period back."""
        t = Totals(**self.__dict__)
        if day > t.day:
            t.day, t.day_tokens = day, 0
        if month > t.month:
            t.month, t.month_tokens, t.estimated_tokens = month, 0, 0
        return t


def period(now: float) -> tuple[str, str]:
    local = time.localtime(now)
    return time.strftime("%Y-%m-%d", local), time.strftime("%Y-%m", local)


class Ledger:
    def __init__(
        self,
        folder: Path,
        clock: Callable[[], float],
        tell: Callable[[str, str], None] = lambda key, text: None,
    ) -> None:
        self.path = folder / FILE_NAME
        self._lock_path = folder / LOCK_NAME
        self._clock = clock
        self._tell = tell  # (cause key, message): the caller says each cause once
        self._memory = Totals()  # the file's totals as last seen, plus what is pending
        self._pending = (0, 0)  # (tokens, of which estimated) not yet in the file
        self._flush_handle: asyncio.TimerHandle | None = None
        self._read_at = float("-inf")
        self._writable = True
        atexit.register(self._flush_at_exit)

    def totals(self) -> Totals:
        """The current period's totals, re-read from the file at most every REFRESH_SECONDS."""
        now = time.monotonic()
        day, month = period(self._clock())
        if self._writable and now - self._read_at >= REFRESH_SECONDS:
            self._read_at = now
            with contextlib.suppress(OSError):
                self._memory = self._read().rolled(day, month)
                _add(self._memory, *self._pending)
        return self._memory.rolled(day, month)

    def record(self, tokens: int, estimated: bool) -> Totals:
        """Add ``tokens`` to today and this month; the new totals. Written at once outside an
        event loop, FLUSH_DELAY later inside one."""
        day, month = period(self._clock())
        counts = (tokens, tokens if estimated else 0)
        totals = self._memory.rolled(day, month)
        _add(totals, *counts)
        self._memory = totals
        if not self._writable:
            return totals
        self._pending = (self._pending[0] + counts[0], self._pending[1] + counts[1])
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self.flush()
        if self._flush_handle is None:
            self._flush_handle = loop.call_later(FLUSH_DELAY, self.flush)
        return totals

    def flush(self) -> Totals:
        """Add what is pending to the shared file; the totals it now holds."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        pending, self._pending = self._pending, (0, 0)
        day, month = period(self._clock())
        if not self._writable or pending == (0, 0):
            return self._memory.rolled(day, month)
        try:
            with self._locked():
                totals = self._read().rolled(day, month)
                _add(totals, *pending)
                self._write(totals)
            self._memory, self._read_at = totals, time.monotonic()
        except OSError as exc:
            self._writable = False  # the in-memory totals already hold the pending counts
            self._tell(
                "usage-unwritable",
                f"Cannot write the token usage file {self.path} ({exc.strerror or exc}); "
                "counting in memory for this session only.",
            )
        return self._memory.rolled(day, month)

    def _flush_at_exit(self) -> None:
        with contextlib.suppress(Exception):  # the client may be gone: nothing left to tell
            self.flush()

    def _read(self) -> Totals:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Totals()
        try:
            data = json.loads(raw)
            totals = Totals(
                day=str(data["day"]),
                day_tokens=_count(data["dayTokens"]),
                month=str(data["month"]),
                month_tokens=_count(data["monthTokens"]),
                estimated_tokens=_count(data.get("estimatedTokens", 0)),
            )
        except (ValueError, KeyError, TypeError):
            self._tell(
                "usage-corrupt",
                f"The token usage file {self.path} was unreadable; starting the counts afresh.",
            )
            return Totals()
        return totals

    def _write(self, totals: Totals) -> None:
        data = {
            "version": 1,
            "day": totals.day,
            "dayTokens": totals.day_tokens,
            "month": totals.month,
            "monthTokens": totals.month_tokens,
            "estimatedTokens": totals.estimated_tokens,
        }
        fd, tmp = tempfile.mkstemp(prefix=".usage.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as lock:
            _lock(lock.fileno())
            try:
                yield
            finally:
                _unlock(lock.fileno())


def _add(totals: Totals, tokens: int, estimated_tokens: int) -> None:
    totals.day_tokens += tokens
    totals.month_tokens += tokens
    totals.estimated_tokens += estimated_tokens


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("not a count")
    return value


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
