"""The adaptive debounce's policy (codestral_ls/debounce.py), as pure functions: the wait sits
past the slow end of the user's own keystroke gaps, pauses do not move the pace, and only a line
reached by a line break is answered without a wait."""

from __future__ import annotations

import math
import random

from codestral_ls.debounce import (
    HIGHEST,
    LOWEST,
    WORD_END,
    Pace,
    TypingPace,
    after_known_word,
    cursor_line,
    fresh_line,
    next_pace,
    typing_wait,
)

LIMIT = 0.120  # the default debounceMs
LONG = 0.350  # a user's longer debounceMs: room for the wait to follow the pace


def human_gaps(n: int, seed: int = 1) -> list[float]:
    """The benchmarks' typing model: log-normal around 110 ms, clipped to 60-250 ms."""
    rng = random.Random(seed)
    return [min(0.25, max(0.06, rng.lognormvariate(math.log(0.11), 0.35))) for _ in range(n)]


def learned(gaps: list[float]) -> Pace | None:
    pace = None
    for gap in gaps:
        pace = next_pace(pace, gap)
    return pace


def test_wait_is_past_almost_every_typing_gap() -> None:
    gaps = human_gaps(400)
    pace = learned(gaps[:100])
    fired = 0
    for gap in gaps[100:]:
        # The wait in force at each key, then the gap that follows it.
        fired += gap > typing_wait(pace, LONG)
        pace = next_pace(pace, gap)
    # The old wait (1.3 x the mean gap, at most debounceMs) fired in about a third of the gaps.
    old = sum(gap > min(LONG, 1.3 * 0.115) for gap in gaps[100:])
    assert old > 50
    assert fired <= 6


def test_a_pause_does_not_move_the_pace() -> None:
    pace = learned(human_gaps(50))
    assert pace is not None
    assert next_pace(pace, 1.1) == pace
    assert next_pace(pace, 0.9) == pace  # 0.9 s is a pause for a ~0.11 s typist
    assert next_pace(pace, 0.0) == pace


def test_first_gap_starts_the_pace_unless_it_is_a_pause() -> None:
    assert next_pace(None, 1.5) is None
    started = next_pace(None, 0.1)
    assert started is not None and math.isclose(started.mean, 0.1)


def test_an_editor_asking_twice_does_not_freeze_the_pace() -> None:
    # Two requests 3 ms apart for one change, then human typing: a pace started at 3 ms would
    # take every real gap for a pause and wait the least for ever after.
    pace = next_pace(None, 0.003)
    assert pace is None
    pace = learned([0.003, *human_gaps(20)])
    assert pace is not None and pace.mean > 0.08
    assert typing_wait(pace, LONG) > 0.2


def test_wait_bounds() -> None:
    assert typing_wait(None, LIMIT) == HIGHEST * LIMIT  # pace unknown: burst or pause?
    assert typing_wait(Pace(0.01, 0.0), LIMIT) == LOWEST * LIMIT  # a very fast typist
    assert HIGHEST == 1.0  # debounceMs is an upper bound: the wait never goes past it
    assert typing_wait(Pace(0.5, 0.2), LIMIT) == LIMIT
    assert typing_wait(Pace(0.11, 0.03), 0) == 0.0  # debounceMs 0: no wait at all
    assert math.isclose(typing_wait(Pace(0.11, 0.03), LONG), 0.11 + 4 * 0.03)


def test_fresh_line_needs_a_line_break() -> None:
    above = "def f(x):\n    return x\n"
    # Enter typed at the end of a line (with the indentation, or as two edits):
    typed = above + "y = f(x)"
    assert fresh_line((*cursor_line(typed), False), typed + "\n") is True
    assert fresh_line((*cursor_line(above), True), above + "    ") is True
    # The same fresh line, indentation added after the break: still fresh.
    assert fresh_line((*cursor_line(above + "  "), True), above + "    ") is True
    # Indentation typed key by key on a line that was not fresh: not fresh.
    assert fresh_line((*cursor_line(above + "  "), False), above + "   ") is False
    # A document's first request, or text before the cursor: not fresh.
    assert fresh_line(None, above + "    ") is False
    assert fresh_line((*cursor_line(above), True), above + "    x") is False


def test_typing_pace_per_document() -> None:
    pace = TypingPace()
    t = 0.0
    prompt = "x = 1\n"
    pace.note("a", t, prompt + "y")
    for gap in human_gaps(30):
        t += gap
        prompt += "y"
        pace.note("a", t, prompt)
    assert LOWEST * LONG < pace.delay("a", LONG) < LONG  # past the gaps, short of the limit
    assert pace.delay("a", LIMIT) == LIMIT
    # Enter: the next request is on a line reached by a line break.
    pace.note("a", t + 0.1, prompt + "\n    ")
    assert pace.delay("a", LIMIT) == 0.0
    # Another document knows nothing of it; forget clears it.
    assert pace.delay("b", LIMIT) == HIGHEST * LIMIT
    pace.forget("a")
    assert pace.delay("a", LIMIT) == HIGHEST * LIMIT


def test_after_known_word() -> None:
    code = "items = load()\nfor item in items:\n    print(item"
    assert after_known_word(code, ")\n") is True  # "item" is used as a whole word above
    assert after_known_word(code[:-1], ")\n") is False  # "ite": part of a longer name
    assert after_known_word(code, "s)\n") is False  # the cursor is inside a word
    assert after_known_word(code + "(", ")\n") is False  # after punctuation
    assert after_known_word("x = 1\ny = fresh_name", "") is False  # a name not used before
    assert after_known_word("x = total\nprint(tot", "al)") is False
    assert after_known_word("print(x)\nreturn\nprint(y)", "") is False
    assert after_known_word("return\nif x:\n    return", "") is True


def test_wait_after_a_known_word_is_short() -> None:
    pace = TypingPace()
    t, prompt = 0.0, "items = load()\nfor item in items:\n    print("
    pace.note("a", t, prompt)
    for gap in human_gaps(20):
        t += gap
        prompt += "x"
        pace.note("a", t, prompt)
    mid_word = pace.delay("a", LIMIT, "items = load()\nprint(ite", ")")
    word_end = pace.delay("a", LIMIT, "items = load()\nprint(items", ")")
    assert word_end <= WORD_END * LIMIT < mid_word


def test_no_short_wait_at_the_end_of_a_typed_suggestion() -> None:
    pace = TypingPace()
    prompt = "items = load()\nprint(items"
    pace.note("a", 0.0, prompt)
    pace.note("a", 0.1, prompt)
    assert pace.delay("a", LIMIT, prompt, ")") <= WORD_END * LIMIT
    assert pace.delay("a", LIMIT, prompt, ")", suggestion_typed=True) > WORD_END * LIMIT
