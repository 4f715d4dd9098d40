"""The workspace index: per file its definitions and identifier windows, merged into maps that
answer a keystroke's questions with bounded lookups.

- ``keys``: path keys (a path without extension and its last few segments; ``dir:`` + folder
  keys) -> files, to resolve imports;
- ``names``: symbol name -> definitions (file, first line, line count);
- windows: ``WINDOW_LINES`` lines every ``STRIDE`` lines, and ``postings``: identifier -> the
  windows using it, in compact arrays. A query skips identifiers used in more than
  ``MAX_POSTINGS`` windows (they say nothing), so its cost is bounded by the query's size,
  never the workspace's.

Text is not kept: a chosen snippet's lines are read from disk (a small LRU of files), and a file
that changed on disk since it was indexed is re-read by the next update, never shown stale.

``parse_file`` is pure and runs in a worker thread; ``add``/``remove`` run on the event loop.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain

from cachetools import LRUCache

from codestral_ls.workspace.files import language_of
from codestral_ls.workspace.symbols import Definition, definitions

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
WINDOW_LINES = 16
STRIDE = 8
MAX_POSTINGS = 400
KEY_SEGMENTS = 4
BINARY_SNIFF = 8192
CACHED_FILES = 48
DEAD = 0xFFFFFFFF
# package entry files: their folder's key names them too
_ENTRY_STEMS = ("__init__", "index", "mod", "lib", "main")


@dataclass(frozen=True)
class Parsed:
    """One file, read and parsed (in a worker thread)."""

    path: str  # absolute
    display: str  # relative to the workspace, "/"-separated: shown in prompts, used for keys
    language: str
    mtime_ns: int
    size: int
    digest: str
    definitions: tuple[Definition, ...]
    windows: tuple[tuple[int, int, frozenset[str]], ...]  # (first line, count, identifiers)


@dataclass(frozen=True)
class Skipped:
    cause: str  # "too_large" | "binary" | "unreadable" | "gone"
    path: str


@dataclass(frozen=True)
class FileEntry:
    """What a keystroke needs to know of an indexed file (built on demand)."""

    path: str
    display: str
    mtime_ns: int
    size: int


def parse_file(path: str, display: str, max_bytes: int) -> Parsed | Skipped:
    """Read and parse one file; never raises for a file that vanished or cannot be read."""
    language = language_of(display)
    if language is None:
        return Skipped("unsupported", path)
    try:
        info = os.stat(path)
        if info.st_size > max_bytes:
            return Skipped("too_large", path)
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        return Skipped("gone", path)
    except OSError:
        return Skipped("unreadable", path)
    if len(raw) > max_bytes:
        return Skipped("too_large", path)  # grew while we looked
    if b"\0" in raw[:BINARY_SNIFF]:
        return Skipped("binary", path)
    text = raw.decode("utf-8", "replace")  # non-UTF-8 bytes become U+FFFD, never an error
    lines = text.splitlines(keepends=True)
    windows: list[tuple[int, int, frozenset[str]]] = []
    seen: Counter[str] = Counter()
    for first in range(0, max(1, len(lines) - STRIDE), STRIDE):
        ids = frozenset(IDENT.findall("".join(lines[first : first + WINDOW_LINES])))
        if ids:
            windows.append((first, min(WINDOW_LINES, len(lines) - first), ids))
            seen.update(ids)
    # identifiers in more than half of a file's windows say nothing about similarity
    limit = max(2, len(windows) // 2)
    common = {k for k, v in seen.items() if v > limit}
    if common:
        windows = [(f, c, ids - common) for f, c, ids in windows]
    return Parsed(
        path,
        display,
        language,
        info.st_mtime_ns,
        len(raw),
        hashlib.blake2b(raw, digest_size=16).hexdigest(),
        tuple(definitions(lines, language)),
        tuple(windows),
    )


def path_keys(display: str) -> list[str]:
    """The keys an import may use to name this file."""
    stem = os.path.splitext(display)[0]
    parts = stem.split("/")
    keys = {stem, *("/".join(parts[-n:]) for n in range(1, min(KEY_SEGMENTS, len(parts)) + 1))}
    folder = parts[:-1]
    if parts[-1] in _ENTRY_STEMS and folder:
        keys.add("/".join(folder))
        keys.update("/".join(folder[-n:]) for n in range(1, min(KEY_SEGMENTS, len(folder)) + 1))
    if folder:
        keys.add("dir:" + "/".join(folder))
        keys.update(
            "dir:" + "/".join(folder[-n:]) for n in range(1, min(KEY_SEGMENTS, len(folder)) + 1)
        )
    return sorted(keys)


class WorkspaceIndex:
    """Columns of arrays and tuples rather than an object per file, definition or window: a
    10,000-file index is then a few hundred thousand untracked values, so the garbage
    collector's full passes (which would stall the event loop for 100+ ms) stay short."""

    def __init__(self) -> None:
        # per file id (None / 0 for a freed slot)
        self.paths: list[str | None] = []
        self.displays: list[str] = []
        self.mtimes = array("q")
        self.sizes = array("q")
        self.file_keys: list[tuple[str, ...]] = []
        self.file_names: list[tuple[str, ...]] = []
        self.file_windows: list[tuple[int, int]] = []  # [start, end) of its window slots
        self.by_path: dict[str, int] = {}
        self.keys: dict[str, bytes] = {}
        # definitions: name -> packed (file id, line, count, kind) rows in ``defs``
        self.names: dict[str, bytes] = {}
        self.def_file = array("I")
        self.def_line = array("I")
        self.def_count = array("H")
        self.def_kind = array("B")
        self.win_file = array("I")
        self.win_line = array("I")
        self.win_count = array("H")
        self.win_size = array("H")
        self.postings: dict[str, bytes] = {}
        self.definition_count = 0
        self._lines: LRUCache[int, list[str]] = LRUCache(maxsize=CACHED_FILES)
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self.by_path)

    # --- updates (event loop) -------------------------------------------------------------

    def add(self, parsed: Parsed) -> None:
        self.remove(parsed.path)
        keys = tuple(path_keys(parsed.display))
        names = tuple(d.name for d in parsed.definitions)
        if self._free:
            file_id = self._free.pop()
            self.paths[file_id] = parsed.path
            self.displays[file_id] = parsed.display
            self.mtimes[file_id] = parsed.mtime_ns
            self.sizes[file_id] = parsed.size
            self.file_keys[file_id] = keys
            self.file_names[file_id] = names
        else:
            file_id = len(self.paths)
            self.paths.append(parsed.path)
            self.displays.append(parsed.display)
            self.mtimes.append(parsed.mtime_ns)
            self.sizes.append(parsed.size)
            self.file_keys.append(keys)
            self.file_names.append(names)
            self.file_windows.append((0, 0))
        self.by_path[parsed.path] = file_id
        for key in keys:
            _append(self.keys, key, file_id)
        for d in parsed.definitions:
            row = len(self.def_file)
            self.def_file.append(file_id)
            self.def_line.append(d.line)
            self.def_count.append(min(d.count, 0xFFFF))
            self.def_kind.append(KINDS.get(d.kind, 2))
            _append(self.names, d.name, row)
        self.definition_count += len(parsed.definitions)
        first_slot = len(self.win_file)
        for first, count, ids in parsed.windows:
            slot = len(self.win_file)
            self.win_file.append(file_id)
            self.win_line.append(first)
            self.win_count.append(count)
            self.win_size.append(min(len(ids), 0xFFFF))
            for ident in ids:
                _append(self.postings, ident, slot, MAX_POSTINGS)
        self.file_windows[file_id] = (first_slot, len(self.win_file))

    def remove(self, path: str) -> bool:
        file_id = self.by_path.pop(path, None)
        if file_id is None:
            return False
        self.paths[file_id] = None
        self._lines.pop(file_id, None)
        for key in self.file_keys[file_id]:
            column = self.keys.get(key)
            if column is not None:
                kept = _without(column, lambda i: i != file_id)
                if kept:
                    self.keys[key] = kept
                else:
                    del self.keys[key]
        for name in set(self.file_names[file_id]):
            rows = self.names.get(name)
            if rows is not None:
                kept = _without(rows, lambda r: self.def_file[r] != file_id)
                if kept:
                    self.names[name] = kept
                else:
                    del self.names[name]
        self.definition_count -= len(self.file_names[file_id])
        start, end = self.file_windows[file_id]
        for slot in range(start, end):
            self.win_file[slot] = DEAD  # its postings are skipped from now on
        self.file_keys[file_id] = ()
        self.file_names[file_id] = ()
        self.file_windows[file_id] = (0, 0)
        self._free.append(file_id)
        return True

    # --- keystroke lookups (bounded) ------------------------------------------------------

    def file_id(self, path: str | None) -> int | None:
        return self.by_path.get(path) if path else None

    def entry(self, file_id: int) -> FileEntry | None:
        if not 0 <= file_id < len(self.paths):
            return None
        path = self.paths[file_id]
        if path is None:
            return None
        return FileEntry(path, self.displays[file_id], self.mtimes[file_id], self.sizes[file_id])

    def display(self, file_id: int) -> str:
        return self.displays[file_id] if self.paths[file_id] is not None else ""

    def files_for(self, key: str, limit: int = 16) -> list[int]:
        column = self.keys.get(key)
        return list(ids(column)[:limit]) if column is not None else []

    def definitions_named(self, name: str) -> list[tuple[int, int, int, str]]:
        """(file id, first line, line count, kind) of every definition of ``name``."""
        rows = self.names.get(name)
        if rows is None:
            return []
        return [
            (self.def_file[r], self.def_line[r], self.def_count[r], KIND_NAMES[self.def_kind[r]])
            for r in ids(rows)
        ]

    def similar(
        self, query: set[str], skip_files: set[int], min_score: float, limit: int
    ) -> list[tuple[float, int, int, int]]:
        """(score, file id, first line, count) of the windows most like ``query`` (Jaccard)."""
        lists: list[Iterable[int]] = []
        for ident in query:
            posting = self.postings.get(ident)
            if posting is not None and len(posting) <= MAX_POSTINGS * 4:
                lists.append(ids(posting))
        if not lists:
            return []
        overlap = Counter(chain.from_iterable(lists))
        need = min_score * len(query) / (1 + min_score) - 1e-9
        found: list[tuple[float, int, int, int]] = []
        for slot, common in overlap.items():
            if common < need:
                continue
            file_id = self.win_file[slot]
            if file_id == DEAD or file_id in skip_files:
                continue
            score = common / (len(query) + self.win_size[slot] - common)
            if score >= min_score:
                found.append((score, file_id, self.win_line[slot], self.win_count[slot]))
        found.sort(reverse=True)
        return found[:limit]

    def lines(self, file_id: int) -> list[str] | None:
        """The file's lines as indexed; None when it is gone or changed on disk since (the
        watcher or the next save re-indexes it)."""
        cached = self._lines.get(file_id)
        if cached is not None:
            return cached
        entry = self.entry(file_id)
        if entry is None:
            return None
        try:
            info = os.stat(entry.path)
            if info.st_mtime_ns != entry.mtime_ns or info.st_size != entry.size:
                return None
            with open(entry.path, "rb") as f:
                raw = f.read(entry.size + 1)
        except OSError:
            return None
        lines = raw.decode("utf-8", "replace").splitlines(keepends=True)
        self._lines[file_id] = lines
        return lines

    def text(self, file_id: int, first: int, count: int) -> str | None:
        lines = self.lines(file_id)
        if lines is None or first >= len(lines):
            return None
        return "".join(lines[first : first + count]).rstrip("\n") + "\n"


KINDS = {"function": 0, "class": 1, "other": 2}
KIND_NAMES = ("function", "class", "other")


# Columns of ids are packed into bytes: unlike lists and arrays, bytes are not tracked by the
# garbage collector (100,000+ arrays made each full collection cost 80 ms mid-indexing).
_ID = struct.Struct("=I")


def _append(table: dict[str, bytes], key: str, value: int, cap: int = 1 << 30) -> None:
    column = table.get(key)
    if column is None:
        table[key] = _ID.pack(value)
    elif len(column) <= cap * 4:  # past the cap a column is never read: stop growing it
        table[key] = column + _ID.pack(value)


def ids(column: bytes) -> memoryview:
    return memoryview(column).cast("I")


def _without(column: bytes, keep: Callable[[int], bool]) -> bytes:
    return array("I", (i for i in ids(column) if keep(i))).tobytes()
