"""The keystroke side of repository context: candidate snippets from each source, with the
value we expect of each, then one prompt header within the cross-file budget.

Sources (each a bounded lookup into what the index prepared):
- definitions of the identifiers used near the cursor: the call the cursor is in first, through
  the file's imports, then a symbol-name lookup;
- the last few edited regions of other open documents;
- lexical similarity windows over open documents and the whole workspace;
- semantic neighbours (embeddings), when enabled, computed off the keystroke path.

Assembly orders snippets by expected value, gives each source its share of the budget first and
the leftover to the best of the rest, and puts the most valuable nearest the cursor.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from codestral_ls.crossfile import SnippetIndex, query_identifiers, similar_windows
from codestral_ls.documents import Document, line_content
from codestral_ls.privacy import is_secret_file
from codestral_ls.workspace.files import language_of
from codestral_ls.workspace.imports import Import, head, parse_imports
from codestral_ls.workspace.index import WorkspaceIndex

Source = str  # "definition" | "edit" | "similar" | "semantic"
# Share of the budget each source may take before the leftover is handed out by value.
SHARES: dict[Source, float] = {"definition": 0.6, "edit": 0.25, "similar": 0.4, "semantic": 0.3}
NEAR_LINES = 8
MAX_NAMES = 10
GLOBAL_DEFINITIONS = 24  # a name defined more often than this is too common to guess from
PER_NAME = 2
MAX_DEFINITION_CHARS = 700
EDIT_LINES_BEFORE, EDIT_LINES_AFTER = 3, 6
KEPT_EDITS = 16
USED_EDITS = 4
MIN_SIMILARITY = 0.12
SIMILAR_CANDIDATES = 24

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_CALLEE = re.compile(r"([A-Za-z_$][\w$]*)\s*(?:<[^<>()]*>)?\s*$")
_QUALIFIER = re.compile(r"([A-Za-z_$][\w$]*)\s*(?:\.|::|->)\s*$")
_KEYWORDS = frozenset(
    """and as assert async await break case catch class const continue def default del do elif
    else except export extends false finally for from func function go if impl import in
    instanceof interface is lambda let match mod new nil none not null or pass pub raise return
    self static struct super switch this throw true try type typeof use var void while with
    yield None True False print len str int float bool list dict set tuple range object string
    number any unknown boolean println fmt err ctx string_ Some Ok Err Self mut ref fn
    """.split()  # noqa: SIM905
)  # fmt: skip


@dataclass(frozen=True)
class Snippet:
    source: Source
    value: float  # expected value: higher is more likely to help
    path: str  # shown in the +++++ header
    text: str
    key: tuple[str, int, int]  # (path, first line, last line) for overlap checks


# --- identifiers near the cursor ----------------------------------------------------------


def near_names(doc: Document, line: int, index: int) -> list[tuple[str, str | None]]:
    """(name, qualifier) of the identifiers near the cursor, most relevant first: the function
    whose arguments the cursor is in, then the cursor line, then the lines above, nearest first."""
    before = line_content(doc.lines[line])[:index][-400:]
    found: list[tuple[str, str | None]] = []
    seen: set[str] = set()

    def add(name: str, qualifier: str | None) -> None:
        if name not in seen and name not in _KEYWORDS and len(name) > 1:
            seen.add(name)
            found.append((name, qualifier))

    depth = 0
    for at in range(len(before) - 1, -1, -1):  # the innermost open call on this line
        ch = before[at]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch == "(":
                    callee = _CALLEE.search(before[:at])
                    if callee:
                        qual = _QUALIFIER.search(before[: callee.start()])
                        add(callee.group(1), qual.group(1) if qual else None)
                break
            depth -= 1
    lines = [before] + [doc.lines[n] for n in range(line - 1, max(-1, line - NEAR_LINES), -1)]
    for text in lines:
        for match in reversed(list(_IDENT.finditer(text))):
            qual = _QUALIFIER.search(text[: match.start()])
            add(match.group(), qual.group(1) if qual else None)
            if len(found) >= MAX_NAMES:
                return found
    return found


# --- imports, resolved against the index ----------------------------------------------------


@dataclass
class Resolved:
    files: list[int]  # every workspace file the document imports
    names: dict[str, tuple[str, list[int]]]  # local name -> (name in the target, its files)
    aliases: dict[str, list[int]]  # module alias -> its files


def _resolve_one(imp: Import, index: WorkspaceIndex) -> list[int]:
    for key in imp.keys:
        ids = index.files_for(("dir:" if imp.folder else "") + key)
        if imp.exact:
            ids = [i for i in ids if _display(index, i).startswith(key)]
        if ids:
            return ids
    return []


def _display(index: WorkspaceIndex, file_id: int) -> str:
    return index.display(file_id)


def resolve_imports(imports: list[Import], index: WorkspaceIndex) -> Resolved:
    resolved = Resolved([], {}, {})
    seen: set[int] = set()
    for imp in imports[:200]:
        ids = _resolve_one(imp, index)
        if not ids:
            continue
        for i in ids:
            if i not in seen:
                seen.add(i)
                resolved.files.append(i)
        for local, orig in imp.names:
            resolved.names.setdefault(local, (orig, ids))
        if imp.alias:
            resolved.aliases.setdefault(imp.alias, ids)
    return resolved


class ImportCache:
    """A document's resolved imports, recomputed only when its head or the index changed."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[int, int, Resolved]] = {}

    def get(self, doc: Document, display: str, index: WorkspaceIndex, generation: int) -> Resolved:
        text = head(doc.lines)
        marker = hash(text)
        cached = self._cache.get(doc.uri)
        if cached is not None and cached[0] == marker and cached[1] == generation:
            return cached[2]
        resolved = resolve_imports(parse_imports(text, _language(doc, display), display), index)
        self._cache[doc.uri] = (marker, generation, resolved)
        return resolved

    def forget(self, uri: str) -> None:
        self._cache.pop(uri, None)


_LANGUAGE_IDS = {"typescriptreact": "typescript", "javascriptreact": "javascript", "c": "c"}


def _language(doc: Document, display: str) -> str:
    return language_of(display) or _LANGUAGE_IDS.get(doc.language_id, doc.language_id)


# --- sources ------------------------------------------------------------------------------


def definition_snippets(
    names: Iterable[tuple[str, str | None]],
    resolved: Resolved,
    index: WorkspaceIndex,
    current: int | None,
    current_display: str,
    limit_chars: int = MAX_DEFINITION_CHARS,
) -> list[Snippet]:
    out: list[Snippet] = []
    imported = set(resolved.files)
    for rank, (name, qualifier) in enumerate(names):
        top = 1.0 if rank == 0 else 0.75 - 0.03 * rank
        picks: list[tuple[float, tuple[int, int, int, str]]] = []
        if qualifier and qualifier in resolved.aliases:
            files = set(resolved.aliases[qualifier])
            picks = [(top, d) for d in index.definitions_named(name) if d[0] in files]
        if not picks and name in resolved.names:
            orig, ids = resolved.names[name]
            files = set(ids)
            picks = [(top, d) for d in index.definitions_named(orig) if d[0] in files]
        everywhere = index.definitions_named(name)
        if not picks and imported:
            picks = [(top * 0.9, d) for d in everywhere if d[0] in imported][:PER_NAME]
        if not picks and len(everywhere) <= GLOBAL_DEFINITIONS:
            ranked = sorted(
                everywhere,
                key=lambda d: -_shared_prefix(_display(index, d[0]), current_display),
            )
            picks = [(top * 0.7, d) for d in ranked[:PER_NAME]]
        for value, (file_id, first, count, _kind) in picks[:PER_NAME]:
            if file_id == current:
                continue
            text = index.text(file_id, first, count)
            if text is None:
                continue
            display = _display(index, file_id)
            out.append(
                Snippet("definition", value, display, _cap(text, limit_chars),
                        (display, first, first + count))
            )  # fmt: skip
    return out


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind("\n") + 1] or cut + "\n"


class RecentEdits:
    """The last few edited places, per document (from didChange): peers show the model what
    the user just changed elsewhere."""

    def __init__(self) -> None:
        self._edits: deque[tuple[str, int]] = deque(maxlen=KEPT_EDITS)

    def note(self, uri: str, line: int) -> None:
        for kept in list(self._edits):
            if kept[0] == uri and abs(kept[1] - line) <= EDIT_LINES_AFTER:
                self._edits.remove(kept)
        self._edits.append((uri, line))

    def forget(self, uri: str) -> None:
        for kept in [e for e in self._edits if e[0] == uri]:
            self._edits.remove(kept)

    def snippets(
        self,
        current: str,
        document: Callable[[str], Document | None],
        path_of: Callable[[str], str],
    ) -> list[Snippet]:
        out: list[Snippet] = []
        for uri, line in reversed(self._edits):
            if uri == current:
                continue
            doc = document(uri)
            if doc is None or line >= len(doc.lines):
                continue
            first = max(0, line - EDIT_LINES_BEFORE)
            last = min(len(doc.lines), line + EDIT_LINES_AFTER)
            text = "".join(doc.lines[first:last]).rstrip("\n") + "\n"
            if not text.strip():
                continue
            value = 0.55 - 0.05 * len(out)
            path = path_of(uri)
            out.append(Snippet("edit", value, path, text, (path, first, last)))
            if len(out) >= USED_EDITS:
                break
        return out


def similar_snippets(
    doc: Document,
    line: int,
    others: list[Document],
    open_index: SnippetIndex,
    index: WorkspaceIndex | None,
    path_of: Callable[[str], str],
    skip_files: set[int],
) -> list[Snippet]:
    out: list[Snippet] = []
    for score, other, first, count, _chars in similar_windows(doc, line, others, open_index)[
        :SIMILAR_CANDIDATES
    ]:
        path = path_of(other.uri)
        text = "".join(other.lines[first : first + count]).rstrip("\n") + "\n"
        out.append(Snippet("similar", 0.2 + 0.5 * score, path, text, (path, first, first + count)))
    if index is not None and len(index):
        query = query_identifiers(doc, line)
        for score, file_id, first, count in index.similar(
            query, skip_files, MIN_SIMILARITY, SIMILAR_CANDIDATES
        ):
            found = index.text(file_id, first, count)
            if found is None:
                continue
            path = _display(index, file_id)
            out.append(
                Snippet("similar", 0.2 + 0.5 * score, path, found, (path, first, first + count))
            )
    return out


# --- assembly -----------------------------------------------------------------------------


def assemble(
    candidates: list[Snippet], budget: int, current_path: str, exclude: tuple[str, ...]
) -> str:
    """``+++++ path`` blocks within ``budget`` characters, the most valuable last (nearest the
    cursor), then the current file's header; "" when there is nothing to add."""
    ranked = sorted(candidates, key=lambda s: s.value, reverse=True)
    spent: dict[Source, int] = {}
    taken: list[Snippet] = []
    used = 0

    def overlaps(s: Snippet) -> bool:
        path, first, last = s.key
        return any(t.key[0] == path and first < t.key[2] and t.key[1] < last for t in taken)

    for second_pass in (False, True):
        for s in ranked:
            if s in taken or used >= budget:
                continue
            size = len(s.path) + 7 + len(s.text)
            share = int(SHARES.get(s.source, 0.3) * budget)
            if used + size > budget or (not second_pass and spent.get(s.source, 0) + size > share):
                continue
            if overlaps(s) or is_secret_file(s.path, exclude):
                continue
            taken.append(s)
            used += size
            spent[s.source] = spent.get(s.source, 0) + size
    if not taken:
        return ""
    taken.sort(key=lambda s: s.value)
    return "".join(f"+++++ {s.path}\n{s.text}" for s in taken) + f"+++++ {current_path}\n"
