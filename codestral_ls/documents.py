"""Open documents: a list of lines per document, edited in place.

pygls' TextDocument rebuilds the whole text on every change (102-340 ms per one-character edit
on a 10 MB file, tests/bench/bench_documents.py); here an incremental edit touches only the lines
it spans, and a position is converted on its own line only, so per-keystroke cost grows with the
edit, not the document.

Lines keep their line ending ("\\n", "\\r\\n" or "\\r": the only breaks LSP knows); the last line
has none, so a document always has at least one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def split_lines(text: str) -> list[str]:
    lines = _LINE.findall(text)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def line_content(line: str) -> str:
    """The line without its ending."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def _units(ch: str, encoding: str) -> int:
    code = ord(ch)
    if encoding == UTF16:
        return 2 if code > 0xFFFF else 1
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 1


def column_to_index(text: str, column: int, encoding: str) -> int:
    """A column in the client's code units -> an index into ``text`` (one line, no ending).

    Past the end clamps to the end; a column inside a character (half a surrogate pair, the middle
    of a UTF-8 sequence) rounds up to that character's end, as pygls does.
    """
    if column <= 0:
        return 0
    if encoding == UTF32 or text.isascii():
        return min(column, len(text))
    units = 0
    for index, ch in enumerate(text):
        units += _units(ch, encoding)
        if units >= column:
            return index + 1
    return len(text)


def index_to_column(text: str, index: int, encoding: str) -> int:
    """An index into ``text`` -> a column in the client's code units."""
    if encoding == UTF32 or text.isascii():
        return index
    head = text[:index]
    if encoding == UTF16:
        return len(head) + sum(1 for ch in head if ord(ch) > 0xFFFF)
    return len(head.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Change:
    """One content change: a range as (line, column) in the client's units, or None for the
    whole text."""

    start: tuple[int, int] | None
    end: tuple[int, int] | None
    text: str


@dataclass
class Document:
    uri: str
    language_id: str
    version: int
    lines: list[str] = field(default_factory=lambda: [""])
    # Bumped on every edit: cheap identity for "has anything changed" checks.
    edits: int = 0
    # The file's path on disk, when the URI names one (worked out by whoever opened it).
    path: str | None = None

    @classmethod
    def from_text(
        cls, uri: str, language_id: str, version: int, text: str, path: str | None = None
    ) -> Document:
        return cls(uri, language_id, version, split_lines(text), path=path)

    @property
    def text(self) -> str:
        """The whole text. O(document): never on the keystroke path."""
        return "".join(self.lines)

    @property
    def line_count(self) -> int:
        return len(self.lines)

    def clamp(self, line: int, column: int, encoding: str) -> tuple[int, int]:
        """(line, column) in code units -> (line, index) inside the document, clamped."""
        if line < 0:
            return 0, 0
        if line >= len(self.lines):
            last = len(self.lines) - 1
            return last, len(line_content(self.lines[last]))
        return line, column_to_index(line_content(self.lines[line]), column, encoding)

    def apply_change(
        self,
        start: tuple[int, int] | None,
        end: tuple[int, int] | None,
        new_text: str,
        encoding: str,
    ) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """Apply one content change; ``start``/``end`` are (line, column) or None for full text.
        Returns the replaced span as (line, index) pairs in the text before the edit (None for
        a full-text change), for whoever follows positions across edits."""
        self.edits += 1
        if start is None or end is None:
            self.lines = split_lines(new_text)
            return None
        s_line, s_index = self.clamp(*start, encoding)
        e_line, e_index = self.clamp(*end, encoding)
        if (e_line, e_index) < (s_line, s_index):
            s_line, s_index, e_line, e_index = e_line, e_index, s_line, s_index
        span = (s_line, s_index), (e_line, e_index)
        head = self.lines[s_line][:s_index]
        if not head and s_line > 0 and self.lines[s_line - 1].endswith("\r"):
            # A lone CR ending the line before joins an LF this edit may bring to the line
            # start ("a\r" + "\n..." is one "a\r\n" line): re-split that line too.
            s_line -= 1
            head = self.lines[s_line]
        tail = self.lines[e_line][e_index:]
        replacement = split_lines(head + new_text + tail)
        if e_line + 1 < len(self.lines):
            # tail kept this line's break, so split_lines added an empty last piece that is
            # really the start of the following line, which stays as it is.
            replacement.pop()
        self.lines[s_line : e_line + 1] = replacement
        return span

    def text_between(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """The text from ``start`` to ``end``, both (line, index) inside the document."""
        (s_line, s_index), (e_line, e_index) = sorted((start, end))
        if s_line == e_line:
            return line_content(self.lines[s_line])[s_index:e_index]
        return (
            self.lines[s_line][s_index:]
            + "".join(self.lines[s_line + 1 : e_line])
            + self.lines[e_line][:e_index]
        )

    def position_of(self, line: int, index: int, encoding: str) -> tuple[int, int]:
        """(line, index) -> (line, column) in the client's code units."""
        return line, index_to_column(line_content(self.lines[line]), index, encoding)


class DocumentStore:
    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def open(
        self, uri: str, language_id: str, version: int, text: str, path: str | None = None
    ) -> Document:
        doc = Document.from_text(uri, language_id, version, text, path)
        self._docs[uri] = doc
        return doc

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._docs.values()))

    def __len__(self) -> int:
        return len(self._docs)
