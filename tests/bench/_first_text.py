"""The streamed generation used by bench_first_text and tests/e2e/test_speed_behaviour.py."""

from __future__ import annotations

TOKEN_DELAY = 0.015
# A single-line situation: the cursor at the end of `return `, so the answer is one line.
DOC = "def add(a, b):\n    return \n\n\nprint(add(1, 2))\n"
CURSOR = (1, 11)
FIRST_LINE = "a + b"


def chunks() -> list[str]:
    """64 tokens: the first line is complete after 4 (its newline), then the model rambles
    on (as a FIM model does when max_tokens allows) without ever writing a blank-line stop."""
    head = ["a", " +", " b", "\n"]
    filler = []
    n = 0
    while len(head) + len(filler) < 64:
        filler += ["\n", "def", f" f{n}", "():", "\n", "    ", "return", f" {n}"]
        n += 1
    return (head + filler)[:64]
