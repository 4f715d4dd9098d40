"""Property tests: our line store edits exactly like pygls' TextDocument, and never raises.

Random documents and random incremental edit sequences (emoji, CJK, combining marks, CRLF and
lone CR) in UTF-16, UTF-8 and UTF-32 give the same text as pygls' own ``TextDocument`` fed the
same ``didChange`` ranges. Positions are drawn on character boundaries inside a line's content:
past the end of a line pygls clamps to one unit before the end (a pygls quirk, not LSP), and a
column inside a surrogate pair is not something an editor sends.

The alphabet leaves out the characters Python's ``str.splitlines`` treats as line breaks but
LSP does not (``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028``, ``\\u2029``): pygls
splits on them, LSP (and our store) does not, so there the two disagree by design.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from codestral_ls.context import cursor_window
from codestral_ls.documents import UTF8, UTF16, UTF32, Document, index_to_column, line_content

ENCODINGS = {
    UTF8: types.PositionEncodingKind.Utf8,
    UTF16: types.PositionEncodingKind.Utf16,
    UTF32: types.PositionEncodingKind.Utf32,
}

# Pieces that make the interesting cases likely: multi-unit characters in every encoding,
# combining marks (two code points, one glyph), and all three LSP line breaks.
PIECES = [
    "a",
    "b",
    "x = 1",
    " ",
    "\t",
    "def f():",
    "é",
    "e\u0301",
    "日本",
    "语",
    "😀",
    "👍🏽",
    "𝕏",
    "\u200d",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "\r\r\n",
]
text_st = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def pygls_lines(text: str) -> list[str]:
    """The document's lines as LSP counts them (a final empty line after a trailing break)."""
    lines = text.splitlines(True) or [""]
    if lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def pick_position(rng: random.Random, text: str, encoding: str) -> tuple[int, int]:
    lines = pygls_lines(text)
    line = rng.randrange(len(lines))
    content = line_content(lines[line])
    index = rng.randint(0, len(content))
    return line, index_to_column(content, index, encoding)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=text_st,
    edits=st.lists(st.tuples(text_st, st.integers(0, 2**32)), min_size=1, max_size=12),
    encoding=st.sampled_from(sorted(ENCODINGS)),
)
def test_edit_sequences_match_pygls(initial: str, edits, encoding: str) -> None:
    ours = Document.from_text("file:///t.py", "python", 1, initial)
    theirs = TextDocument(
        "file:///t.py", initial, 1, "python", position_codec=PositionCodec(ENCODINGS[encoding])
    )
    for new_text, seed in edits:
        rng = random.Random(seed)
        source = theirs.source
        start = pick_position(rng, source, encoding)
        end = pick_position(rng, source, encoding)
        if end < start:
            start, end = end, start
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=types.Position(line=start[0], character=start[1]),
                end=types.Position(line=end[0], character=end[1]),
            ),
            text=new_text,
        )
        theirs.apply_change(change)
        ours.apply_change(start, end, new_text, encoding)
        assert ours.text == theirs.source
        # Line structure too: the next edit's positions are counted in lines.
        assert ours.lines == pygls_lines(theirs.source)


@settings(max_examples=500, deadline=None)
@given(
    text=text_st,
    line=st.integers(-(2**40), 2**40),
    column=st.integers(-(2**40), 2**40),
    encoding=st.sampled_from(sorted(ENCODINGS)),
)
def test_clamp_never_raises(text: str, line: int, column: int, encoding: str) -> None:
    doc = Document.from_text("file:///t.py", "python", 1, text)
    at_line, index = doc.clamp(line, column, encoding)
    assert 0 <= at_line < doc.line_count
    assert 0 <= index <= len(line_content(doc.lines[at_line]))
    # And what the server does next with a clamped position never raises either.
    doc.position_of(at_line, index, encoding)
    window = cursor_window(doc, at_line, index, 64, 32)
    assert window.prefix.endswith(window.line_before[-64:] if window.line_before else "")


@settings(max_examples=200, deadline=None)
@given(
    text=text_st,
    start=st.tuples(st.integers(-5, 50), st.integers(-5, 50)),
    end=st.tuples(st.integers(-5, 50), st.integers(-5, 50)),
    new_text=text_st,
    encoding=st.sampled_from(sorted(ENCODINGS)),
)
def test_any_range_edit_never_raises(text, start, end, new_text, encoding) -> None:
    """Out-of-range or reversed ranges (a confused client) are clamped, never an exception."""
    doc = Document.from_text("file:///t.py", "python", 1, text)
    doc.apply_change(start, end, new_text, encoding)
    assert doc.lines == pygls_lines(doc.text)


def test_lone_cr_joins_an_lf_typed_at_the_next_line_start() -> None:
    """Found by the property test: "a\\r" + "\\n" at the start of the next line is one CRLF
    line, as pygls (and LSP) count it."""
    doc = Document.from_text("file:///t.py", "python", 1, "a\rb")
    doc.apply_change((1, 0), (1, 1), "\n", UTF16)
    assert doc.lines == ["a\r\n", ""]
    doc = Document.from_text("file:///t.py", "python", 1, "a\rb\nc")
    doc.apply_change((1, 0), (1, 1), "", UTF16)  # delete "b": "a\r\nc"
    assert doc.lines == ["a\r\n", "c"]
