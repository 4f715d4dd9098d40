"""Semantic retrieval (``context.embeddings``, off by default): code that means the same as the
code at the cursor, found by embedding (``mistral-embed``) rather than by shared identifiers.

Nothing here runs on the keystroke path but a dictionary lookup:

- **chunks**: once the lexical index is built, every indexed file is cut into blocks of
  ``CHUNK_LINES`` lines (in a worker thread); a block whose content hash is in the store
  (``embedstore.py``) costs nothing; the others are embedded in batches of ``BATCH`` while the
  user is idle (no keystroke for ``IDLE_SECONDS``), at most ``BATCHES_PER_MINUTE``, and saved;
- **the query**: a keystroke looks up the neighbours already found for the code above the
  cursor. When there are none yet it schedules, once the cursor has settled for
  ``SETTLE_SECONDS``, one embeddings call for that code and a nearest-neighbour search over the
  store, and goes on without them: the *next* request there gets them. Until then the
  document's latest neighbours near that line stand in. A completion never waits on the
  embeddings endpoint;
- **failures**: an embeddings call that fails or is slow pauses this source (backoff, one
  message per cause); completions go on with the context they have.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from codestral_ls.backoff import Backoff
from codestral_ls.documents import Document
from codestral_ls.messages import cause_key
from codestral_ls.settings import Settings
from codestral_ls.upstream import Embeddings, UpstreamError
from codestral_ls.workspace.embedstore import EmbeddingStore, key_of, store_path
from codestral_ls.workspace.index import WorkspaceIndex
from codestral_ls.workspace.retrieve import Snippet

log = logging.getLogger(__name__)

Embed = Callable[[list[str], str], Awaitable[Embeddings]]
Tell = Callable[[str], None]
SemanticState = Literal["off", "waiting", "embedding", "ready", "paused"]

CHUNK_LINES = 24
MIN_CHUNK_CHARS = 40
MAX_CHUNK_CHARS = 2000
MAX_CHUNKS = 20_000  # beyond this the workspace is only partly embedded (status says so)
BATCH = 16
BATCHES_PER_MINUTE = 30
QUERIES_PER_MINUTE = 30
IDLE_SECONDS = 1.0
SETTLE_SECONDS = 0.3
CALL_TIMEOUT = 30.0
SAVE_EVERY_SECONDS = 10.0
QUERY_LINES = 12
NEIGHBOURS = 4
MIN_COSINE = 0.35
KEPT_QUERIES = 64
NEAR_LINES = 24  # a document's latest neighbours stand in this many lines around their query


@dataclass(frozen=True)
class Chunk:
    path: str
    first: int
    count: int
    key: bytes


def chunk_file(path: str, model: str) -> tuple[list[Chunk], dict[bytes, str]] | None:
    """The file's chunks and their texts (worker thread); None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    lines = text.splitlines(keepends=True)
    chunks: list[Chunk] = []
    texts: dict[bytes, str] = {}
    for first in range(0, len(lines), CHUNK_LINES):
        block = "".join(lines[first : first + CHUNK_LINES])[:MAX_CHUNK_CHARS]
        if len(block.strip()) < MIN_CHUNK_CHARS:
            continue
        key = key_of(block, model)
        chunks.append(Chunk(path, first, min(CHUNK_LINES, len(lines) - first), key))
        texts[key] = block
    return chunks, texts


def _chunk_files(paths: list[str], model: str) -> dict[str, tuple[list[Chunk], dict[bytes, str]]]:
    out = {}
    for path in paths:
        found = chunk_file(path, model)
        if found is not None:
            out[path] = found
    return out


def query_text(doc: Document, line: int, character: int) -> str:
    """What a query embeds: the lines above the cursor and its line up to the cursor."""
    first = max(0, line - QUERY_LINES)
    return "".join(doc.lines[first:line]) + doc.lines[line][:character]


class Rate:
    """At most ``per_minute`` takes in any minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._times: deque[float] = deque()

    def wait(self) -> float:
        now = time.monotonic()
        while self._times and now - self._times[0] >= 60.0:
            self._times.popleft()
        return 0.0 if len(self._times) < self.per_minute else 60.0 - (now - self._times[0])

    def take(self) -> None:
        self._times.append(time.monotonic())


class Semantic:
    def __init__(self, tell: Tell) -> None:
        self._tell = tell
        self._embed: Embed | None = None
        self.enabled = False
        self.model = "mistral-embed"
        self.folders: list[str] = []
        self.state: SemanticState = "off"
        self.store: EmbeddingStore | None = None
        self._index: WorkspaceIndex | None = None
        self._files: dict[str, tuple[int, list[Chunk]]] = {}  # path -> (mtime, chunks)
        self._todo: dict[bytes, Chunk] = {}  # key -> a chunk with that content
        self._table: list[Chunk] = []  # what the search ranks (rebuilt when chunks change)
        self._table_slots: list[int] = []
        self._table_dirty = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._queries: OrderedDict[tuple[str, int], list[tuple[float, Chunk]]] = OrderedDict()
        self._latest: dict[str, tuple[int, list[tuple[float, Chunk]]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._querying: set[tuple[str, int]] = set()
        self._last_activity = 0.0
        self._backoff = Backoff(time.monotonic)
        self._batches = Rate(BATCHES_PER_MINUTE)
        self._query_rate = Rate(QUERIES_PER_MINUTE)
        self._told: set[str] = set()
        self.capped = False
        # status counters
        self.requests = 0
        self.prompt_tokens = 0
        self.total_tokens = 0
        self.embedded = 0  # chunks embedded by calls in this session
        self.store_hits = 0  # chunks found in the store instead
        self.queries = 0
        self.errors = 0
        self.last_error: str | None = None

    # --- life -----------------------------------------------------------------------------

    def attach(self, embed: Embed) -> None:
        self._embed = embed

    def configure(self, settings: Settings, folders: list[str]) -> None:
        ctx = settings.context
        enabled = ctx.embeddings and ctx.workspace and bool(folders)
        model = ctx.embeddings_model
        if (enabled, model, folders) == (self.enabled, self.model, self.folders):
            return
        self.enabled, self.model, self.folders = enabled, model, list(folders)
        self._restart()

    def _restart(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._files.clear()
        self._todo.clear()
        self._queries.clear()
        self._latest.clear()
        self._table_dirty = True
        self.store = None
        if not self.enabled:
            self.state = "off"
            return
        self.state = "waiting"
        self._wake.set()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def index_changed(self, index: WorkspaceIndex, ready: bool) -> None:
        """The lexical index was built or updated: chunks follow once it is ready."""
        self._index = index
        if ready and self.enabled:
            self._wake.set()

    def activity(self) -> None:
        """A keystroke or a request: background embedding waits until the user is idle."""
        self._last_activity = time.monotonic()

    async def aclose(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        if self._task is not None:
            self._task.cancel()
        store = self.store
        if store is not None and store.unsaved:
            await asyncio.to_thread(self._save, store)

    # --- background: chunk, embed, save ---------------------------------------------------

    async def _run(self) -> None:
        store = EmbeddingStore(store_path(self.folders, self.model), self.model)
        problem = await asyncio.to_thread(store.load)
        if problem:
            self._say("store", f"The embeddings store was unusable and starts afresh: {problem}.")
        self.store = store
        saved = time.monotonic()
        while True:
            await self._wake.wait()
            self._wake.clear()
            index = self._index
            if index is None:
                continue
            await self._sync(index, store)
            while self._todo:
                if not await self._ready_to_call():
                    continue
                batch = list(self._todo.values())[:BATCH]
                texts = await asyncio.to_thread(_read_texts, batch, self.model)
                for chunk, text in zip(batch, texts, strict=True):
                    if text is None:  # changed since it was chunked: the next sync redoes it
                        self._todo.pop(chunk.key, None)
                live = [(c, t) for c, t in zip(batch, texts, strict=True) if t is not None]
                if not live:
                    continue
                result = await self._call([t for _, t in live], background=True)
                if result is None:
                    continue
                for (chunk, _text), vector in zip(live, result.vectors, strict=True):
                    store.add(chunk.key, vector)
                    self._todo.pop(chunk.key, None)
                self.embedded += len(live)
                self._table_dirty = True
                if time.monotonic() - saved > SAVE_EVERY_SECONDS:
                    await asyncio.to_thread(self._save, store)
                    saved = time.monotonic()
            if store.unsaved:
                await asyncio.to_thread(self._save, store)
                saved = time.monotonic()
            self.state = "ready"

    async def _ready_to_call(self) -> bool:
        """Wait for idle, the rate limit and the backoff; False: check the queue again."""
        idle = IDLE_SECONDS - (time.monotonic() - self._last_activity)
        wait = max(idle, self._batches.wait(), self._backoff.remaining())
        if wait > 0:
            self.state = "paused" if self._backoff.blocked() else self.state
            await asyncio.sleep(wait)
            return False
        self.state = "embedding"
        self._batches.take()
        return True

    async def _sync(self, index: WorkspaceIndex, store: EmbeddingStore) -> None:
        """Chunk the files that are new or changed since the last sync; forget removed ones."""
        current = {p: index.mtimes[i] for p, i in index.by_path.items()}
        for path in [p for p in self._files if p not in current]:
            del self._files[path]
            self._table_dirty = True
        changed = [p for p, m in current.items() if self._files.get(p, (None,))[0] != m]
        for start in range(0, len(changed), 64):
            part = changed[start : start + 64]
            found = await asyncio.to_thread(_chunk_files, part, self.model)
            for path in part:
                chunks, _texts = found.get(path, ([], {}))
                self._files[path] = (current[path], chunks)
            self._table_dirty = True
        total = 0
        self._todo.clear()
        self.store_hits = 0
        self.capped = False
        for _mtime, chunks in self._files.values():
            for chunk in chunks:
                total += 1
                if total > MAX_CHUNKS:
                    self.capped = True
                    break
                if store.get(chunk.key) is None:
                    self._todo.setdefault(chunk.key, chunk)
                else:
                    self.store_hits += 1
        if self.capped:
            self._say("cap", f"Only the first {MAX_CHUNKS:,} code chunks are embedded.", False)

    def _save(self, store: EmbeddingStore) -> None:
        keep = {c.key for _m, chunks in self._files.values() for c in chunks}
        try:
            store.save(keep)
        except OSError as exc:
            self._say("save", f"Cannot save the embeddings store {store.path}: {exc}.", False)

    async def _call(self, texts: list[str], background: bool) -> Embeddings | None:
        embed = self._embed
        if embed is None:
            return None
        self.requests += 1
        try:
            result = await asyncio.wait_for(embed(texts, self.model), CALL_TIMEOUT)
        except asyncio.TimeoutError:
            self._failed(UpstreamError("timeout", f"no answer in {CALL_TIMEOUT:g} s"))
            return None
        except UpstreamError as exc:
            self._failed(exc)
            return None
        self.prompt_tokens += result.prompt_tokens
        self.total_tokens += result.total_tokens
        self._backoff.succeeded()
        self._told = {t for t in self._told if not t.startswith("failure:")}
        self.last_error = None
        return result

    def _failed(self, error: UpstreamError) -> None:
        self.errors += 1
        self._backoff.failed(error)
        self.state = "paused"
        wait = self._backoff.remaining()
        hint = ""
        if error.kind == "auth":
            hint = (
                " Embeddings need a key valid on the embeddings endpoint (a Mistral API key "
                "for api.mistral.ai; codestral.mistral.ai serves no embeddings)."
            )
        text = (
            f"Semantic context is paused: {self.model} embeddings failed ({error}). "
            f"Completions go on without it; retrying in {wait:g} s.{hint}"
        )
        self.last_error = text
        self._say("failure:" + cause_key(error), text)

    def _say(self, cause: str, text: str, tell: bool = True) -> None:
        if cause in self._told:
            log.info("again: %s", text)
            return
        self._told.add(cause)
        log.warning("%s", text)
        if tell:
            self._tell(text)

    # --- the keystroke: a lookup, and maybe a query scheduled for later --------------------

    def snippets(
        self, doc: Document, line: int, character: int, index: WorkspaceIndex, skip: set[int]
    ) -> list[Snippet]:
        if self.store is None or not len(self.store) or line >= len(doc.lines):
            return []
        text = query_text(doc, line, character)
        if len(text.strip()) < MIN_CHUNK_CHARS:
            return []
        key = (doc.uri, hash(text))
        found = self._queries.get(key)
        if found is None:
            self._schedule(doc.uri, key, text, line, doc.path)
            latest = self._latest.get(doc.uri)
            if latest is None or abs(latest[0] - line) > NEAR_LINES:
                return []
            found = latest[1]
        out: list[Snippet] = []
        for score, chunk in found:
            file_id = index.by_path.get(chunk.path)
            if file_id is None or file_id in skip:
                continue
            snippet = index.text(file_id, chunk.first, chunk.count)
            if snippet is None:
                continue
            display = index.display(file_id)
            key3 = (display, chunk.first, chunk.first + chunk.count)
            out.append(Snippet("semantic", 0.15 + 0.5 * score, display, snippet, key3))
        return out

    def _schedule(
        self, uri: str, key: tuple[str, int], text: str, line: int, own: str | None
    ) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if key in self._querying or self._backoff.blocked():
            return
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(
            SETTLE_SECONDS, lambda: loop.create_task(self._query(uri, key, text, line, own))
        )

    async def _query(
        self, uri: str, key: tuple[str, int], text: str, line: int, own: str | None
    ) -> None:
        self._timers.pop(uri, None)
        store = self.store
        if store is None or self._query_rate.wait() > 0 or self._backoff.blocked():
            return
        self._query_rate.take()
        self._querying.add(key)
        try:
            result = await self._call([text], background=False)
            if result is None or store is not self.store:
                return
            table, slots = self._search_table(store)
            ranked = await asyncio.to_thread(store.nearest, result.vectors[0], slots, 12)
            found = [
                (score, table[i])
                for score, i in ranked
                if score >= MIN_COSINE and table[i].path != own
            ][:NEIGHBOURS]
            self._queries[key] = found
            self._queries.move_to_end(key)
            while len(self._queries) > KEPT_QUERIES:
                self._queries.popitem(last=False)
            self._latest[uri] = (line, found)
            # counted once its neighbours are known: status "queries" means answered queries
            self.queries += 1
        finally:
            self._querying.discard(key)

    def _search_table(self, store: EmbeddingStore) -> tuple[list[Chunk], list[int]]:
        if self._table_dirty:
            table, slots = [], []
            for _mtime, chunks in self._files.values():
                for chunk in chunks:
                    slot = store.get(chunk.key)
                    if slot is not None:
                        table.append(chunk)
                        slots.append(slot)
            self._table, self._table_slots = table, slots
            self._table_dirty = False
        return self._table, self._table_slots

    def forget(self, uri: str) -> None:
        self._latest.pop(uri, None)
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    # --- status ---------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        chunks = sum(len(c) for _m, c in self._files.values())
        return {
            "enabled": self.enabled,
            "model": self.model,
            "state": self.state,
            "chunks": min(chunks, MAX_CHUNKS),
            "stored": len(self.store) if self.store is not None else 0,
            "pending": len(self._todo),
            "embedded": self.embedded,
            "storeHits": self.store_hits,
            "requests": self.requests,
            "queries": self.queries,
            "promptTokens": self.prompt_tokens,
            "totalTokens": self.total_tokens,
            "errors": self.errors,
            "lastError": self.last_error,
            "capped": self.capped,
            "store": self.store.path if self.store is not None else None,
        }


def _read_texts(batch: list[Chunk], model: str) -> list[str | None]:
    """Each chunk's text as it is now on disk, None when it no longer hashes to its key."""
    files: dict[str, list[str] | None] = {}
    out: list[str | None] = []
    for chunk in batch:
        if chunk.path not in files:
            try:
                with open(chunk.path, "rb") as f:
                    files[chunk.path] = f.read().decode("utf-8", "replace").splitlines(True)
            except OSError:
                files[chunk.path] = None
        lines = files[chunk.path]
        if lines is None:
            out.append(None)
            continue
        block = "".join(lines[chunk.first : chunk.first + CHUNK_LINES])[:MAX_CHUNK_CHARS]
        out.append(block if key_of(block, model) == chunk.key else None)
    return out
