"""The product without the protocol, behind one front door: settings, documents, completion,
chat, status.

The LSP layer (``lsp/``) and the one-shot CLI commands both call the methods of ``Codestral``
and never reach into its parts, so ``codestral-ls complete`` runs exactly the pipeline an editor
gets.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from cachetools import LRUCache

from codestral_ls.chat import chat_request
from codestral_ls.context import BuiltJob, Job, build_job
from codestral_ls.crossfile import SnippetIndex
from codestral_ls.documents import (
    UTF32,
    Change,
    Document,
    DocumentStore,
    column_to_index,
    line_content,
)
from codestral_ls.engine import Engine
from codestral_ls.messages import (
    Level,
    OnceNotifier,
    State,
    StateEvent,
    cause_key,
    describe,
    scrub,
)
from codestral_ls.postprocess import covered_closers
from codestral_ls.privacy import SECRET_FILE_GLOBS, is_secret_file, redact
from codestral_ls.settings import Settings, parse_settings
from codestral_ls.telemetry.hub import Telemetry
from codestral_ls.telemetry.inspector import Trail
from codestral_ls.upstream import FimRequest, Upstream, UpstreamError
from codestral_ls.workspace import Workspace

log = logging.getLogger(__name__)

# settings sources, lowest priority first (defaults lie below them all)
Layer = Literal["file", "init", "client"]
LAYERS: tuple[Layer, ...] = ("file", "init", "client")
RefusalKind = Literal["disabled", "language", "secret_file"]

CHAT_STALL_FACTOR = 5
# Suggestion ids shown to the user, so an accept can be counted; bounded.
SHOWN_LIMIT = 1000
INSPECT_DEFAULT = 10


@dataclass(frozen=True)
class Refusal:
    """Why a document gets no completions: ``kind`` for code, ``message`` for people."""

    kind: RefusalKind
    message: str


@dataclass(frozen=True)
class Suggested:
    """A suggestion to show and the id its accept is reported with."""

    text: str
    id: str
    # Shown before its answer had streamed to the end (early.py): resolves to the whole
    # suggestion once it is known and differs (the client should ask again), else to None.
    growing: asyncio.Future[str | None] | None = None


@dataclass(frozen=True)
class Probe:
    """The result of one small FIM request (``codestral-ls check``)."""

    ok: bool
    milliseconds: float
    message: str


class Codestral:
    def __init__(
        self,
        *,
        notify: Callable[[Level, str], None] = lambda level, text: None,
        on_state: Callable[[State, str], None] = lambda state, message: None,
        env: Mapping[str, str] | None = None,
        one_shot: bool = False,
    ) -> None:
        """``one_shot``: one command-line request, not an editor session: ``notify`` is how the
        user hears of a problem (the log keeps it at debug level, so it is said once), and
        messages leave out what only a session does (completions pausing and resuming)."""
        self.env = os.environ if env is None else env
        self._one_shot = one_shot
        self._documents = DocumentStore()
        self._snippets = SnippetIndex()
        self._workspace = Workspace(lambda text: self.tell("info", text))
        self._upstream = Upstream(self.env)
        self._workspace.use_embeddings(self._upstream.embeddings)
        self._engine = Engine(
            self._upstream, self._failed, self._recovered, lambda s: self._set_state(s)
        )
        self.settings = Settings()
        self._layers: dict[Layer, Any] = {}
        self._root: str | None = None
        self._folders: list[str] = []
        self._notify = notify
        self._on_state = on_state
        self._told = OnceNotifier()
        self._told_settings: set[str] = set()
        self._shown: LRUCache[str, bool] = LRUCache(maxsize=SHOWN_LIMIT)
        self._ids = itertools.count(1)
        self._telemetry = Telemetry(
            self.env, self.tell, self._upstream.feedback, lambda: self._upstream.resolved.route
        )
        self._engine.on_usage = self._telemetry.usage
        self.state: State = "ready"
        self.state_message = ""
        self.last_error: str | None = None

    # --- settings -------------------------------------------------------------------------

    def set_layer(self, name: Layer, raw: Any, *, apply: bool = True) -> None:
        """Set one settings source; ``apply`` False defers the effect (and any message about
        it) to the next ``apply_settings``."""
        self._layers[name] = raw
        if apply:
            self.apply_settings()

    def apply_settings(self) -> None:
        settings = parse_settings(*(self._layers.get(n) for n in LAYERS))
        self.settings = settings
        self._engine.configure(settings)
        self._telemetry.configure(settings)
        self._workspace.configure(settings)
        self._told.reset()
        for problem in settings.problems:
            if problem not in self._told_settings:
                self._told_settings.add(problem)
                self.tell("warning", f"Invalid setting {problem}.")
        route = self._upstream.resolved
        if route.problem:
            self.tell("error", f"Codestral is not configured: {route.problem}.")
        self._set_state(self._resting_state())

    def set_root(self, path: str | None) -> None:
        """The workspace folder: file names sent upstream are relative to it."""
        self._root = path

    def secrets(self) -> list[str]:
        route = self._upstream.resolved
        gw = self.settings.gateway
        return [s for s in (route.provider_key, route.gateway_key, gw.virtual_key) if s]

    def warm_up(self) -> None:
        """Build the HTTP client (imports, TLS context) now, not on the first keystroke."""
        self._upstream.client()

    # --- user-facing messages and state ---------------------------------------------------

    def tell(self, level: Level, text: str) -> None:
        text = scrub(text, self.secrets())
        if self._one_shot:
            log.debug("told: %s", text)
        else:
            getattr(log, "error" if level == "error" else "warning")("%s", text)
        self._notify(level, text)

    def _set_state(self, state: StateEvent, message: str = "") -> None:
        if state == "idle":
            # An abandoned call: back to rest unless a failure is what the user should see.
            if self.state != "working":
                return
            state = self._resting_state()
        if state == self.state and message == self.state_message:
            return
        self.state, self.state_message = state, message
        self._on_state(state, scrub(message, self.secrets()))

    def _resting_state(self) -> State:
        if not self.settings.completion.enable:
            return "disabled"
        if self._upstream.resolved.problem:
            return "error"
        return "ready"

    def _failed(self, error: UpstreamError) -> None:
        self._telemetry.failed(error)
        text = self.describe(error)
        self.last_error = scrub(text, self.secrets())
        self._set_state("rate_limited" if error.kind == "rate_limit" else "error", self.last_error)
        if self._told.first_time(cause_key(error)):
            self.tell("error" if error.kind in ("auth", "config") else "warning", text)
        else:
            log.info("again: %s", scrub(str(error), self.secrets()))

    def _recovered(self) -> None:
        self._told.reset()
        self._set_state(self._resting_state())

    def describe(self, error: UpstreamError) -> str:
        """The cause and the fix of a failure, in one sentence, keys scrubbed."""
        text = describe(error, self._upstream.resolved, self.settings, session=not self._one_shot)
        return scrub(text, self.secrets())

    # --- documents ------------------------------------------------------------------------

    def open_document(
        self, uri: str, language_id: str, version: int, text: str, path: str | None = None
    ) -> Document:
        """``path``: the file on disk the URI names, if any (secret-file rules and the file
        names sent upstream use it)."""
        return self._documents.open(uri, language_id, version, text, path)

    def change_document(
        self, uri: str, version: int, changes: Iterable[Change], encoding: str
    ) -> bool:
        """Apply edits; False when the document was never opened."""
        doc = self._documents.get(uri)
        if doc is None:
            return False
        for change in changes:
            self._telemetry.before_edit(doc)
            span = doc.apply_change(change.start, change.end, change.text, encoding)
            self._telemetry.edited(uri, span, change.text)
            if change.start is not None:
                self._workspace.note_edit(uri, change.start[0])
        doc.version = version
        return True

    def close_document(self, uri: str) -> None:
        self._documents.close(uri)
        self._engine.forget_document(uri)
        self._snippets.forget(uri)
        self._telemetry.forget(uri)
        self._workspace.forget(uri)

    def document(self, uri: str) -> Document | None:
        return self._documents.get(uri)

    def relative_path(self, uri: str) -> str:
        doc = self._documents.get(uri)
        path = doc.path if doc is not None and doc.path else None
        if path is None:
            # Not a file on disk (untitled:, a virtual scheme): its URI path names it.
            parts = urlsplit(uri)
            path = unquote(parts.path) if parts.scheme in ("file", "") else parts.path
        root = (self._root or "").replace("\\", "/").rstrip("/")
        normal = path.replace("\\", "/")
        if root and normal.startswith(root + "/"):
            return normal[len(root) + 1 :]
        return path

    def file_name(self, doc: Document) -> str:
        return self.relative_path(doc.uri) or PurePath(doc.uri).name

    # --- completion -----------------------------------------------------------------------

    def refusal(self, doc: Document) -> Refusal | None:
        """Why this document gets no completions (None when it may)."""
        c = self.settings.completion
        if not c.enable:
            return Refusal("disabled", "completions are turned off (codestral.completion.enable)")
        if doc.language_id in c.disabled_languages:
            return Refusal(
                "language",
                f"language {doc.language_id} is in codestral.completion.disabledLanguages",
            )
        if self.is_secret(doc):
            return Refusal("secret_file", "the file looks like a secret file and is never sent")
        return None

    def is_secret(self, doc: Document) -> bool:
        """A secret or excluded file: never sent upstream, whatever else is turned off."""
        return is_secret_file(self.relative_path(doc.uri), self.settings.completion.exclude)

    async def complete(
        self,
        doc: Document,
        line: int,
        index: int,
        *,
        debounce: bool = True,
        upstream: bool = True,
        invoked: bool = False,
        prefetch: bool = False,
    ) -> str | None:
        """The suggestion at (line, index), or None. With ``upstream`` False only what is
        already known is answered (cache, typed-through). ``invoked``: the user asked (the
        spend governor's last stage before off answers only these). ``prefetch``: it is shown
        as ghost text, so the one after it may be fetched while the user reads it."""
        if self.refusal(doc):
            return None
        text, trail = await self._complete(doc, line, index, debounce, upstream, invoked, prefetch)
        self._telemetry.finish(trail, self.secrets())
        return text

    async def suggest(
        self,
        doc: Document,
        line: int,
        index: int,
        *,
        upstream: bool = True,
        invoked: bool = False,
        prefetch: bool = False,
        early: bool = False,
    ) -> Suggested | None:
        """``complete`` for an editor: the text and the id it is shown under, so its accept,
        partial accept or dismissal is counted (and fed back to the gateway). ``early``: the
        client is told when a suggestion grew (``Suggested.growing``), so the start of an
        answer still streaming will do."""
        if self.refusal(doc):
            return None
        text, trail = await self._complete(
            doc, line, index, True, upstream, invoked, prefetch, early
        )
        found = None
        if text:
            found = Suggested(text, self.remember_shown(), trail.growing)
            self._telemetry.shown(found.id, trail, text)
        self._telemetry.finish(trail, self.secrets())
        return found

    async def _complete(
        self,
        doc: Document,
        line: int,
        index: int,
        debounce: bool,
        upstream: bool,
        invoked: bool,
        prefetch: bool,
        early: bool = False,
    ) -> tuple[str | None, Trail]:
        trail, settings, gate = self._telemetry.begin(
            doc, self.file_name(doc), line, index, invoked
        )
        built = self._build(doc, line, index, settings)
        job = built.job
        trail.prefix, trail.suffix, trail.multiline = job.prompt, job.suffix, job.multiline
        trail.redactions = built.redactions
        asks = upstream and gate.upstream
        text = await self._engine.complete(
            # a spend stage that holds calls back holds prefetches back too
            job,
            debounce=debounce,
            upstream=asks,
            prefetch=prefetch and asks,
            early=early,
            trail=trail,
        )
        if upstream and not gate.upstream and trail.source == "not_asked":
            trail.source = "budget"
        return text, trail

    def closers_covered(self, doc: Document, line: int, index: int, text: str) -> int:
        """How many characters after (line, index) the suggestion ``text`` types itself (the
        closers the editor inserted): the item's range covers them, so accepting overwrites
        them instead of duplicating them."""
        if line >= len(doc.lines):
            return 0
        content = line_content(doc.lines[line])
        return covered_closers(text, content[:index], content[index:], doc.language_id)

    def build_job(self, doc: Document, line: int, index: int) -> Job:
        """The completion job at (line, index): the context stage, with the documents that
        may be sent as cross-file context."""
        return self._build(doc, line, index, self.settings).job

    def _build(self, doc: Document, line: int, index: int, settings: Settings) -> BuiltJob:
        others = (d for d in self._documents if d is not doc and self.refusal(d) is None)
        built = build_job(
            doc,
            line,
            index,
            settings,
            others,
            self.relative_path,
            self._snippets,
            self._gather_context,
        )
        self._engine.stats.redactions += built.redactions
        return built

    def _gather_context(self, doc: Document, line: int, index: int, budget: int) -> str:
        """Cross-file context from the workspace: definitions, recent edits, similar code."""
        others = [d for d in self._documents if d is not doc and self.refusal(d) is None]
        return self._workspace.header(
            doc, line, index, budget, others, self.relative_path, self._snippets
        )

    # --- the workspace index --------------------------------------------------------------

    def set_folders(self, folders: Iterable[str]) -> None:
        """The workspace folders to index (``start_workspace`` begins)."""
        self._folders = list(folders)

    def start_workspace(self) -> None:
        """Index the workspace folders in the background (call from the event loop)."""
        self._workspace.start(self._folders)

    def files_changed(self, changes: Iterable[tuple[str, bool]]) -> None:
        """Files saved, created or changed (True) or deleted (False) on disk."""
        self._workspace.changed(changes)

    def remember_shown(self) -> str:
        """An id for a suggestion about to be shown, so its accept can be counted."""
        item_id = f"c{next(self._ids)}"
        self._shown[item_id] = True
        return item_id

    def accept(self, item_id: str) -> bool:
        """Count the accept of a shown suggestion (once); False for an unknown id."""
        if self._shown.pop(item_id, None) is None:
            return False
        self._engine.stats.accepted += 1
        self._telemetry.accept(item_id, self._documents.get)
        return True

    def partial_accept(
        self,
        item_id: str,
        *,
        length: int | None = None,
        text: str | None = None,
        encoding: str = UTF32,
    ) -> bool:
        """The start of a shown suggestion was accepted (a word or a line at a time): either
        ``text``, the part accepted, or ``length``, its size in ``encoding`` code units; both
        cumulative. False for an unknown or already accepted id."""
        item = self._telemetry.outcomes.get(item_id)
        if item_id not in self._shown or item is None:
            return False
        if text is not None:
            chars = _common_prefix(item.text, text)
        elif length is not None:
            chars = column_to_index(item.text, length, encoding)
        else:
            return False
        if chars >= len(item.text):
            return self.accept(item_id)
        return self._telemetry.partial(item_id, chars, self._documents.get)

    def inspect(self, limit: int = INSPECT_DEFAULT) -> dict[str, Any]:
        """The last ``limit`` completion requests, newest first (keys scrubbed), with each
        shown suggestion's outcome."""
        requests = self._telemetry.inspector.recent(limit, self.secrets())
        for record in requests:
            item = self._telemetry.outcomes.get(record["id"]) if record["id"] else None
            record["outcome"] = item.outcome if item else None
        log_path = self._telemetry.inspector.log_path
        return {
            "requests": requests,
            "log": str(log_path) if self.settings.inspector.log and log_path else None,
        }

    def clear_cache(self) -> None:
        self._engine.clear()

    # --- chat -----------------------------------------------------------------------------

    async def ask(
        self,
        question: str | None,
        code: str | None,
        language_id: str,
        file_name: str,
        on_text: Callable[[str], None] = lambda text: None,
        uri: str | None = None,
    ) -> str:
        """A chat answer as Markdown. Raises UpstreamError (already told to the user).
        ``uri``: the document the code comes from (its definitions from the workspace go
        along)."""
        definitions = ""
        doc = self._documents.get(uri) if uri else None
        if code and doc is not None and self.refusal(doc) is None:
            definitions = self._workspace.definitions_for(doc, code, self.relative_path)
        if code:
            redacting = self.settings.completion.redact_secrets
            code, hidden = redact(code) if redacting else (code, 0)
            if definitions and redacting:
                definitions, more = redact(definitions)
                hidden += more
            self._engine.stats.redactions += hidden
        request = chat_request(self.settings, question, code, language_id, file_name, definitions)
        self._set_state("working")
        answer = ""
        # A chat may take longer than a completion, but not forever: an upstream that stops
        # sending text (or drips whitespace) fails after CHAT_STALL_FACTOR x timeoutMs.
        stall = CHAT_STALL_FACTOR * self.settings.completion.timeout_ms / 1000
        stream = self._upstream.chat(request, stream=True)
        usage: dict[str, int] | None = None
        try:
            try:
                while True:
                    try:
                        delta = await asyncio.wait_for(stream.__anext__(), stall)
                    except StopAsyncIteration:
                        break
                    answer += delta.text
                    usage = delta.usage or usage
                    on_text(answer)
            except asyncio.TimeoutError:
                raise UpstreamError("timeout", f"no new text for {stall:g} s") from None
            finally:
                await stream.aclose()
        except UpstreamError as exc:
            self._engine.stats.errors += 1
            self._failed(exc)
            raise
        self._telemetry.chat_usage(usage, request.messages, answer)
        self._recovered()
        return answer

    # --- status ---------------------------------------------------------------------------

    def route_report(self) -> dict[str, str | None]:
        """Route, base URL, model and where each key came from (never a key)."""
        route = self._upstream.resolved
        return {
            "route": route.route,
            "baseUrl": route.base_url,
            "fimRoute": self.settings.gateway.fim_route if route.route == "gateway" else None,
            "model": self.settings.model,
            "providerKey": route.provider_key_source,
            "gatewayKey": route.gateway_key_source,
        }

    async def probe(self) -> Probe:
        """One small FIM request, timed (no cache, no debounce)."""
        request = FimRequest("def add(a, b):\n    return", "\n", self.settings.model, 8, 0.0)
        started = time.monotonic()
        try:
            async for _delta in self._upstream.fim(request, stream=False):
                pass
        except UpstreamError as exc:
            return Probe(False, (time.monotonic() - started) * 1000, self.describe(exc))
        return Probe(True, (time.monotonic() - started) * 1000, "")

    def status(self) -> dict[str, Any]:
        route = self._upstream.resolved
        engine = self._engine
        stats = engine.stats
        info = self._upstream.info
        return {
            "state": self.state,
            "route": route.route,
            "baseUrl": route.base_url,
            "model": self.settings.model,
            "fimRoute": self.settings.gateway.fim_route if route.route == "gateway" else None,
            "keySources": {
                "provider": route.provider_key_source,
                "gateway": route.gateway_key_source,
            },
            "requests": stats.requests,
            "upstreamCalls": stats.upstream_calls,
            "cacheHits": stats.cache_hits,
            "typedThrough": stats.typed_through,
            "sharedCalls": stats.shared,
            "debounced": stats.debounced,
            "accepted": stats.accepted,
            "acceptance": self._acceptance(),
            "budget": self._telemetry.budget(),
            "errors": stats.errors,
            "blockedByBackoff": stats.blocked,
            "redactions": stats.redactions,
            "prefetches": stats.prefetches,
            "cacheEntries": len(engine.cache),
            "lastError": self.last_error,
            "latencyMs": stats.percentiles(),
            "backoffSeconds": round(engine.backoff.remaining(), 2),
            "gateway": dict(info.gateway),
            "failover": {
                "enabled": self.settings.failover,
                "active": info.active_failover,
                "count": info.failovers,
            },
            "rateLimitRemaining": info.rate_limit_remaining,
            "documents": len(self._documents),
            # The files never sent upstream: built-in list plus codestral.completion.exclude.
            "secretFileGlobs": [*SECRET_FILE_GLOBS, *self.settings.completion.exclude],
            # Live asyncio tasks (this one included): a leak shows as growth over time.
            "tasks": _live_tasks(),
            "workspace": self._workspace.status(),
        }

    def _acceptance(self) -> dict[str, Any]:
        self._telemetry.sweep(self._documents.get)
        return self._telemetry.acceptance()

    async def aclose(self) -> None:
        await self._telemetry.aclose()
        calls = self._engine.cancel_calls()
        if calls:
            await asyncio.wait(calls, timeout=0.5)
        await self._workspace.aclose()
        await self._upstream.aclose()


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def _live_tasks() -> int | None:
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:  # no running loop: the one-shot CLI
        return None
