"""Typed upstream failures, and reading an error message out of any shape the APIs use."""

from __future__ import annotations

import json
from typing import Any, Literal

# What callers branch on. "provider_unreachable": the gateway answered, but could not reach the
# provider behind it; "prompt": a saved prompt cannot run; "unsupported_route": the gateway does
# not serve the configured FIM route.
ErrorKind = Literal[
    "auth",
    "rate_limit",
    "not_found",
    "timeout",
    "too_large",
    "server",
    "bad_request",
    "unreachable",
    "provider_unreachable",
    "prompt",
    "unsupported_route",
    "malformed",
    "config",
]
# kind -> is it worth trying the other route (failover) or again later
TRANSIENT: frozenset[ErrorKind] = frozenset(
    ("server", "timeout", "unreachable", "provider_unreachable")
)


class UpstreamError(Exception):
    """One failed upstream call. ``kind`` is what callers branch on; text never holds a key."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{kind}: {detail}" if status is None else f"{kind} ({status}): {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT


def kind_for_status(status: int) -> ErrorKind:
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "rate_limit"
    if status == 404:
        return "not_found"
    if status in (408, 504):
        return "timeout"
    if status == 413:
        return "too_large"
    if status >= 500:
        return "server"
    return "bad_request"


def message_from(value: Any) -> str | None:
    """Dig a human message out of Mistral's, FastAPI's and Portkey's error bodies."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                msg = item.get("msg") or item.get("message") or item.get("type")
                parts.append(f"{loc}: {msg}" if loc else str(msg))
            else:
                parts.append(str(item))
        return "; ".join(parts) or None
    if isinstance(value, dict):
        for key in ("message", "detail", "error", "msg"):
            if key in value:
                found = message_from(value[key])
                if found:
                    return found
    return None


def error_message(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    try:
        found = message_from(json.loads(text))
    except ValueError:
        found = None
    message = (found or text or "no details").replace("\n", " ")
    return message if len(message) <= limit else message[: limit - 1] + "…"


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        # An HTTP date; rare from these APIs. Fall back to the caller's backoff.
        return None
    return max(0.0, min(seconds, 3600.0))
