"""The product without the protocol: settings, documents, the completion engine and chat.

The LSP server and the one-shot CLI commands both drive this, so ``codestral-ls complete`` runs
exactly the pipeline an editor gets.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote, urlsplit

from codestral_ls.chat import chat_request
from codestral_ls.context import cursor_window
from codestral_ls.crossfile import SnippetIndex, gather_snippets
from codestral_ls.documents import Document, DocumentStore
from codestral_ls.engine import Engine, Job
from codestral_ls.messages import OnceNotifier, cause_key, describe, scrub
from codestral_ls.multiline import decide_multiline
from codestral_ls.privacy import is_secret_file, redact
from codestral_ls.settings import Settings, parse_settings
from codestral_ls.upstream import Upstream, UpstreamError

log = logging.getLogger(__name__)

# state -> what a status bar shows; sent as codestral/status
STATES = ("ready", "working", "rate_limited", "error", "disabled")
CHAT_STALL_FACTOR = 5


class Codestral:
    def __init__(
        self,
        *,
        notify: Callable[[str, str], None] = lambda level, text: None,
        on_state: Callable[[str, str], None] = lambda state, message: None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.env = os.environ if env is None else env
        self.documents = DocumentStore()
        self.snippets = SnippetIndex()
        self.upstream = Upstream(self.env)
        self.engine = Engine(
            self.upstream, self._failed, self._recovered, lambda s: self.set_state(s)
        )
        self.settings = Settings()
        self.layers: dict[str, Any] = {}
        self.root: str | None = None
        self._notify = notify
        self._on_state = on_state
        self._told = OnceNotifier()
        self._told_settings: set[str] = set()
        self.state = "ready"
        self.state_message = ""
        self.last_error: str | None = None

    # --- settings -------------------------------------------------------------------------

    def set_layer(self, name: str, raw: Any) -> None:
        """Layers, lowest first: defaults < file < init < client (configuration or change)."""
        self.layers[name] = raw
        self.apply_settings()

    def apply_settings(self) -> None:
        order = ("file", "init", "client")
        settings = parse_settings(*(self.layers.get(n) for n in order))
        self.settings = settings
        self.engine.configure(settings)
        self._told.reset()
        for problem in settings.problems:
            if problem not in self._told_settings:
                self._told_settings.add(problem)
                self.tell("warning", f"Invalid setting {problem}.")
        route = self.upstream.resolved
        if route.problem:
            self.tell("error", f"Codestral is not configured: {route.problem}.")
        self.set_state(self._resting_state())

    def secrets(self) -> list[str]:
        route = self.upstream.resolved
        gw = self.settings.gateway
        return [s for s in (route.provider_key, route.gateway_key, gw.virtual_key) if s]

    # --- user-facing messages and state ---------------------------------------------------

    def tell(self, level: str, text: str) -> None:
        text = scrub(text, self.secrets())
        getattr(log, "error" if level == "error" else "warning")("%s", text)
        self._notify(level, text)

    def set_state(self, state: str, message: str = "") -> None:
        if state == "idle":
            # An abandoned call: back to rest unless a failure is what the user should see.
            if self.state != "working":
                return
            state = self._resting_state()
        if state == self.state and message == self.state_message:
            return
        self.state, self.state_message = state, message
        self._on_state(state, scrub(message, self.secrets()))

    def _resting_state(self) -> str:
        if not self.settings.completion.enable:
            return "disabled"
        if self.upstream.resolved.problem:
            return "error"
        return "ready"

    def _failed(self, error: UpstreamError) -> None:
        route = self.upstream.resolved
        text = describe(error, route, self.settings)
        self.last_error = scrub(text, self.secrets())
        state = "rate_limited" if error.kind == "rate_limit" else "error"
        self.set_state(state, self.last_error)
        if self._told.first_time(cause_key(error)):
            self.tell("error" if error.kind in ("auth", "config") else "warning", text)
        else:
            log.info("again: %s", scrub(str(error), self.secrets()))

    def _recovered(self) -> None:
        self._told.reset()
        self.set_state(self._resting_state())

    # --- documents and completion ---------------------------------------------------------

    def relative_path(self, uri: str) -> str:
        parts = urlsplit(uri)
        path = unquote(parts.path) if parts.scheme in ("file", "") else parts.path
        if self.root and path.startswith(self.root.rstrip("/") + "/"):
            return path[len(self.root.rstrip("/")) + 1 :]
        return path

    def refusal(self, doc: Document) -> str | None:
        """Why this document gets no completions (None when it may)."""
        c = self.settings.completion
        if not c.enable:
            return "completions are turned off (codestral.completion.enable)"
        if doc.language_id in c.disabled_languages:
            return f"language {doc.language_id} is in codestral.completion.disabledLanguages"
        if is_secret_file(self.relative_path(doc.uri), c.exclude):
            return "the file looks like a secret file and is never sent"
        return None

    def build_job(self, doc: Document, line: int, index: int) -> Job:
        c = self.settings.completion
        window = cursor_window(doc, line, index, c.prefix_chars, c.suffix_chars)
        prefix, suffix = window.prefix, window.suffix
        if c.redact_secrets:
            prefix, hidden_p = redact(prefix)
            suffix, hidden_s = redact(suffix)
            self.engine.stats.redactions += hidden_p + hidden_s
        multiline = decide_multiline(prefix, suffix, doc.language_id, c.multiline)
        model_prompt = ""
        if self.settings.context.cross_file and self.settings.context.cross_file_chars > 0:
            snippets = gather_snippets(
                doc,
                line,
                [d for d in self.documents if d is not doc and self.refusal(d) is None],
                self.relative_path,
                self.settings.context.cross_file_chars,
                self.snippets,
            )
            if snippets:
                header, hidden = redact(snippets) if c.redact_secrets else (snippets, 0)
                self.engine.stats.redactions += hidden
                model_prompt = header + prefix
        return Job(doc.uri, doc.language_id, prefix, suffix, multiline, model_prompt)

    async def complete_at(
        self,
        doc: Document,
        line: int,
        index: int,
        *,
        debounce: bool = True,
        upstream: bool = True,
    ) -> str | None:
        if self.refusal(doc):
            return None
        job = self.build_job(doc, line, index)
        return await self.engine.complete(job, debounce=debounce, upstream=upstream)

    # --- chat -----------------------------------------------------------------------------

    async def ask(
        self,
        question: str | None,
        code: str | None,
        language_id: str,
        file_name: str,
        on_text: Callable[[str], None] = lambda text: None,
    ) -> str:
        """A chat answer as Markdown. Raises UpstreamError (already told to the user)."""
        if code:
            code, hidden = redact(code) if self.settings.completion.redact_secrets else (code, 0)
            self.engine.stats.redactions += hidden
        request = chat_request(self.settings, question, code, language_id, file_name)
        self.set_state("working")
        answer = ""
        # A chat may take longer than a completion, but not forever: an upstream that stops
        # sending text (or drips whitespace) fails after CHAT_STALL_FACTOR x timeoutMs.
        stall = CHAT_STALL_FACTOR * self.settings.completion.timeout_ms / 1000
        stream = self.upstream.chat(request, stream=True)
        try:
            try:
                while True:
                    try:
                        delta = await asyncio.wait_for(stream.__anext__(), stall)
                    except StopAsyncIteration:
                        break
                    answer += delta.text
                    on_text(answer)
            except asyncio.TimeoutError:
                raise UpstreamError("timeout", f"no new text for {stall:g} s") from None
            finally:
                await stream.aclose()
        except UpstreamError as exc:
            self.engine.stats.errors += 1
            self._failed(exc)
            raise
        self._recovered()
        return answer

    def status(self) -> dict[str, Any]:
        route = self.upstream.resolved
        stats = self.engine.stats
        info = self.upstream.info
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
            "errors": stats.errors,
            "blockedByBackoff": stats.blocked,
            "redactions": stats.redactions,
            "cacheEntries": len(self.engine.cache),
            "lastError": self.last_error,
            "latencyMs": stats.percentiles(),
            "backoffSeconds": round(self.engine.backoff.remaining(), 2),
            "gateway": dict(info.gateway),
            "failover": {
                "enabled": self.settings.failover,
                "active": info.active_failover,
                "count": info.failovers,
            },
            "rateLimitRemaining": info.rate_limit_remaining,
            "documents": len(self.documents),
            # Live asyncio tasks (this one included): a leak shows as growth over time.
            "tasks": _live_tasks(),
        }

    def file_name(self, doc: Document) -> str:
        return self.relative_path(doc.uri) or PurePath(doc.uri).name

    async def aclose(self) -> None:
        calls = self.engine.cancel_calls()
        if calls:
            await asyncio.wait(calls, timeout=0.5)
        await self.upstream.aclose()


def _live_tasks() -> int | None:
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:  # no running loop: the one-shot CLI
        return None
