"""Cross-file context: the snippets of other open documents most like the code at the cursor.

Each other document is cut into overlapping windows of lines, indexed once per version by the
identifiers they use (an inverted index), so a request scores windows by Jaccard similarity at a
cost that grows with the query's identifiers, not with the size of the other files.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain

from codestral_ls.documents import Document

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
WINDOW_LINES = 16
STRIDE = 8
QUERY_LINES = 24
MIN_SCORE = 0.12
# Identifiers in more than this share of a document's windows say nothing about similarity.
COMMON_SHARE = 0.5


@dataclass
class _DocIndex:
    edits: int
    windows: list[tuple[int, int]] = field(default_factory=list)  # (first line, line count)
    sizes: list[int] = field(default_factory=list)  # distinct identifiers per window
    chars: list[int] = field(default_factory=list)  # length of the window's text in a block
    postings: dict[str, list[int]] = field(default_factory=dict)


class SnippetIndex:
    """Per-document window indexes, rebuilt only when that document has changed."""

    def __init__(self) -> None:
        self._docs: dict[str, _DocIndex] = {}

    def index(self, doc: Document) -> _DocIndex:
        cached = self._docs.get(doc.uri)
        if cached is not None and cached.edits == doc.edits:
            return cached
        built = _DocIndex(doc.edits)
        lines = doc.lines
        for first in range(0, max(1, len(lines) - STRIDE), STRIDE):
            text = "".join(lines[first : first + WINDOW_LINES])
            ids = set(_IDENT.findall(text))
            if not ids:
                continue
            slot = len(built.windows)
            built.windows.append((first, min(WINDOW_LINES, len(lines) - first)))
            built.sizes.append(len(ids))
            built.chars.append(len(text.rstrip("\n")) + 1)
            for ident in ids:
                built.postings.setdefault(ident, []).append(slot)
        limit = max(2, int(COMMON_SHARE * len(built.windows)))
        built.postings = {k: v for k, v in built.postings.items() if len(v) <= limit}
        self._docs[doc.uri] = built
        return built

    def forget(self, uri: str) -> None:
        self._docs.pop(uri, None)


def _query_ids(doc: Document, line: int) -> set[str]:
    first = max(0, line - QUERY_LINES)
    return set(_IDENT.findall("".join(doc.lines[first : line + 1])))


def similar_windows(
    doc: Document, line: int, others: Iterable[Document], index: SnippetIndex
) -> list[tuple[float, Document, int, int, int]]:
    """(score, document, first line, line count, characters) of the windows of ``others`` most
    like the code at the cursor, best first."""
    query = _query_ids(doc, line)
    if not query:
        return []
    scored: list[tuple[float, Document, int, int, int]] = []
    # score >= MIN_SCORE needs common >= MIN_SCORE * (len(query) + size) / (1 + MIN_SCORE), so
    # at least this many (less a rounding margin): most windows are dropped before the division
    need = MIN_SCORE * len(query) / (1 + MIN_SCORE) - 1e-9
    for other in others:
        built = index.index(other)
        postings = built.postings
        # counted in C (Counter over one chained iterable): a Python loop per posting costs 5x
        overlap = Counter(chain.from_iterable(postings.get(ident, ()) for ident in query))
        for slot, common in overlap.items():
            if common < need:
                continue
            score = common / (len(query) + built.sizes[slot] - common)
            if score >= MIN_SCORE:
                first, count = built.windows[slot]
                scored.append((score, other, first, count, built.chars[slot]))
    scored.sort(key=lambda item: item[0], reverse=True)
    return scored


def gather_snippets(
    doc: Document,
    line: int,
    others: Iterable[Document],
    path_of: Callable[[str], str],
    budget: int,
    index: SnippetIndex,
) -> str:
    """Best windows from ``others`` as ``+++++ path`` blocks, ending with the current file's
    header, within ``budget`` characters; "" when nothing is similar enough."""
    if budget <= 0:
        return ""
    scored = similar_windows(doc, line, others, index)
    if not scored:
        return ""
    blocks: list[str] = []
    used = 0
    taken: set[tuple[str, int]] = set()
    paths: dict[str, str] = {}
    for _score, other, first, count, chars in scored:
        # Overlapping windows of one file would repeat lines; keep the best of neighbours.
        if (other.uri, first // WINDOW_LINES) in taken:
            continue
        path = paths.get(other.uri)
        if path is None:
            path = paths[other.uri] = path_of(other.uri)
        # sized before it is built: most candidates no longer fit once the budget is spent
        if used + len(path) + 7 + chars > budget:
            continue
        text = "".join(other.lines[first : first + count]).rstrip("\n") + "\n"
        block = f"+++++ {path}\n{text}"
        taken.add((other.uri, first // WINDOW_LINES))
        blocks.append(block)
        used += len(block)
    if not blocks:
        return ""
    return "".join(blocks) + f"+++++ {path_of(doc.uri)}\n"


def query_identifiers(doc: Document, line: int) -> set[str]:
    """The identifiers of the lines before the cursor that similarity is measured on."""
    return _query_ids(doc, line)
