"""privacy.redact skips a pattern's regex scan when none of its needles is in the text: that
shortcut must never change what is redacted."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from codestral_ls.privacy import _SECRET_PATTERNS, _folded, redact


def redact_every_pattern(text: str) -> tuple[str, int]:
    """The reference: every regex over the whole text, no shortcut."""
    count = 0
    for label, pattern in _SECRET_PATTERNS:
        if label == "assignment":
            text, n = pattern.subn(
                lambda m: f"{m.group(1)}{m.group(2)}<redacted>{m.group(2)}", text
            )
        else:
            text, n = pattern.subn(f"<redacted:{label}>", text)
        count += n
    return text, count


FRAGMENTS = [
    "x = 1\n",
    " ",
    "'",
    '"',
    "=",
    ": ",
    "PASSWORD",
    "Pa\u017f\u017fword",  # long s: re's IGNORECASE matches it to "s"
    "\u0130",
    "\u0131",
    "\u212a",
    "api_key",
    "APIKEY",
    "access-Token",
    "client_secret",
    "private_key",
    "pwd",
    "hunter22",
    "AKIA" + "A" * 16,
    "ghp_" + "a" * 36,
    "glpat-" + "b" * 20,
    "xoxb-" + "1" * 10,
    "sk_live_" + "c" * 16,
    "sk-" + "d" * 24,
    "AIza" + "e" * 35,
    "eyJ" + "f" * 8 + ".eyJ" + "g" * 8 + "." + "h" * 8,
    "https://user:pw@host/",
    "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
    "日本語",
    "😀",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_shortcut_redacts_exactly_like_every_regex(text: str) -> None:
    assert redact(text) == redact_every_pattern(text)


def test_folding_covers_every_character_ignorecase_maps_to_a_keyword_letter() -> None:
    letters = sorted(set("passwordpwdsecretapitokenprivate"))
    any_letter = re.compile("(?i)[" + "".join(letters) + "]")
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if any_letter.fullmatch(char):
            assert _folded(char) in letters, f"U+{code:04X} matches a keyword letter unfolded"
    assert _folded("PA\u017fSWORD \u0130") == "password i"
