"""Golden cases from the real-code harness's held-out draws 71-75 (looked at after their one run).

- An argument typed again right after its comma is the call going on with the same argument
  (``cryptBlocks(..., &c.buffer[0], `` + ``&c.buffer[0], streamBufferSize)``), also when the
  argument holds an index or a call; it is not an echo of the line before the cursor.
"""

from __future__ import annotations

from tests.support.cursor_cases import shown_at

CTR_S390X = """\
	c.ctr[0], c.ctr[1] = c0, c1
	// Encrypt the buffer using AES in ECB mode.
	cryptBlocks(c.block.function, &c.block.key[0], &c.buffer[0], <|>)
}
"""


def test_an_indexed_argument_typed_again_after_its_comma_is_the_next_argument():
    # Go's crypto/aes/ctr_s390x.go:65: the destination and the source are the same buffer.
    raw = "&c.buffer[0], streamBufferSize"
    assert shown_at(CTR_S390X, raw, lang="go", multiline=False) == raw


def test_an_argument_that_is_a_call_typed_again_is_the_next_argument():
    buffer = "total = combine(key(a), <|>)\n"
    raw = "key(a), key(b)"
    assert shown_at(buffer, raw, lang="python", multiline=False) == raw


def test_the_tail_of_a_call_typed_again_is_still_an_echo():
    # guard: `x = compute(` + `compute(a)` re-types the call, not an argument after a comma
    buffer = "x = compute(<|>\n"
    assert shown_at(buffer, "compute(a)", lang="python", multiline=False) == "a)"
