"""Adaptive debounce: how long a request waits before it may cost an upstream call.

Two facts decide it (measured with ``--calls`` in tests/bench/bench_editor_nvim.py and
bench_editor_vscode.py; README "Ghost text latency in real editors"):

* The calls a fixed 350 ms debounce never makes are the ones started inside an ordinary gap
  between two keystrokes: a wait of 1.3x the *average* gap (capped at debounceMs) still fired in
  every gap longer than that, a third of them for human gaps of 60-250 ms. So the wait is set
  just past the *slow end* of the user's own gaps (mean + 4 mean deviations), not their average.
* People pause on a line they have just started (after Enter and its indentation): no wait
  there. But only when the cursor came to that line by a line break: typing indentation key by
  key also leaves only whitespace before the cursor, and waiting nothing on each of those keys
  cost a call per line.
* Right after a whole word the code around already uses (a finished name), a pause is likely:
  the wait there is at most WORD_END x debounceMs, except where the user has just typed a whole
  suggestion (the model said the text stops there: Enter or more typing comes next).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A gap this many times the usual one (and over MIN_PAUSE_S) is a pause, not typing: it does
# not move the pace; nor does one of FIRST_PAUSE_S or more.
PAUSE_FACTOR = 3.0
MIN_PAUSE_S = 0.5
FIRST_PAUSE_S = 1.0
# Shorter than any keystroke gap (an editor asking twice for one change): not a gap.
MIN_GAP_S = 0.01
# How far past the average gap the slow end of typing lies, in mean absolute deviations.
SLOW_END_DEVIATIONS = 4.0
# The wait stays between these multiples of debounceMs.
LOWEST, HIGHEST = 0.25, 1.0  # debounceMs is an upper bound (the settings contract)
SMOOTHING = 0.3  # weight of the newest gap in the running mean and deviation
# Right after a whole word the code already uses, the wait is at most this x debounceMs.
WORD_END = 0.75
# How much of the prompt (before the cursor) and suffix is searched for that word.
WORD_WINDOW = 4000
_TRAILING_WORD = re.compile(r"[A-Za-z0-9_]+$")
_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")


@dataclass
class Pace:
    """One document's typing: running mean and mean absolute deviation of its gaps (s)."""

    mean: float
    deviation: float


def next_pace(pace: Pace | None, gap: float) -> Pace | None:
    """The pace after a gap of ``gap`` seconds between two requests; pauses leave it be, and
    so do gaps too short to be keystrokes (a pace learned from those would never grow again:
    every real gap would look like a pause)."""
    if gap < MIN_GAP_S or gap >= FIRST_PAUSE_S:
        return pace
    if pace is None:
        return Pace(gap, gap / 4)
    if gap > max(MIN_PAUSE_S, PAUSE_FACTOR * pace.mean):
        return pace
    mean = (1 - SMOOTHING) * pace.mean + SMOOTHING * gap
    deviation = (1 - SMOOTHING) * pace.deviation + SMOOTHING * abs(gap - pace.mean)
    return Pace(mean, deviation)


def typing_wait(pace: Pace | None, limit: float) -> float:
    """Seconds to wait mid-line: just past the slow end of the user's gaps, so that a burst of
    typing costs nothing, within [LOWEST, HIGHEST] x ``limit`` (debounceMs); ``limit`` itself
    while the pace is unknown the highest (the first keys of a document are not yet known to be
    a burst or a pause), and 0 when debouncing is off."""
    if limit <= 0:
        return 0.0
    if pace is None:
        return HIGHEST * limit
    slow_end = pace.mean + SLOW_END_DEVIATIONS * pace.deviation
    return min(HIGHEST * limit, max(LOWEST * limit, slow_end))


def after_known_word(prompt: str, suffix: str) -> bool:
    """Is the cursor right after a whole word that the code around it already uses as a
    whole word? Then the word is likely finished and a pause likely (people stop after a
    name to let the suggestion come); part of a longer name is likely to be typed on."""
    found = _TRAILING_WORD.search(prompt[-80:])
    if found is None or _WORD_CHAR.match(suffix[:1]):
        return False
    word = found.group()
    whole = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")
    before = prompt[-WORD_WINDOW - len(word) : -len(word)]
    return whole.search(before) is not None or whole.search(suffix[:WORD_WINDOW]) is not None


def cursor_line(prompt: str) -> tuple[str, str]:
    """(the text before the cursor on its line, a little of what comes before that line)."""
    at = prompt.rfind("\n")
    return prompt[at + 1 :], prompt[max(0, at - 32) : at + 1]


def fresh_line(previous: tuple[str, str, bool] | None, prompt: str) -> bool:
    """Is the cursor on a line it reached by a line break, with only indentation before it?
    ``previous``: the last request's (line text, text before the line, fresh). The same line
    (same text before it) stays fresh while only indentation is added: editors insert Enter
    and the indentation as two edits. A document's first request is not fresh."""
    line, above = cursor_line(prompt)
    if line.strip(" \t"):
        return False
    if previous is None:
        return False
    before_line, before_above, was_fresh = previous
    if before_above != above:
        return True  # the cursor is on another line than at the last request: a line break
    return was_fresh and line.startswith(before_line)


class TypingPace:
    """Per document: the typing pace and where the cursor was at the last request."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._pace: dict[str, Pace] = {}
        self._line: dict[str, tuple[str, str, bool]] = {}

    def note(self, doc_key: str, now: float, prompt: str | None = None) -> None:
        last = self._last.get(doc_key)
        self._last[doc_key] = now
        if last is not None:
            pace = next_pace(self._pace.get(doc_key), now - last)
            if pace is not None:
                self._pace[doc_key] = pace
        if prompt is not None:
            fresh = fresh_line(self._line.get(doc_key), prompt)
            self._line[doc_key] = (*cursor_line(prompt), fresh)

    def delay(
        self,
        doc_key: str,
        limit: float,
        prompt: str = "",
        suffix: str = "",
        suggestion_typed: bool = False,
    ) -> float:
        """No wait on a line reached by a line break (fresh_line, as of the last ``note``);
        at most WORD_END x ``limit`` right after a known whole word, unless the user has just
        typed a whole suggestion (``suggestion_typed``: the model said the text stops here, so
        a line break or more typing is likely next, not a pause); elsewhere typing_wait."""
        if self.fresh(doc_key):
            return 0.0
        wait = typing_wait(self._pace.get(doc_key), limit)
        if not suggestion_typed and after_known_word(prompt, suffix):
            return min(wait, WORD_END * limit)
        return wait

    def fresh(self, doc_key: str) -> bool:
        line = self._line.get(doc_key)
        return line is not None and line[2]

    def forget(self, doc_key: str) -> None:
        self._last.pop(doc_key, None)
        self._pace.pop(doc_key, None)
        self._line.pop(doc_key, None)
