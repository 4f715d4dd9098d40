"""The early reveal's pure part (codestral_ls/early.py), with the server's own rules."""

from __future__ import annotations

from codestral_ls.early import complete_lines, early_text
from codestral_ls.postprocess import postprocess

PREFIX = "def area(w, h):\n    "


def cut_rules(raw: str) -> str:
    return postprocess(
        raw, prefix=PREFIX, suffix="\n", multiline=True, language_id="python", truncated=True
    )


def test_only_lines_ended_by_a_break_count() -> None:
    assert complete_lines("w = abs(w)\n    h = ab") == "w = abs(w)\n"
    assert complete_lines("w = abs(w)") == ""
    assert complete_lines("") == ""


def test_the_complete_lines_are_shown_as_the_rules_show_them() -> None:
    assert early_text("w = abs(w)\n    h = ab", cut_rules) == "w = abs(w)"
    assert early_text("w = abs(w)\n    h = abs(h)\n    ret", cut_rules) == (
        "w = abs(w)\n    h = abs(h)"
    )


def test_nothing_before_a_line_is_complete_or_while_it_shows_nothing() -> None:
    assert early_text("w = abs(w", cut_rules) == ""
    assert early_text("\n\n", cut_rules) == ""
    # A block opener alone does not parse as a cut answer: wait for its body.
    assert early_text("if w < 0:\n        ", cut_rules) == ""
    assert early_text("if w < 0:\n        w = -w\n", cut_rules) == "if w < 0:\n        w = -w"


def test_an_answer_opening_with_a_fence_is_never_shown_early() -> None:
    assert early_text("```python\nw = abs(w)\n", cut_rules) == ""
