"""The workspace index's life: built in the background after ``initialize`` (file reads and
parsing in a worker thread, merged on the event loop in small batches so no request waits),
kept current by saves and watched-file events, and asked for a prompt header per keystroke.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from itertools import islice
from typing import Any, Literal

from codestral_ls.crossfile import SnippetIndex
from codestral_ls.documents import Document
from codestral_ls.settings import Settings
from codestral_ls.upstream import Embeddings
from codestral_ls.workspace.files import Discovery, discover, is_indexable
from codestral_ls.workspace.index import Parsed, Skipped, WorkspaceIndex, parse_file
from codestral_ls.workspace.retrieve import (
    ImportCache,
    RecentEdits,
    Snippet,
    assemble,
    definition_snippets,
    near_names,
    similar_snippets,
)
from codestral_ls.workspace.semantic import Semantic

log = logging.getLogger(__name__)

IndexState = Literal["off", "waiting", "indexing", "ready"]
BATCH = 16
Tell = Callable[[str], None]


def _parse_batch(batch: list[tuple[str, str]], max_bytes: int) -> list[Parsed | Skipped]:
    return [parse_file(path, display, max_bytes) for path, display in batch]


def _list_files(
    folders: list[str], exclude: tuple[str, ...], limit: int, report: Discovery
) -> list[tuple[str, str]]:
    """(absolute path, display path) of up to ``limit`` + 1 files: one more says the cap hit."""
    found: list[tuple[str, str]] = []
    for n, folder in enumerate(folders):
        prefix = "" if n == 0 else os.path.basename(folder.rstrip("/\\")) + "/"
        for relative in islice(discover(folder, exclude, report), limit + 1 - len(found)):
            found.append((os.path.join(folder, relative), prefix + relative))
        if len(found) > limit:
            break
    return found


class Workspace:
    def __init__(self, tell: Tell) -> None:
        self.index = WorkspaceIndex()
        self.generation = 0
        self.state: IndexState = "waiting"
        self.folders: list[str] = []
        self.imports = ImportCache()
        self.edits = RecentEdits()
        self.skipped: Counter[str] = Counter()
        self.caps: dict[str, str] = {}  # cause -> what the user was told
        self.seconds: float | None = None
        self._tell = tell
        self._task: asyncio.Task[None] | None = None
        self._pending: dict[str, bool] = {}  # path -> exists (updates waiting for the worker)
        self._updater: asyncio.Task[None] | None = None
        self._settings = Settings()
        self._discovery = Discovery()
        self.semantic = Semantic(tell)

    def use_embeddings(self, embed: Callable[[list[str], str], Awaitable[Embeddings]]) -> None:
        """The upstream call semantic retrieval embeds with (``context.embeddings``)."""
        self.semantic.attach(embed)

    # --- life -----------------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        """New settings; the index is rebuilt when what it holds depends on them."""
        old, self._settings = self._settings, settings
        before = (old.context.workspace, old.context.max_files, old.context.max_file_bytes)
        after = (settings.context.workspace, settings.context.max_files,
                 settings.context.max_file_bytes)  # fmt: skip
        changed = before != after or old.completion.exclude != settings.completion.exclude
        if changed and self._task is not None:
            self.start(self.folders)
        elif self._task is not None:
            self.semantic.configure(settings, self.folders)
            self.semantic.index_changed(self.index, ready=self.state == "ready")

    def start(self, folders: Iterable[str]) -> None:
        """(Re)build the index of these folders in the background."""
        self.folders = [f for f in folders if f and os.path.isdir(f)]
        if self._task is not None:
            self._task.cancel()
        self.index = WorkspaceIndex()
        self.generation += 1
        self.skipped.clear()
        self.caps.clear()
        self.semantic.configure(self._settings, self.folders)  # off without index or folders
        if not self._settings.context.workspace:
            self.state = "off"
            return
        if not self.folders:
            self.state = "off"
            self._cap("no_folder", "No workspace folder: context comes from open documents only.")
            return
        self.state = "indexing"
        self._task = asyncio.get_running_loop().create_task(self._build())

    async def _build(self) -> None:
        started = time.monotonic()
        ctx = self._settings.context
        exclude = self._settings.completion.exclude
        report = Discovery()
        files = await asyncio.to_thread(_list_files, self.folders, exclude, ctx.max_files, report)
        self._discovery = report
        if len(files) > ctx.max_files:
            files = files[: ctx.max_files]
            self._cap(
                "max_files",
                f"The workspace has more than {ctx.max_files:,} source files: only the first "
                f"{ctx.max_files:,} are indexed for context (codestral.context.maxFiles).",
                tell=True,
            )
        for start in range(0, len(files), BATCH):
            batch = files[start : start + BATCH]
            results = await asyncio.to_thread(_parse_batch, batch, ctx.max_file_bytes)
            self._merge(results)
            await asyncio.sleep(0)  # let requests in between batches
        self.seconds = round(time.monotonic() - started, 2)
        self.state = "ready"
        log.info("indexed %d files in %.1f s", len(self.index), self.seconds)
        self.semantic.index_changed(self.index, ready=True)

    def _merge(self, results: list[Parsed | Skipped]) -> None:
        for result in results:
            if isinstance(result, Parsed):
                self.index.add(result)
            else:
                self.skipped[result.cause] += 1
                self.index.remove(result.path)
                if result.cause == "too_large":
                    limit = self._settings.context.max_file_bytes
                    self._cap(
                        "max_file_bytes",
                        f"Files over {limit:,} bytes are not indexed "
                        "(codestral.context.maxFileBytes).",
                    )
        self.generation += 1

    def _cap(self, cause: str, message: str, tell: bool = False) -> None:
        if cause in self.caps:
            return
        self.caps[cause] = message
        log.info("%s", message)
        if tell:
            self._tell(message)

    async def aclose(self) -> None:
        for task in (self._task, self._updater):
            if task is not None:
                task.cancel()
        await self.semantic.aclose()

    # --- updates: didSave, watched files ----------------------------------------------------

    def display_of(self, path: str) -> str | None:
        """The path shown for a file inside a workspace folder, else None."""
        normal = path.replace("\\", "/")
        for n, folder in enumerate(self.folders):
            root = folder.replace("\\", "/").rstrip("/")
            if normal.startswith(root + "/"):
                rel = normal[len(root) + 1 :]
                return rel if n == 0 else os.path.basename(root) + "/" + rel
        return None

    def changed(self, paths: Iterable[tuple[str, bool]]) -> None:
        """Files saved, created, changed (True) or deleted (False): re-read in the background."""
        if self.state == "off":
            return
        for path, exists in paths:
            self._pending[path] = exists
        if self._updater is None or self._updater.done():
            self._updater = asyncio.get_running_loop().create_task(self._update())

    async def _update(self) -> None:
        if self._task is not None and not self._task.done():
            await asyncio.shield(self._task)  # the build would overwrite what we read first
        while self._pending:
            pending, self._pending = self._pending, {}
            batch: list[tuple[str, str]] = []
            exclude = self._settings.completion.exclude
            for path, exists in pending.items():
                display = self.display_of(path)
                if not exists or display is None or not is_indexable(display, exclude):
                    if self.index.remove(path):
                        self.generation += 1
                    continue
                batch.append((path, display))
            if batch:
                limit = self._settings.context.max_file_bytes
                self._merge(await asyncio.to_thread(_parse_batch, batch, limit))
            self.semantic.index_changed(self.index, ready=self.state == "ready")

    # --- the keystroke: bounded lookups --------------------------------------------------

    def note_edit(self, uri: str, line: int) -> None:
        self.edits.note(uri, line)
        self.semantic.activity()

    def forget(self, uri: str) -> None:
        self.edits.forget(uri)
        self.imports.forget(uri)
        self.semantic.forget(uri)

    def header(
        self,
        doc: Document,
        line: int,
        character: int,
        budget: int,
        others: list[Document],
        path_of: Callable[[str], str],
        open_index: SnippetIndex,
        extra: list[Snippet] | None = None,
    ) -> str:
        display = path_of(doc.uri)
        index = self.index
        current = index.file_id(doc.path)
        candidates: list[Snippet] = list(extra or [])
        if len(index):
            resolved = self.imports.get(doc, display, index, self.generation)
            names = near_names(doc, line, character)
            candidates += definition_snippets(names, resolved, index, current, display)
        by_uri = {d.uri: d for d in others}
        candidates += self.edits.snippets(doc.uri, by_uri.get, path_of)
        skip = {i for i in (index.file_id(d.path) for d in others) if i is not None}
        if current is not None:
            skip.add(current)
        candidates += similar_snippets(doc, line, others, open_index, index, path_of, skip)
        if self.semantic.enabled:
            self.semantic.activity()
            candidates += self.semantic.snippets(doc, line, character, index, skip)
        return assemble(candidates, budget, display, self._settings.completion.exclude)

    def definitions_for(self, doc: Document, code: str, path_of: Callable[[str], str]) -> str:
        """``+++++ path`` blocks of the definitions ``code`` (a selection of ``doc``) uses."""
        if not len(self.index):
            return ""
        display = path_of(doc.uri)
        resolved = self.imports.get(doc, display, self.index, self.generation)
        counts = Counter(_identifiers(code))
        names = [(n, None) for n, _ in counts.most_common(40)]
        found = definition_snippets(
            names, resolved, self.index, self.index.file_id(doc.path), display, 1200
        )
        text = assemble(found, CHAT_DEFINITION_CHARS, display, self._settings.completion.exclude)
        return text[: text.rfind("+++++ ")] if text else ""  # not the current file's header

    # --- status ---------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "folders": len(self.folders),
            "files": len(self.index),
            "definitions": self.index.definition_count,
            "seconds": self.seconds,
            "skipped": dict(self.skipped)
            | {
                "secret": self._discovery.skipped_secret,
                "symlinkLoops": self._discovery.loops,
                "unreadableFolders": self._discovery.unreadable,
            },
            "caps": list(self.caps.values()),
            "embeddings": self.semantic.status(),
        }


CHAT_DEFINITION_CHARS = 6000


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


def _identifiers(code: str) -> list[str]:
    return [
        m
        for m in _WORD.findall(code[:20_000])
        if m not in ("self", "this", "return", "def", "class", "import", "from")
    ]
