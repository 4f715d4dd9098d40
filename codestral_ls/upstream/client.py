"""One interface over both routes: ``fim(request)`` and ``chat(request)`` yield answer text.

Owns the single shared httpx AsyncClient (keep-alive, HTTP/2 where offered, proxies and
SSL_CERT_FILE from the environment, TLS verification always on).
"""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from codestral_ls.settings import Settings
from codestral_ls.upstream import embeddings, gateway, mistral
from codestral_ls.upstream.embeddings import Embeddings
from codestral_ls.upstream.errors import (
    ErrorKind,
    UpstreamError,
    error_message,
    kind_for_status,
    parse_retry_after,
)
from codestral_ls.upstream.mistral import Delta
from codestral_ls.upstream.requests import ChatRequest, FimRequest
from codestral_ls.upstream.routes import (
    CODESTRAL_BASE_URL,
    Resolved,
    failover_route,
    resolve_route,
)

if TYPE_CHECKING:
    import httpx  # imported on the first request: `initialize` should not wait for it

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 2 * 1024 * 1024  # far beyond any completion; stops a runaway body
MAX_ERROR_BYTES = 64 * 1024
FAILOVER_RETRY_PRIMARY_SECONDS = 30.0
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the only line breaks SSE knows
R = TypeVar("R", FimRequest, ChatRequest)


@dataclass
class UpstreamInfo:
    """What the last upstream answer reported, for codestral.status."""

    route: str = ""
    base_url: str = ""
    status: int | None = None
    gateway: dict[str, str] = field(default_factory=dict)
    rate_limit_remaining: str | None = None
    failovers: int = 0
    active_failover: bool = False


class Upstream:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env
        self._client: httpx.AsyncClient | None = None
        self.info = UpstreamInfo()
        self.configure(Settings())
        self._failed_over_at = 0.0

    def configure(self, settings: Settings) -> None:
        self._settings = settings
        self.info.active_failover = False
        # Worked out once per settings change, not on every keystroke (URL and IP parsing).
        self._resolved = resolve_route(settings, self._env)
        self._failover = failover_route(settings, self._env)

    @property
    def resolved(self) -> Resolved:
        return self._resolved

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                http2=True,
                trust_env=True,  # HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE
                follow_redirects=False,
                timeout=httpx.Timeout(30.0, connect=10.0),
                limits=httpx.Limits(max_keepalive_connections=8, keepalive_expiry=120.0),
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- public calls ---------------------------------------------------------------------

    async def fim(self, req: FimRequest, *, stream: bool) -> AsyncGenerator[Delta, None]:
        async for delta in self._with_failover(self._fim_once, req, stream):
            yield delta

    async def chat(self, req: ChatRequest, *, stream: bool) -> AsyncGenerator[Delta, None]:
        async for delta in self._with_failover(self._chat_once, req, stream):
            yield delta

    async def _with_failover(
        self, call: Callable[[Resolved, R, bool], AsyncIterator[Delta]], req: R, stream: bool
    ) -> AsyncIterator[Delta]:
        primary = self.resolved
        if primary.problem:
            raise UpstreamError("config", primary.problem)
        alternative = self._failover
        # After a switch, stay on the other route for a while, then try the primary again.
        stay = time.monotonic() - self._failed_over_at < FAILOVER_RETRY_PRIMARY_SECONDS
        on_other = self.info.active_failover and stay
        route = alternative if on_other and alternative is not None else primary
        produced = False
        try:
            async for delta in call(route, req, stream):
                produced = True
                yield delta
        except UpstreamError as exc:
            # Switch only before any text reached the user, and only for failures that the
            # other route may not share.
            other = primary if route is alternative else alternative
            if produced or other is None or not exc.transient:
                raise
            log.warning(
                "%s route failed (%s); failing over to the %s route", route.route, exc, other.route
            )
            self.info.failovers += 1
            self.info.active_failover = other is alternative
            self._failed_over_at = time.monotonic() if other is alternative else 0.0
            async for delta in call(other, req, stream):
                yield delta
            return
        if route is primary:
            self.info.active_failover = False

    async def feedback(self, payload: dict[str, Any]) -> None:
        """POST one feedback record to the gateway's feedback API (Portkey: ``/feedback`` on
        the gateway's base URL, authenticated by the gateway key). Raises UpstreamError."""
        route = self.resolved
        if route.route != "gateway" or route.problem:
            raise UpstreamError("config", "feedback needs the gateway route")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if route.gateway_key:
            headers["x-portkey-api-key"] = route.gateway_key
        url = route.base_url + "/feedback"
        import httpx

        try:
            response = await self.client().post(
                url, content=json.dumps(payload).encode(), headers=headers, timeout=10.0
            )
        except httpx.HTTPError as exc:
            raise UpstreamError("unreachable", f"{_host(url)}: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise UpstreamError(
                kind_for_status(response.status_code),
                error_message(response.content),
                response.status_code,
            )

    async def embeddings(self, texts: list[str], model: str) -> Embeddings:
        """One vector per text (``POST {base}/embeddings``), with the tokens it cost. Fails over
        like completions (an unreachable route or a 5xx), but leaves ``info`` to completions:
        background embedding must not change what status says of the completion route."""
        primary = self.resolved
        if primary.problem:
            raise UpstreamError("config", primary.problem)
        try:
            return await self._embeddings_once(primary, texts, model)
        except UpstreamError as exc:
            other = self._failover
            if other is None or not exc.transient:
                raise
            log.warning("embeddings on the %s route failed (%s); trying the %s route",
                        primary.route, exc, other.route)  # fmt: skip
            return await self._embeddings_once(other, texts, model)

    async def _embeddings_once(self, route: Resolved, texts: list[str], model: str) -> Embeddings:
        body = embeddings.embeddings_body(texts, model)
        if route.route == "direct":
            base = route.base_url
            if base == CODESTRAL_BASE_URL:
                base = embeddings.EMBEDDINGS_BASE_URL
            url, headers = base + "/embeddings", self._direct_headers(route)
        else:
            url = route.base_url + "/embeddings"
            headers = gateway.headers(route, self._settings.gateway, gateway.new_trace_id())
        raw = await self._post_json(route, url, headers, body)
        return embeddings.parse_embeddings(raw, len(texts))

    async def _post_json(
        self, route: Resolved, url: str, headers: dict[str, str], body: dict[str, Any]
    ) -> bytes:
        """A non-streamed POST whose whole (bounded) answer body is returned."""
        import httpx

        headers = {**headers, "Accept": "application/json", "Content-Type": "application/json"}
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "replace"
        )
        try:
            async with self.client().stream(
                "POST", url, content=content, headers=headers
            ) as response:
                if response.status_code >= 400:
                    raise await self._http_error(response, route)
                return await _bounded_body(response)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, url) from exc

    # --- one route, one call --------------------------------------------------------------

    async def _fim_once(
        self, route: Resolved, req: FimRequest, stream: bool
    ) -> AsyncIterator[Delta]:
        body = mistral.fim_body(req, stream=stream)
        if route.route == "direct":
            url, headers = route.base_url + "/fim/completions", self._direct_headers(route)
        else:
            fim_route = self._settings.gateway.fim_route
            url = route.base_url + gateway.fim_path(fim_route)
            trace_id = req.trace_id or gateway.new_trace_id()
            headers = gateway.headers(route, self._settings.gateway, trace_id, fim_route=fim_route)
            if fim_route == "completions":
                body = gateway.completions_body(body)
        async for delta in self._post(route, url, headers, body, stream):
            yield delta

    async def _chat_once(
        self, route: Resolved, req: ChatRequest, stream: bool
    ) -> AsyncIterator[Delta]:
        body = mistral.chat_body(req, stream=stream)
        if route.route == "direct":
            url, headers = route.base_url + "/chat/completions", self._direct_headers(route)
        else:
            headers = gateway.headers(route, self._settings.gateway, gateway.new_trace_id())
            if req.prompt_id:
                url = route.base_url + gateway.prompt_path(req.prompt_id)
                body = {"variables": req.variables, "stream": stream, "max_tokens": req.max_tokens}
            else:
                url = route.base_url + "/chat/completions"
        async for delta in self._post(route, url, headers, body, stream):
            yield delta

    @staticmethod
    def _direct_headers(route: Resolved) -> dict[str, str]:
        # Never the gateway key: a direct provider host has no business seeing it.
        return {"Authorization": f"Bearer {route.provider_key}"} if route.provider_key else {}

    async def _post(
        self, route: Resolved, url: str, headers: dict[str, str], body: dict[str, Any], stream: bool
    ) -> AsyncIterator[Delta]:
        headers = {
            **headers,
            "Accept": "text/event-stream" if stream else "application/json",
            "Content-Type": "application/json",
        }
        import httpx

        # A lone surrogate (a client may send "\ud800" in a document) has no UTF-8 form: it
        # goes as "?" instead of failing the whole request.
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "replace"
        )
        started = time.monotonic()
        try:
            async with self.client().stream(
                "POST", url, content=content, headers=headers
            ) as response:
                self._note(route, response)
                log.debug(
                    "POST %s -> %s in %.0f ms",
                    url,
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                )
                if response.status_code >= 400:
                    raise await self._http_error(response, route)
                content_type = response.headers.get("content-type", "")
                try:
                    if stream and "text/event-stream" in content_type:
                        lines = _bounded_lines(response)
                        async for delta in mistral.parse_sse(lines):
                            yield delta
                        await _drain(lines)
                    else:
                        yield mistral.parse_json_answer(await _bounded_body(response))
                except (GeneratorExit, asyncio.CancelledError):
                    # Closed early (answer complete, or nobody waits): on HTTP/2 say so.
                    await _reset_http2_stream(response)
                    raise
        except UpstreamError:
            raise
        except httpx.HTTPError as exc:
            raise _transport_error(exc, url) from exc

    def _note(self, route: Resolved, response: httpx.Response) -> None:
        self.info.route = route.route
        self.info.base_url = route.base_url
        self.info.status = response.status_code
        if route.route == "gateway":
            self.info.gateway = gateway.reported(response.headers)
        remaining = response.headers.get("x-ratelimit-remaining-req-minute")
        if remaining is not None:
            self.info.rate_limit_remaining = remaining

    async def _http_error(self, response: httpx.Response, route: Resolved) -> UpstreamError:
        raw = b""
        async for chunk in response.aiter_bytes():
            raw += chunk
            if len(raw) > MAX_ERROR_BYTES:
                break
        status = response.status_code
        detail = error_message(raw)
        kind: ErrorKind = kind_for_status(status)
        if route.route == "gateway" and "not supported" in detail and "complete" in detail:
            kind = "unsupported_route"
        elif route.route == "gateway" and status >= 500 and "fetch failed" in detail:
            # The gateway is up but its fetch to the provider (customHost) failed.
            kind = "provider_unreachable"
            cause = re.search(r"Cause: (?:\w*Error: )?(.+?)(?: Name: |\"|$)", detail)
            detail = cause.group(1) if cause else detail
        elif (
            route.route == "gateway"
            and "/prompts/" in response.request.url.path
            and kind not in ("auth", "rate_limit", "timeout")
        ):
            kind = "prompt"  # the saved prompt cannot run here: retrying will not help
        return UpstreamError(
            kind, detail, status, parse_retry_after(response.headers.get("retry-after"))
        )


def _transport_error(exc: httpx.HTTPError, url: str) -> UpstreamError:
    """A failure below HTTP (timeout, refused, reset) as the typed error callers branch on."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return UpstreamError("timeout", f"{_host(url)} did not answer in time")
    if isinstance(exc, httpx.ConnectError):
        return UpstreamError("unreachable", f"cannot connect to {_host(url)}")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return UpstreamError("unreachable", f"{_host(url)} closed the connection mid-answer")
    return UpstreamError("unreachable", f"{_host(url)}: {type(exc).__name__}")


def _host(url: str) -> str:
    import httpx

    return httpx.URL(url).host or url


async def _bounded_body(response: httpx.Response) -> bytes:
    raw = bytearray()
    async for chunk in response.aiter_bytes():
        raw += chunk
        if len(raw) > MAX_ANSWER_BYTES:
            raise UpstreamError("too_large", f"the answer is over {MAX_ANSWER_BYTES} bytes")
    return bytes(raw)


async def _reset_http2_stream(response: httpx.Response) -> None:
    """Cancel an unfinished HTTP/2 response's stream (RST_STREAM, CANCEL).

    httpcore closes such a response without a word to the server: the upstream goes on
    generating, and the data it still sends is never acknowledged, so every answer closed early
    shrinks the connection's 16 MB flow-control window until the connection stalls for good
    (at about 18 KB left unread per cancelled 64-token answer, after some 900 of them;
    tests/unit/test_connections.py). httpx has no API for this, hence the walk into httpcore's
    objects; if they ever change shape this does nothing.
    """
    if response.http_version != "HTTP/2" or response.is_closed:
        return
    import h2.errors
    import h2.events

    try:
        h2_stream = response.stream._stream._httpcore_stream._stream  # type: ignore[union-attr]
        conn, stream_id = h2_stream._connection, h2_stream._stream_id
        state = conn._h2_state
        unread = sum(
            event.flow_controlled_length
            for event in conn._events.get(stream_id, ())
            if isinstance(event, h2.events.DataReceived)
        )
        state.reset_stream(stream_id, error_code=h2.errors.ErrorCodes.CANCEL)
        if unread:
            state.acknowledge_received_data(unread, stream_id)
        await conn._write_outgoing_data(h2_stream._request)
    except Exception as exc:  # an already-finished stream, or httpcore changed
        log.debug("HTTP/2 stream not reset: %r", exc)


async def _drain(lines: AsyncIterator[str], limit: int = 8) -> None:
    """After ``data: [DONE]`` only the end of the body is left: read it, so that an HTTP/1.1
    connection (a local gateway) goes back to the pool instead of being closed and reopened
    for the next request. A server that keeps talking past [DONE] gets its connection closed."""
    async for _ in lines:
        limit -= 1
        if limit < 0:
            return


async def _bounded_lines(response: httpx.Response) -> AsyncIterator[str]:
    """The stream's lines, decoded strictly: httpx's own text decoding turns bytes that are not
    UTF-8 into U+FFFD, which would then be offered as a suggestion. Counts bytes as they
    arrive, so one endless line cannot grow past the cap either."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    total, pending = 0, ""
    try:
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > MAX_ANSWER_BYTES:
                raise UpstreamError("too_large", f"the stream is over {MAX_ANSWER_BYTES} bytes")
            *lines, pending = _LINE_BREAK.split(pending + decoder.decode(chunk))
            for line in lines:
                yield line
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise UpstreamError("malformed", "the answer is not UTF-8") from exc
    if pending:
        yield pending
