"""Where the cursor goes in a real file, and which true middle is cut out there.

Every cut keeps ``original == doc[:cursor] + truth + doc[cursor:]``. The kinds are the places
people ask for a completion (the README's "how a completion is made" decides single or multi
there):

- ``blank_line``   an empty line inside a block, the cursor at its indentation; the truth is
                   that line's code and up to 3 more lines of the same block
- ``line_end``     the end of a line whose rest was cut at a token boundary (one line)
- ``mid_line``     inside a line whose closers the editor already inserted (``foo(|)``); the
                   truth stops before them (one line)
- ``after_opener`` the end of a line that opens a block (``def f():``, ``{``, ``then``); the
                   truth is the first 1 to 6 lines of the block's body
- ``open_block``   the end of a definition or statement whose block is not opened yet
                   (``function f() |``): the truth is the whole block, opener to closer

Lines inside multi-line strings and comments only get one-line cuts (completions there are
prose, shown a line at a time). Truths never contain trailing whitespace or two blank lines in
a row (the multi-line stop string), so the truth is always something a correct server can
show unchanged.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from functools import cached_property

from tests.quality.realcode.parsing import tree

KINDS = ("blank_line", "line_end", "mid_line", "after_opener", "open_block")
BRACE_LANGS = frozenset(("javascript", "typescript", "go", "rust", "java", "c", "cpp"))
_PY_BLOCK = re.compile(
    r"(?:async\s+)?(?:def|class|if|elif|else|for|while|try|except|finally|with)\b.*:$"
)
_LUA_BLOCK = re.compile(r".*(?:\bthen|\bdo|\bfunction\b.*\))$")
_LUA_FUNCTION = re.compile(r"(?:local\s+)?function\b.*\)$")
_TRAILING_CLOSERS = re.compile(r"[)\]}'\";,]+$")
_BOUNDARY = re.compile(r"(?<=[ (,=.\[:!])(?=\S)")
_CLOSER_LINE = re.compile(r"^[)\]}]+[;,)]*$|^end[,;)]*$")


@dataclass(frozen=True)
class Cut:
    lang: str
    source: str
    kind: str
    original: str
    start: int  # the cursor, an offset in ``original``
    end: int  # where the true middle ends

    @property
    def truth(self) -> str:
        return self.original[self.start : self.end]

    @property
    def doc(self) -> str:
        return self.original[: self.start] + self.original[self.end :]

    @property
    def prefix(self) -> str:
        return self.original[: self.start]

    @property
    def suffix(self) -> str:
        return self.original[self.end :]

    @property
    def multiline(self) -> bool:
        return "\n" in self.truth.strip("\n") or self.truth.startswith("\n")

    @cached_property
    def id(self) -> str:
        line = self.original.count("\n", 0, self.start) + 1
        return f"{self.lang}:{self.source}:{line}:{self.kind}"


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _opaque_lines(lang: str, text: str) -> set[int]:
    """Rows inside a comment or string that spans lines (docstrings, /** */ blocks, templates)."""
    rows: set[int] = set()
    stack = [tree(lang, text).root_node]
    while stack:
        node = stack.pop()
        if node.start_point[0] == node.end_point[0]:
            continue
        if "comment" in node.type or "string" in node.type:
            rows.update(range(node.start_point[0], node.end_point[0] + 1))
            continue
        stack.extend(node.children)
    return rows


class _Lines:
    def __init__(self, lang: str, text: str) -> None:
        self.lang = lang
        self.text = text
        self.lines = text.split("\n")
        self.offsets = [0]
        for line in self.lines:
            self.offsets.append(self.offsets[-1] + len(line) + 1)
        self.opaque = _opaque_lines(lang, text)

    def clean(self, first: int, last: int) -> bool:
        """Lines first..last (inclusive) make a truth a server can show unchanged (and do not
        end by opening a comment that the suffix goes on with)."""
        if last > first and last in self.opaque and first not in self.opaque:
            return False
        tail = self.lines[last].strip()
        if tail.startswith("/*") and "*/" not in tail:
            return False
        span = self.lines[first : last + 1]
        if any(x != x.rstrip() for x in span) or not span[-1].strip():
            return False
        blanks = [not x.strip() for x in span]
        return not any(a and b for a, b in itertools.pairwise(blanks))

    def block_body(self, opener: int) -> int:
        """The last row of the block opened at the end of row ``opener`` (deeper lines)."""
        base = _indent(self.lines[opener])
        last = opener
        for row in range(opener + 1, len(self.lines)):
            line = self.lines[row]
            if not line.strip():
                continue
            if _indent(line) <= base:
                break
            last = row
        return last


def cuts_for(lang: str, source: str, text: str, rng: random.Random, per_kind: int) -> list[Cut]:
    """Up to ``per_kind`` cuts of each kind in one file, chosen with ``rng``."""
    f = _Lines(lang, text)
    made: list[Cut] = []
    for kind in KINDS:
        rows = list(range(1, len(f.lines) - 1))
        rng.shuffle(rows)
        found = 0
        for row in rows:
            if found >= per_kind:
                break
            span = _cut_at(kind, f, row, rng)
            if span is not None:
                made.append(Cut(lang, source, kind, text, *span))
                found += 1
    return made


def _cut_at(kind: str, f: _Lines, row: int, rng: random.Random) -> tuple[int, int] | None:
    line = f.lines[row]
    content = line.strip()
    if not content or len(content) < 3:
        return None
    opaque = row in f.opaque
    start_of_code = f.offsets[row] + len(line) - len(line.lstrip())
    line_end = f.offsets[row] + len(line)
    if kind == "blank_line":
        if _indent(line) == 0 or _CLOSER_LINE.match(content) or not f.lines[row - 1].strip():
            return None
        last = row
        if not opaque:
            want = rng.choice((0, 0, 1, 2, 3))
            while last < row + want and last + 1 < len(f.lines) - 1:
                nxt = f.lines[last + 1]
                if nxt.strip() and _indent(nxt) < _indent(line):
                    break  # the block ends: the truth stays inside it
                if last + 1 in f.opaque and nxt.strip():
                    break
                last += 1
        while last > row and not f.lines[last].strip():
            last -= 1
        if not f.clean(row, last):
            return None
        return start_of_code, f.offsets[last] + len(f.lines[last])
    if kind == "line_end":
        if line != line.rstrip():
            return None
        body = line[len(line) - len(line.lstrip()) :]
        spots = [m.start() for m in _BOUNDARY.finditer(body) if 2 <= m.start() <= len(body) - 3]
        if not spots:
            return None
        at = rng.choice(spots)
        if _TRAILING_CLOSERS.fullmatch(body[at:]):
            return None
        return start_of_code + at, line_end
    if kind == "mid_line":
        if line != line.rstrip():
            return None
        m = _TRAILING_CLOSERS.search(content)
        if m is None or m.start() < 4:
            return None
        body = content[: m.start()]
        spots = [b.start() for b in _BOUNDARY.finditer(body) if 2 <= b.start() <= len(body) - 2]
        if not spots:
            return None
        at = rng.choice(spots)
        if not _balanced(body[at:]) or body[at:] != body[at:].rstrip():
            return None  # the editor inserted those closers for brackets typed before the cursor
        return start_of_code + at, start_of_code + len(body)
    if opaque:
        return None
    if kind == "after_opener":
        if not _opens_block(f.lang, content):
            return None
        last_body = f.block_body(row)
        if last_body == row:
            return None
        last = min(last_body, row + rng.choice((1, 2, 3, 4, 6)))
        while not f.lines[last].strip():
            last -= 1
        if last == row or not f.clean(row + 1, last) or line != line.rstrip():
            return None
        return line_end, f.offsets[last] + len(f.lines[last])
    if kind == "open_block":
        return _open_block(f, row, line, content)
    raise ValueError(kind)


def _balanced(text: str) -> bool:
    """Brackets closed in order and every quote paired: a middle the user could type between
    closers the editor inserted."""
    stack: list[str] = []
    for c in text:
        if c in "([{":
            stack.append(c)
        elif c in ")]}" and (not stack or "([{"[")]}".index(c)] != stack.pop()):
            return False
    return not stack and all(text.count(q) % 2 == 0 for q in "\"'`")


def _opens_block(lang: str, content: str) -> bool:
    if lang == "python":
        return _PY_BLOCK.match(content) is not None
    if lang == "lua":
        return _LUA_BLOCK.match(content) is not None
    return content.endswith("{")


def _open_block(f: _Lines, row: int, line: str, content: str) -> tuple[int, int] | None:
    """``head {`` + body + ``}`` (or a Lua ``function ...)`` + body + ``end``), 1-8 body lines."""
    if line != line.rstrip():
        return None
    if f.lang in BRACE_LANGS:
        if not content.endswith("{") or len(content) < 6 or content[:-1].strip() in ("", "=", "=>"):
            return None
        close_word = "}"
    elif f.lang == "lua" and _LUA_FUNCTION.match(content):
        close_word = "end"
    else:
        return None
    base = _indent(line)
    for end_row in range(row + 1, min(row + 10, len(f.lines))):
        closing = f.lines[end_row]
        if not closing.strip() or _indent(closing) > base:
            continue
        if _indent(closing) < base or not closing.strip().startswith(close_word):
            return None
        if closing.strip()[len(close_word) :].strip(")];,"):
            return None  # `} else {`, `}[]`: code the user has not typed yet stays after it
        if end_row == row + 1 or not f.clean(row + 1, end_row):
            return None
        start = f.offsets[row] + len(line) - (1 if close_word == "}" else 0)
        if close_word == "}" and line[-2:-1] != " ":
            return None  # `){`: the cursor would sit right after code, an odd place to ask
        at = f.offsets[end_row] + len(closing) - len(closing.lstrip()) + len(close_word)
        return start, at
    return None
