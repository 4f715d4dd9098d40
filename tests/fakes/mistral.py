"""A fake Mistral API (and a Portkey-like gateway in front of it) on 127.0.0.1.

Real HTTP/1.1 over real sockets, so the language server under test exercises its actual
client stack: keep-alive, chunked SSE streaming, timeouts and broken connections.

In-process use (pytest)::

    fake = FakeMistral().start()
    fake.enqueue(Reply(text="x = 1"), Reply(status=429, headers={"Retry-After": "1"}))
    ...
    fake.stop()

Standalone use (editor tests, benchmarks)::

    python -m tests.fakes.mistral [--port N] [--api-key K] [--text T]

prints ``http://127.0.0.1:PORT/v1`` as its first stdout line, then serves until
SIGTERM/SIGINT. Control endpoints live under ``/_fake/`` (see ``_Handler._control``).

Standard library only: nothing here may depend on the code under test or on extra packages.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import hashlib
import json
import re
import secrets
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import urlsplit

FAULTS = frozenset({"reset", "hang", "drip", "cut_stream", "reset_mid_body"})

# Field sets of Mistral's request schemas; the real API forbids any other key (422).
FIM_FIELDS = frozenset(
    {
        "model",
        "prompt",
        "suffix",
        "max_tokens",
        "min_tokens",
        "temperature",
        "top_p",
        "stop",
        "random_seed",
        "stream",
        "metadata",
        "prompt_cache_key",
    }
)
CHAT_FIELDS = frozenset(
    {
        "model",
        "messages",
        "temperature",
        "top_p",
        "max_tokens",
        "stream",
        "stop",
        "random_seed",
        "response_format",
        "n",
        "safe_prompt",
        "presence_penalty",
        "frequency_penalty",
        "prompt_cache_key",
        "metadata",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "prediction",
    }
)
# Mistral's embeddings request (POST /v1/embeddings).
EMBED_FIELDS = frozenset(
    {"model", "input", "output_dimension", "output_dtype", "encoding_format", "metadata"}
)
EMBED_DIMENSION = 1024  # mistral-embed's
# The fake's vector model: sub-words of identifiers (camelCase and snake_case split), words
# that mean the same mapped together, and character trigrams, hashed into EMBED_DIMENSION
# signed buckets and normalised. Crude, deterministic, and enough to find code that does the
# same thing under other names, which identifier overlap (lexical retrieval) misses.
_SYNONYMS = [
    "fetch load get read retrieve pull download obtain lookup find query",
    "save store write persist put dump upload record",
    "remove delete drop erase discard purge unlink",
    "user account member customer person profile",
    "send emit post transmit dispatch publish notify",
    "connect open dial attach",
    "close shutdown disconnect detach release",
    "create make build new construct init spawn",
    "count size length total len num",
    "error failure fault exception err problem",
    "config settings options preferences prefs conf",
    "parse decode deserialize unpack",
    "encode serialize pack render format dumps",
    "start begin launch run kickoff",
    "stop end halt finish terminate",
    "message msg text note",
    "check validate verify ensure assert",
    "cache memo memoize remember",
    "retry again repeat backoff",
]
_CONCEPT = {w: group.split()[0] for group in _SYNONYMS for w in group.split()}
_EMBED_STOP = frozenset(
    """def self return the and for in if else elif import from class none true false not is
    or as with this const let var function async await pass raise try except""".split()  # noqa: SIM905
)
_SUBWORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def embed_features(text: str) -> list[tuple[str, float]]:
    """(feature, weight) pairs of the fake's vector model."""
    features: list[tuple[str, float]] = []
    for word in _SUBWORD.findall(text):
        word = word.lower()
        if len(word) < 2 or word in _EMBED_STOP:
            continue
        concept = _CONCEPT.get(word, word)
        features.append(("w:" + concept, 1.0))
        padded = f"^{word}$"
        features.extend(("t:" + padded[i : i + 3], 0.25) for i in range(len(padded) - 2))
    return features


def fake_embedding(text: str, dimension: int = EMBED_DIMENSION) -> list[float]:
    """A deterministic unit vector for ``text`` (see the vector model above)."""
    vector = [0.0] * dimension
    for feature, weight in embed_features(text):
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dimension
        vector[bucket] += weight if digest[4] & 1 else -weight
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [round(v / norm, 6) for v in vector]


# What the Portkey gateway forwards for chat+fim: it maps known params only, so unknown keys
# vanish, and stop/min_tokens/random_seed are dropped (seed is mapped to random_seed).
GATEWAY_FIM_KEEP = frozenset(
    {"model", "prompt", "suffix", "max_tokens", "temperature", "top_p", "stream"}
)
PROVIDER = "mistral-ai"
GATEWAY_AUTH_HEADERS = ("x-portkey-provider", "x-portkey-config", "x-portkey-virtual-key")
_PROMPT_ROUTE = re.compile(r"/prompts/[^/]+/completions")
# ~one word per chunk; whitespace stays attached so "".join(chunks) == text.
_WORDS = re.compile(r"\S+\s*|\s+")

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limited",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


@dataclass
class Reply:
    """What the fake answers to one request (see module docs for the field meanings)."""

    status: int = 200
    text: str | None = None
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    token_delay: float = 0.0
    chunks: list[str] | None = None
    fault: str | None = None
    finish_reason: str = "stop"

    def __post_init__(self) -> None:
        # Fail loudly on a typo in a test rather than silently answering normally.
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; expected one of {sorted(FAULTS)}")


@dataclass
class Recorded:
    """One request as the fake saw it, and what happened to its answer."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    t_received: float
    status: int = 0  # 0: no status line was sent (reset, hang, client left during delay)
    streamed: bool = False
    chunks_sent: int = 0
    # Chunks "generated upstream": differs from chunks_sent only on gateway paths, where (like
    # the real gateway) a dropped client does not stop the upstream generation.
    chunks_generated: int = 0
    closed_early: bool = False
    t_finished: float | None = None
    # The body as the upstream Mistral would receive it (after the gateway's transforms).
    upstream_json: Any = None

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["body"] = self.body.decode("utf-8", "replace")
        return d


def split_words(text: str) -> list[str]:
    """Default stream chunking: about one word (with its trailing whitespace) per chunk."""
    return _WORDS.findall(text)


def mistral_error(status: int, message: Any = None) -> dict[str, Any]:
    """The body Mistral sends for an error status (shapes as observed from the real API)."""
    if status == 401:
        return {"message": "Unauthorized", "request_id": secrets.token_hex(16)}
    if status == 429:
        return {
            "object": "error",
            "message": "Rate limit exceeded",
            "type": "rate_limited",
            "param": None,
            "code": "1300",
        }
    if message is None:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = "Error"
    return {
        "object": "error",
        "message": message,
        "type": _ERROR_TYPES.get(status, "api_error"),
        "param": None,
        "code": None,
    }


def gateway_error(upstream: Any) -> dict[str, Any]:
    """Wrap an upstream error body the way Portkey's mistral-ai provider does."""
    msg: Any = None
    typ: Any = None
    if isinstance(upstream, dict):
        msg = upstream.get("message", upstream.get("detail"))
        typ = upstream.get("type")
    if isinstance(msg, (dict, list)):
        msg = "[object Object]"  # JS string coercion of a structured message, as the real one
    elif msg is None:
        msg = ""
    return {
        "error": {
            "message": f"{PROVIDER} error: {msg}",
            "type": typ,
            "param": None,
            "code": None,
        },
        "provider": PROVIDER,
    }


FEEDBACK_FIELDS = frozenset({"trace_id", "value", "weight", "metadata"})


def feedback_problem(body: Any) -> str | None:
    """Why a feedback body is invalid (Portkey's schema), or None."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    unknown = sorted(set(body) - FEEDBACK_FIELDS)
    if unknown:
        return f"unknown fields: {', '.join(unknown)}"
    if not isinstance(body.get("trace_id"), str) or not body["trace_id"]:
        return "trace_id is required (a string)"
    value = body.get("value")
    if not isinstance(value, int) or isinstance(value, bool) or not -10 <= value <= 10:
        return "value is required: an integer between -10 and 10"
    weight = body.get("weight", 1.0)
    if not _is_number(weight) or not 0 <= weight <= 1:
        return "weight must be a number between 0 and 1"
    if "metadata" in body and not isinstance(body["metadata"], dict):
        return "metadata must be an object"
    return None


def _detail(typ: str, key: str | int | None, msg: str, value: Any) -> dict[str, Any]:
    loc: list[Any] = ["body"] if key is None else ["body", key]
    return {"type": typ, "loc": loc, "msg": msg, "input": value}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def validate(body: Any, allowed: frozenset[str], required: Iterable[str]) -> dict[str, Any] | None:
    """Mistral's 422 body for ``body``, or None if it would be accepted."""
    if not isinstance(body, dict):
        msg = "Input should be a valid dictionary or object to extract fields from"
        details = [_detail("model_attributes_type", None, msg, body)]
    else:
        details = [_detail("missing", k, "Field required", body) for k in required if k not in body]
        details += [
            _detail("extra_forbidden", k, "Extra inputs are not permitted", v)
            for k, v in body.items()
            if k not in allowed
        ]
        for key, hi in (("temperature", 1.5), ("top_p", 1.0)):
            v = body.get(key)
            if v is None:
                continue
            if not _is_number(v):
                details.append(_detail("float_type", key, "Input should be a valid number", v))
            elif v < 0:
                msg = "Input should be greater than or equal to 0"
                details.append(_detail("greater_than_equal", key, msg, v))
            elif v > hi:
                msg = f"Input should be less than or equal to {hi}"
                details.append(_detail("less_than_equal", key, msg, v))
        for key in ("max_tokens", "min_tokens", "random_seed"):
            v = body.get(key)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                details.append(_detail("int_type", key, "Input should be a valid integer", v))
        if "prompt" in body and not isinstance(body["prompt"], str):
            details.append(
                _detail("string_type", "prompt", "Input should be a valid string", body["prompt"])
            )
        if "stream" in body and not isinstance(body["stream"], bool):
            details.append(
                _detail("bool_type", "stream", "Input should be a valid boolean", body["stream"])
            )
        stop = body.get("stop")
        if stop is not None and not (
            isinstance(stop, str)
            or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
        ):
            details.append(_detail("string_type", "stop", "Input should be a valid string", stop))
    if not details:
        return None
    return {
        "object": "error",
        "message": {"detail": details},
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def validate_embed(body: Any) -> dict[str, Any] | None:
    """Mistral's 422 body for an embeddings request, or None if it would be accepted."""
    error = validate(body, EMBED_FIELDS, ("model", "input"))
    if error is not None or not isinstance(body, dict):
        return error
    details = []
    given = body["input"]
    texts = given if isinstance(given, list) else [given]
    if not texts or not all(isinstance(t, str) for t in texts):
        msg = "Input should be a valid string or a non-empty list of strings"
        details.append(_detail("string_type", "input", msg, given))
    dimension = body.get("output_dimension")
    if dimension is not None and (not isinstance(dimension, int) or not 1 <= dimension <= 4096):
        msg = "Input should be a valid integer from 1 to 4096"
        details.append(_detail("int_type", "output_dimension", msg, dimension))
    if body.get("output_dtype") not in (None, "float", "int8", "uint8", "binary", "ubinary"):
        msg = "Input should be 'float', 'int8', 'uint8', 'binary' or 'ubinary'"
        details.append(_detail("enum", "output_dtype", msg, body["output_dtype"]))
    if body.get("encoding_format") not in (None, "float", "base64"):
        msg = "Input should be 'float' or 'base64'"
        details.append(_detail("enum", "encoding_format", msg, body["encoding_format"]))
    if not details:
        return None
    return {
        "object": "error",
        "message": {"detail": details},
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def _cut(tokens: list[str], upstream: dict[str, Any], finish: str) -> tuple[list[str], str]:
    """Apply ``stop`` (first occurrence of any stop string) and ``max_tokens`` (chunk count)."""
    stop = upstream.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    text = "".join(tokens)
    hits = [text.find(s) for s in stops if isinstance(s, str) and s]
    hits = [h for h in hits if h >= 0]
    if hits:
        end = min(hits)
        kept: list[str] = []
        pos = 0
        for tok in tokens:
            if pos >= end:
                break
            kept.append(tok[: end - pos])
            pos += len(tok)
        tokens, finish = [t for t in kept if t], "stop"
    max_tokens = upstream.get("max_tokens")
    is_int = isinstance(max_tokens, int) and not isinstance(max_tokens, bool)
    if is_int and len(tokens) > max_tokens:
        tokens, finish = tokens[: max(max_tokens, 0)], "length"
    return tokens, finish


@dataclass
class _Ctx:
    """How one routed request should be answered."""

    kind: str  # "fim" | "chat" | "prompt"
    upstream: dict[str, Any]
    wrap_errors: bool = False  # gateway error envelope + "provider" in JSON and chunks
    gateway: bool = False  # on any gateway path: upstream keeps generating after a drop
    headers: dict[str, str] = field(default_factory=dict)


class _Server(HTTPServer):
    """HTTPServer with one tracked thread per connection, so stop() can end and join them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], fake: FakeMistral) -> None:
        self.fake = fake
        super().__init__(addr, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.fake._conn_opened(request)
        t = threading.Thread(
            target=self._serve_conn,
            args=(request, client_address),
            daemon=True,
            name=f"fake-mistral-conn-{client_address[1]}",
        )
        self.fake._track_thread(t)
        t.start()

    def _serve_conn(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except OSError:
            pass  # the peer went away; nothing to report
        except Exception:
            traceback.print_exc(file=sys.stderr)  # a bug in the fake: make it visible
        finally:
            self.shutdown_request(request)
            self.fake._conn_closed(request)


class _Gone(Exception):
    """The client disconnected or the fake is stopping; abandon this response."""


class _Handler(BaseHTTPRequestHandler):
    # Without TCP_NODELAY every small answer waits ~40 ms on delayed ACKs.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"  # keep-alive, chunked streaming
    server: _Server
    rec: Recorded | None = None  # None for /_fake control calls
    parsed_ok: bool = False

    def log_message(self, format: str, *args: Any) -> None:
        return  # silent: tests inspect FakeMistral.requests instead of logs

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def fake(self) -> FakeMistral:
        return self.server.fake

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _wait(self, seconds: float) -> str | None:
        """Sleep up to ``seconds``; return "gone"/"stop" as soon as either happens."""
        sock = self.connection
        deadline = time.monotonic() + seconds
        while True:
            if self.fake._stopping.is_set():
                return "stop"
            remaining = deadline - time.monotonic()
            step = max(0.0, min(remaining, 0.05))
            try:
                readable, _, _ = select.select([sock], [], [], step)
                # Readable with nothing to read is EOF: the client closed its end.
                if readable and sock.recv(1, socket.MSG_PEEK) == b"":
                    return "gone"
            except (OSError, ValueError):
                return "gone"
            if readable and self.fake._stopping.wait(step):
                return "stop"  # pipelined bytes waiting: sleep instead of spinning on select
            if remaining <= 0:
                return None

    def _pause(self, seconds: float) -> None:
        why = self._wait(seconds)
        if why:
            raise _Gone(why)

    def _send_head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def _send_bytes(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.rec_status(status)
        self._send_head(status, {**headers, "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        hdrs = _merge({"Content-Type": "application/json"}, headers or {})
        self._send_bytes(status, json.dumps(obj).encode(), hdrs)

    def _write_chunk(self, data: bytes, declared: int | None = None) -> None:
        size = len(data) if declared is None else declared
        self.wfile.write(b"%x\r\n%s" % (size, data) + (b"\r\n" if declared is None else b""))

    def rec_status(self, status: int) -> None:
        rec = getattr(self, "rec", None)
        if rec is not None:
            rec.status = status

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if path.startswith("/_fake/"):
            self.rec = None
            self._control(path, body)
            return
        try:
            parsed: Any = json.loads(body) if body else None
            parsed_ok = bool(body)
        except ValueError:
            parsed, parsed_ok = None, False
        rec = Recorded(
            method=self.command,
            path=path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            json=parsed,
            t_received=time.monotonic(),
        )
        self.rec = rec
        self.parsed_ok = parsed_ok
        self.fake._log(rec)
        try:
            self._route(rec)
        except _Gone as gone:
            rec.closed_early = gone.args[0] == "gone"
            self.close_connection = True
        except (ConnectionError, OSError):
            # A failed write: the client left mid-response (or stop() shut the socket).
            rec.closed_early = not self.fake._stopping.is_set()
            self.close_connection = True
        finally:
            rec.t_finished = time.monotonic()
            self.fake._finished()

    # -- routing ----------------------------------------------------------------------------

    def _route(self, rec: Recorded) -> None:
        if rec.path.startswith("/gateway/v1/"):
            self._gateway(rec, rec.path[len("/gateway/v1") :])
        elif rec.path.startswith("/v1/"):
            self._mistral(rec, rec.path[len("/v1") :])
        else:
            self._send_json(404, {"detail": "Not Found"})

    def _auth_ok(self, rec: Recorded) -> bool:
        key = self.fake.api_key
        return key is None or rec.headers.get("authorization") == f"Bearer {key}"

    def _mistral(self, rec: Recorded, sub: str, headers: dict[str, str] | None = None) -> None:
        gw = headers is not None
        hdrs = headers or {}
        if sub not in ("/fim/completions", "/chat/completions", "/embeddings"):
            self._send_json(404, {"detail": "Not Found"}, hdrs)
            return
        if rec.method != "POST":
            self._send_json(405, {"detail": "Method Not Allowed"}, hdrs)
            return
        if not self._auth_ok(rec):
            self._send_json(401, mistral_error(401), hdrs)
            return
        kind = {"/fim/completions": "fim", "/embeddings": "embed"}.get(sub, "chat")
        err = self._body_error(rec, kind)
        if err is not None:
            self._send_json(422, err, hdrs)
            return
        self._answer(rec, _Ctx(kind=kind, upstream=rec.json, gateway=gw, headers=hdrs))

    def _body_error(self, rec: Recorded, kind: str, body: Any = None) -> dict[str, Any] | None:
        if not self.parsed_ok:
            detail = _detail("json_invalid", 0, "JSON decode error", {})
            return {
                "object": "error",
                "message": {"detail": [detail]},
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        body = rec.json if body is None else body
        if kind == "fim":
            return validate(body, FIM_FIELDS, ("model", "prompt"))
        if kind == "embed":
            return validate_embed(body)
        return validate(body, CHAT_FIELDS, ("model", "messages"))

    def _gateway(self, rec: Recorded, sub: str) -> None:
        h = rec.headers
        if sub == "/feedback":
            self._feedback(rec)
            return
        trace = h.get("x-portkey-trace-id") or str(uuid.uuid4())
        if not any(h.get(k) for k in GATEWAY_AUTH_HEADERS):
            msg = "Either x-portkey-config or x-portkey-provider header is required"
            self._send_json(
                400, {"status": "failure", "message": msg}, {"x-portkey-trace-id": trace}
            )
            return
        hdrs = {
            "x-portkey-provider": PROVIDER,
            "x-portkey-trace-id": trace,
            "x-portkey-retry-attempt-count": "0",
            "x-portkey-cache-status": "DISABLED",
            "x-portkey-last-used-option-index": "config",
        }
        if sub == "/completions" and rec.method == "POST":
            err = {
                "message": f"complete is not supported by {PROVIDER}",
                "type": None,
                "param": None,
                "code": None,
            }
            self._send_json(500, {"error": err, "provider": PROVIDER}, hdrs)
            return
        if sub == "/embeddings" and rec.method == "POST":
            self._gateway_embeddings(rec, hdrs)
            return
        if sub == "/chat/completions" or _PROMPT_ROUTE.fullmatch(sub):
            if rec.method != "POST":
                self._send_json(405, {"detail": "Method Not Allowed"}, hdrs)
                return
            self._gateway_transformed(rec, sub, hdrs)
            return
        # Anything else is proxied byte for byte, like the open-source gateway does.
        self._mistral(rec, sub, hdrs)

    def _feedback(self, rec: Recorded) -> None:
        """Portkey's feedback API (POST /v1/feedback): {trace_id, value, weight?, metadata?},
        value an integer in [-10, 10], weight a number in [0, 1], authenticated by
        x-portkey-api-key; answers {status, message, feedback_ids}. A reply queued for the
        path "/feedback" overrides (faults, error statuses)."""
        if rec.method != "POST":
            self._send_json(405, {"status": "failure", "message": "Method Not Allowed"})
            return
        queued = self.fake._pick_exact("/feedback")
        if queued is not None and (queued.status >= 400 or queued.fault):
            if queued.delay:
                self._pause(queued.delay)
            if queued.fault in ("reset", "hang"):
                if queued.fault == "hang":
                    self._pause(60)
                raise _Gone("fault")
            self._send_json(queued.status, {"status": "failure", "message": "fault injected"})
            return
        if not rec.headers.get("x-portkey-api-key"):
            self._send_json(401, {"status": "failure", "message": "Invalid API Key"})
            return
        problem = feedback_problem(rec.json if self.parsed_ok else None)
        if problem:
            self._send_json(400, {"status": "failure", "message": problem})
            return
        self._send_json(
            200,
            {
                "status": "success",
                "message": "Feedback successfully saved",
                "feedback_ids": [str(uuid.uuid4())],
            },
        )

    def _gateway_embeddings(self, rec: Recorded, hdrs: dict[str, str]) -> None:
        # Gateway 1.15.2's mistral-ai embed mapping keeps only model and input (a string is
        # wrapped in a list); its answer drops id and completion_tokens and adds "provider".
        if not rec.headers.get("x-portkey-virtual-key") and not self._auth_ok(rec):
            self._send_json(401, gateway_error(mistral_error(401)), hdrs)
            return
        body = rec.json if isinstance(rec.json, dict) else {}
        upstream: dict[str, Any] = {"model": body.get("model") or "mistral-embed"}
        if "input" in body:
            given = body["input"]
            upstream["input"] = given if isinstance(given, list) else [given]
        rec.upstream_json = upstream
        err = self._body_error(rec, "embed", upstream)
        if err is not None:
            self._send_json(422, gateway_error(err), hdrs)
            return
        ctx = _Ctx(kind="embed", upstream=upstream, wrap_errors=True, gateway=True, headers=hdrs)
        self._answer(rec, ctx)

    def _gateway_transformed(self, rec: Recorded, sub: str, hdrs: dict[str, str]) -> None:
        h = rec.headers
        virtual = bool(h.get("x-portkey-virtual-key"))  # hosted: the gateway holds the key
        if sub != "/chat/completions":
            # Prompt library: the hosted gateway renders the template; answer chat-shaped.
            if not isinstance(rec.json, dict) or not self.parsed_ok:
                self._send_json(400, {"status": "failure", "message": "Invalid request body"}, hdrs)
                return
            ctx = _Ctx(
                kind="prompt", upstream=dict(rec.json), wrap_errors=True, gateway=True, headers=hdrs
            )
            rec.upstream_json = ctx.upstream
            self._answer(rec, ctx)
            return
        if not virtual and not self._auth_ok(rec):
            self._send_json(401, gateway_error(mistral_error(401)), hdrs)
            return
        body = rec.json if isinstance(rec.json, dict) else {}
        fim = h.get("x-portkey-mistral-fim-completion", "").lower() == "true"
        try:
            config = json.loads(h.get("x-portkey-config") or "{}")
        except ValueError:
            config = {}  # a saved config id (hosted), not inline JSON
        if isinstance(config, dict) and str(config.get("mistral_fim_completion")) == "true":
            fim = True
        if fim:
            upstream = {k: v for k, v in body.items() if k in GATEWAY_FIM_KEEP}
            if "seed" in body:
                upstream["random_seed"] = body["seed"]
            t = upstream.get("temperature")
            if _is_number(t):
                upstream["temperature"] = min(max(t, 0), 1)
            kind = "fim"
        else:
            upstream = {k: v for k, v in body.items() if k in CHAT_FIELDS}
            kind = "chat"
        rec.upstream_json = upstream
        err = self._body_error(rec, kind, upstream)
        if err is not None:
            self._send_json(422, gateway_error(err), hdrs)
            return
        self._answer(
            rec, _Ctx(kind=kind, upstream=upstream, wrap_errors=True, gateway=True, headers=hdrs)
        )

    # -- answering --------------------------------------------------------------------------

    def _answer(self, rec: Recorded, ctx: _Ctx) -> None:
        if rec.upstream_json is None:
            rec.upstream_json = ctx.upstream
        try:
            reply = self.fake._pick(rec)
        except Exception as exc:  # a broken responder: say so instead of hanging the client
            traceback.print_exc(file=sys.stderr)
            self._send_json(500, mistral_error(500, f"fake responder failed: {exc!r}"))
            return
        if reply.delay > 0:
            self._pause(reply.delay)
        if reply.fault == "reset":
            # SO_LINGER 0 + close sends RST: the client sees a reset, not a clean EOF.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if reply.fault == "hang":
            while True:
                self._pause(3600)
        extra = _merge(ctx.headers, reply.headers)
        stream = ctx.upstream.get("stream") is True
        if reply.status >= 400:
            self._send_error_reply(reply, ctx, extra)
            return
        if reply.json is not None:
            self._send_json(reply.status, reply.json, extra)
            return
        if reply.body is not None:
            if stream:  # lets tests feed malformed SSE to the client
                self._send_raw_stream(reply.status, reply.body, extra)
            else:
                self._send_bytes(
                    reply.status, reply.body, _merge({"Content-Type": "application/json"}, extra)
                )
            return
        if ctx.kind == "embed":
            if reply.fault == "drip":
                self._drip(reply.status, False, extra)
            else:
                self._send_json(
                    reply.status, self._embeddings(ctx), _merge(_ratelimit_headers(), extra)
                )
            return
        tokens = list(reply.chunks) if reply.chunks is not None else split_words(reply.text or "")
        tokens, finish = _cut(tokens, ctx.upstream, reply.finish_reason)
        extra = _merge(_ratelimit_headers(), extra)
        if reply.fault == "drip":
            self._drip(reply.status, stream, extra)
        elif stream:
            self._stream(rec, ctx, reply, tokens, finish, extra)
        else:
            self._complete(rec, ctx, reply, tokens, finish, extra)

    def _send_error_reply(self, reply: Reply, ctx: _Ctx, extra: dict[str, str]) -> None:
        if reply.json is not None:
            self._send_json(reply.status, reply.json, extra)
        elif reply.body is not None:
            self._send_bytes(
                reply.status, reply.body, _merge({"Content-Type": "application/json"}, extra)
            )
        else:
            err = mistral_error(reply.status)
            self._send_json(reply.status, gateway_error(err) if ctx.wrap_errors else err, extra)

    def _embeddings(self, ctx: _Ctx) -> dict[str, Any]:
        up = ctx.upstream
        texts = up["input"] if isinstance(up["input"], list) else [up["input"]]
        dimension = up.get("output_dimension") or EMBED_DIMENSION
        tokens = sum(max(1, len(t) // 4) for t in texts)
        data = [
            {"object": "embedding", "embedding": fake_embedding(t, dimension), "index": i}
            for i, t in enumerate(texts)
        ]
        model = up.get("model")
        if ctx.wrap_errors:  # the gateway's re-shaped answer
            return {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                "provider": PROVIDER,
            }
        return {
            "id": uuid.uuid4().hex,
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens, "completion_tokens": 0},
        }

    def _meta(self, ctx: _Ctx) -> tuple[str, str, int]:
        model = ctx.upstream.get("model")
        if not isinstance(model, str) or model in ("", "codestral-latest"):
            model = "codestral-2508"  # the real API answers with the resolved model name
        return uuid.uuid4().hex, model, int(time.time())

    def _usage(self, ctx: _Ctx, n: int) -> dict[str, int]:
        up = ctx.upstream
        chars = sum(
            len(up.get(k) or "") for k in ("prompt", "suffix") if isinstance(up.get(k), str)
        )
        if isinstance(up.get("messages"), list):
            chars += len(json.dumps(up["messages"]))
        prompt = max(1, chars // 4)
        return {"prompt_tokens": prompt, "completion_tokens": n, "total_tokens": prompt + n}

    def _complete(
        self,
        rec: Recorded,
        ctx: _Ctx,
        reply: Reply,
        tokens: list[str],
        finish: str,
        extra: dict[str, str],
    ) -> None:
        cid, model, created = self._meta(ctx)
        obj: dict[str, Any] = {
            "id": cid,
            "object": "chat.completion",
            "model": model,
            "created": created,
            "usage": self._usage(ctx, len(tokens)),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(tokens)},
                    "finish_reason": finish,
                }
            ],
        }
        if ctx.wrap_errors:
            obj["provider"] = PROVIDER
        body = json.dumps(obj).encode()
        hdrs = _merge({"Content-Type": "application/json"}, extra)
        rec.chunks_generated = len(tokens)
        if reply.fault == "reset_mid_body":
            # Promise the full length, deliver half, hang up.
            self.rec_status(reply.status)
            self._send_head(reply.status, {**hdrs, "Content-Length": str(len(body))})
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        elif reply.fault == "cut_stream":
            # Chunked body without the terminating zero-size chunk.
            self.rec_status(reply.status)
            self._send_head(reply.status, {**hdrs, "Transfer-Encoding": "chunked"})
            self._write_chunk(body)
            self.close_connection = True
        else:
            self._send_bytes(reply.status, body, hdrs)

    def _stream_head(self, status: int, extra: dict[str, str]) -> None:
        self.rec_status(status)
        if self.rec is not None:
            self.rec.streamed = True
        hdrs = _merge(
            {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"},
            extra,
        )
        self._send_head(status, {**hdrs, "Transfer-Encoding": "chunked"})

    def _send_raw_stream(self, status: int, body: bytes, extra: dict[str, str]) -> None:
        self._stream_head(status, extra)
        if body:
            self._write_chunk(body)
        self.wfile.write(b"0\r\n\r\n")

    def _stream(
        self,
        rec: Recorded,
        ctx: _Ctx,
        reply: Reply,
        tokens: list[str],
        finish: str,
        extra: dict[str, str],
    ) -> None:
        cid, model, created = self._meta(ctx)
        usage = self._usage(ctx, len(tokens))
        toks = tokens or [""]  # an empty answer still gets one chunk carrying finish_reason
        self._stream_head(reply.status, extra)
        for i, tok in enumerate(toks):
            why = self._wait(reply.token_delay if i else 0)
            if why:
                if why == "gone" and ctx.gateway:
                    self._keep_generating(rec, len(toks) - i, reply.token_delay)
                raise _Gone(why)
            last = i == len(toks) - 1
            delta: dict[str, Any] = {"content": tok}
            if i == 0:
                delta = {"role": "assistant", "content": tok}
            chunk: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish if last else None}
                ],
            }
            if last:
                chunk["usage"] = usage
            if ctx.wrap_errors:
                chunk["provider"] = PROVIDER
            event = b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"
            if reply.fault == "reset_mid_body":
                self._write_chunk(event[: len(event) // 2], declared=len(event))
                self.close_connection = True
                return
            rec.chunks_generated += 1
            self._write_chunk(event)
            rec.chunks_sent += 1
        if reply.fault == "cut_stream":
            self.close_connection = True  # no [DONE], no zero-size chunk
            return
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _keep_generating(self, rec: Recorded, remaining: int, token_delay: float) -> None:
        # Through Portkey a dropped client does not cancel the upstream generation.
        for _ in range(remaining):
            if self.fake._stopping.wait(token_delay):
                return
            rec.chunks_generated += 1

    def _drip(self, status: int, stream: bool, extra: dict[str, str]) -> None:
        ctype = "text/event-stream; charset=utf-8" if stream else "application/json"
        self.rec_status(status)
        if self.rec is not None:
            self.rec.streamed = stream
        self._send_head(
            status, _merge({"Content-Type": ctype}, {**extra, "Transfer-Encoding": "chunked"})
        )
        while True:
            self._write_chunk(b" ")  # whitespace: never completes a JSON value or an SSE line
            self._pause(0.2)

    # -- control API ------------------------------------------------------------------------

    def _control(self, path: str, body: bytes) -> None:
        """``/_fake/*``: drive the fake from another process. Never recorded."""
        fake = self.fake
        try:
            data: Any = json.loads(body) if body else None
            if path == "/_fake/requests" and self.command == "GET":
                self._send_json(200, [r.to_dict() for r in fake.requests])
            elif path == "/_fake/stats" and self.command == "GET":
                self._send_json(
                    200, {"connections": fake.connections, "requests": len(fake.requests)}
                )
            elif self.command != "POST":
                self._send_json(405, {"error": "use POST"})
            elif path == "/_fake/enqueue":
                items = data if isinstance(data, list) else [data]
                for item in items:
                    reply, suffix = reply_from_dict(item)
                    fake.enqueue(reply, path=suffix)
                self._send_json(200, {"queued": len(items)})
            elif path == "/_fake/default":
                fake.set_default(None if data is None else reply_from_dict(data)[0])
                self._send_json(200, {"ok": True})
            elif path == "/_fake/text":
                if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                    raise ValueError('expected {"text": "..."}')
                fake.default_text = data["text"]
                self._send_json(200, {"ok": True})
            elif path == "/_fake/reset":
                fake.reset()
                self._send_json(200, {"ok": True})
            else:
                self._send_json(404, {"error": f"unknown control path {path}"})
        except (ValueError, TypeError) as exc:
            self._send_json(400, {"error": str(exc)})


def _merge(base: dict[str, str], override: dict[str, str]) -> dict[str, str]:
    """Header merge where ``override`` replaces ``base`` case-insensitively."""
    lowered = {k.lower() for k in override}
    out = {k: v for k, v in base.items() if k.lower() not in lowered}
    out.update(override)
    return out


def _ratelimit_headers() -> dict[str, str]:
    return {
        "x-ratelimit-limit-req-minute": "120",
        "x-ratelimit-remaining-req-minute": "119",
        "x-ratelimit-limit-tokens-minute": "500000",
        "x-ratelimit-remaining-tokens-minute": "499000",
        "x-ratelimit-tokens-query-cost": "100",
    }


def reply_from_dict(obj: Any) -> tuple[Reply, str | None]:
    """Build a Reply (and optional path filter) from control-API JSON."""
    if not isinstance(obj, dict):
        raise ValueError("a reply must be a JSON object")
    obj = dict(obj)
    suffix = obj.pop("path", None)
    if "body_b64" in obj:  # for non-UTF-8 bodies
        obj["body"] = base64.b64decode(obj.pop("body_b64"))
    elif isinstance(obj.get("body"), str):
        obj["body"] = obj["body"].encode()
    unknown = set(obj) - {f.name for f in dataclasses.fields(Reply)}
    if unknown:
        raise ValueError(f"unknown Reply fields: {sorted(unknown)}")
    return Reply(**obj), suffix


class FakeMistral:
    """Fake Mistral API + Portkey-like gateway, served from background threads."""

    def __init__(self, api_key: str | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api_key = api_key
        self.host = host
        self.port = port
        self.default_text = "pass"
        self.responder: Callable[[Recorded], Reply] | None = None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._queue: list[tuple[str | None, Reply]] = []
        self._default: Reply | None = None
        self._requests: list[Recorded] = []
        self._connections = 0
        self._open: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._serve_thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeMistral:
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        # Short poll interval so stop() returns promptly.
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-mistral",
            daemon=True,
        )
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        self._stopping.set()  # ends hang/drip/delay/stream loops
        server.shutdown()
        with self._lock:
            socks = list(self._open)
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)  # wakes handlers idling on keep-alive reads
        server.server_close()
        if self._serve_thread is not None:
            self._serve_thread.join(2)
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(2)
        self._server = None

    def __enter__(self) -> FakeMistral:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.port}/gateway/v1"

    # -- scripting --------------------------------------------------------------------------

    def enqueue(self, *replies: Reply, path: str | None = None) -> None:
        with self._lock:
            self._queue.extend((path, r) for r in replies)

    def set_default(self, reply: Reply | None) -> None:
        with self._lock:
            self._default = reply

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._default = None
            self._requests.clear()

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    def wait_for_requests(
        self, n: int, timeout: float = 5.0, finished: bool = False
    ) -> list[Recorded]:
        """Wait until ``n`` requests arrived (and, with ``finished``, were fully answered)."""

        def ready() -> bool:
            if len(self._requests) < n:
                return False
            return not finished or all(r.t_finished is not None for r in self._requests[:n])

        with self._cond:
            if not self._cond.wait_for(ready, timeout):
                got = len(self._requests)
                raise TimeoutError(f"expected {n} requests within {timeout}s, got {got}")
            return list(self._requests)

    # -- used by the handler ----------------------------------------------------------------

    def _pick(self, rec: Recorded) -> Reply:
        with self._lock:
            chosen: Reply | None = None
            for i, (suffix, _r) in enumerate(self._queue):
                if suffix is None or rec.path.endswith(suffix):
                    chosen = self._queue.pop(i)[1]
                    break
            if chosen is None:
                chosen = self._default
            responder = self.responder
        from_responder = False
        if chosen is None:
            chosen = responder(rec) if responder else Reply()
            from_responder = responder is not None
        if chosen.text is None and chosen.chunks is None:
            if responder is not None and not from_responder:
                src = responder(rec)
                if src.chunks is not None or src.text is not None:
                    return dataclasses.replace(chosen, text=src.text, chunks=src.chunks)
            chosen = dataclasses.replace(chosen, text=self.default_text)
        return chosen

    def _pick_exact(self, suffix: str) -> Reply | None:
        """A reply queued for exactly this path suffix (never the default or a catch-all)."""
        with self._lock:
            for i, (queued_for, _r) in enumerate(self._queue):
                if queued_for == suffix:
                    return self._queue.pop(i)[1]
        return None

    def feedback(self) -> list[dict[str, Any]]:
        """The feedback bodies received (valid or not), in order."""
        return [r.json for r in self.requests if r.path.endswith("/feedback")]

    def _log(self, rec: Recorded) -> None:
        with self._cond:
            self._requests.append(rec)
            self._cond.notify_all()

    def _finished(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _conn_opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections += 1
            self._open.add(sock)

    def _conn_closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
            self._threads.discard(threading.current_thread())

    def _track_thread(self, t: threading.Thread) -> None:
        with self._lock:
            self._threads.add(t)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.mistral",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default=None, help="require 'Authorization: Bearer KEY'")
    parser.add_argument("--text", default=None, help="default completion text")
    args = parser.parse_args(argv)

    done = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fake = FakeMistral(api_key=args.api_key, port=args.port)
    if args.text is not None:
        fake.default_text = args.text
    fake.start()
    try:
        print(fake.base_url, flush=True)  # the one line a parent process waits for
        while not done.wait(0.1):  # short waits: signal handlers run between them
            pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
