"""Every completion request, inspectable: what was sent, what came back, what post-processing
changed, what was shown, how long each step took, what it cost.

The engine fills a ``Trail`` per request and a ``CallRecord`` per upstream call (shared by the
requests that joined the call or were answered from its cached text). The last RECENT trails are
kept in memory for ``codestral.inspect``; with ``inspector.log`` each is also appended to
``inspector.jsonl`` in the cache directory (rotated at LOG_LIMIT bytes) for ``codestral-ls
inspect``. Keys are scrubbed from every record before it leaves (the caller passes them).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codestral_ls.messages import scrub

log = logging.getLogger(__name__)

RECENT = 50
LOG_NAME = "inspector.jsonl"
LOG_LIMIT = 4 * 1024 * 1024
_SNIPPET = re.compile(r"^\+\+\+\+\+ (.*)$", re.M)


@dataclass
class CallRecord:
    """One upstream call."""

    trace_id: str
    route: str
    model: str
    model_prompt: str  # the cross-file header + prefix, when there was a header
    multiline: bool
    max_tokens: int
    raw: str = ""
    rules: list[str] = field(default_factory=list)
    text: str = ""  # after post-processing
    first_byte_ms: float | None = None
    total_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False
    error: str | None = None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Trail:
    """One completion request, from the editor's ask to what it was shown."""

    uri: str
    file: str
    language: str
    line: int
    index: int
    invoked: bool
    started: float  # monotonic
    at: float  # wall clock, for people
    prefix: str = ""
    suffix: str = ""
    multiline: bool = False
    redactions: int = 0
    stage: str = "full"
    source: str = "none"  # cache | typed_through | joined | upstream | blocked | ...
    debounce_ms: float | None = None
    total_ms: float | None = None
    shown: str | None = None
    id: str | None = None
    call: CallRecord | None = None
    # Shown before its answer had streamed to the end (early.py): the whole suggestion once it
    # is known and differs (None: it never does, or the request was overtaken). Not in the
    # record.
    growing: asyncio.Future[str | None] | None = None
    # Then the whole suggestion shown here, once its answer is in (grown or not), for the
    # prefetch of what follows it. Not in the record.
    whole: str | None = None

    def to_dict(self) -> dict[str, Any]:
        call = self.call
        sent = None
        if call is not None:
            header = call.model_prompt[: len(call.model_prompt) - len(self.prefix)]
            sent = {
                "model": call.model,
                "multiline": call.multiline,
                "maxTokens": call.max_tokens,
                "snippets": snippets(header) if call.model_prompt else [],
            }
        return {
            "at": round(self.at, 3),
            "id": self.id,
            "file": self.file,
            "language": self.language,
            "position": {"line": self.line, "index": self.index},
            "invoked": self.invoked,
            "stage": self.stage,
            "source": self.source,
            "prefixChars": len(self.prefix),
            "suffixChars": len(self.suffix),
            "prefix": self.prefix,
            "suffix": self.suffix,
            "multiline": self.multiline,
            "redactions": self.redactions,
            "sent": sent,
            "route": call.route if call else None,
            "traceId": call.trace_id if call else None,
            "raw": call.raw if call else None,
            "rules": list(call.rules) if call else [],
            "shown": self.shown,
            "timings": {
                "debounceMs": _ms(self.debounce_ms),
                "firstByteMs": _ms(call.first_byte_ms) if call else None,
                "upstreamMs": _ms(call.total_ms) if call else None,
                "totalMs": _ms(self.total_ms),
            },
            "tokens": (
                {
                    "prompt": call.prompt_tokens,
                    "completion": call.completion_tokens,
                    "estimated": call.estimated,
                }
                if call and call.total_ms is not None
                else None
            ),
            "error": call.error if call else None,
        }


def snippets(header: str) -> list[dict[str, Any]]:
    """The cross-file blocks of a prompt header: each source file and the text sent from it
    (the header's last line names the current file and carries no text)."""
    out: list[dict[str, Any]] = []
    marks = list(_SNIPPET.finditer(header))
    for mark, following in itertools.pairwise(marks):
        text = header[mark.end() + 1 : following.start()]
        out.append({"path": mark.group(1), "chars": len(text), "text": text})
    return out


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class Inspector:
    def __init__(self, folder: Path | None = None) -> None:
        self._recent: deque[Trail] = deque(maxlen=RECENT)
        self._folder = folder
        self.log_enabled = False
        self._log_failed = False

    @property
    def log_path(self) -> Path | None:
        return None if self._folder is None else self._folder / LOG_NAME

    def add(self, trail: Trail) -> None:
        self._recent.append(trail)

    def finished(self, trail: Trail, secrets: Iterable[str]) -> None:
        """The request is over (shown or not): log it when asked to."""
        path = self.log_path
        if not self.log_enabled or path is None or self._log_failed:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > LOG_LIMIT:
                os.replace(path, path.with_suffix(".jsonl.1"))
            line = scrub(json.dumps(trail.to_dict(), ensure_ascii=False), list(secrets))
            with open(path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            self._log_failed = True
            log.warning("inspector log %s not written: %s", path, exc)

    def recent(self, limit: int, secrets: Iterable[str]) -> list[dict[str, Any]]:
        """The last ``limit`` requests, newest first, keys scrubbed."""
        keys = list(secrets)
        items = list(self._recent)[-limit:] if limit > 0 else []
        return [scrub_tree(t.to_dict(), keys) for t in reversed(items)]


def scrub_tree(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {k: scrub_tree(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_tree(v, secrets) for v in value]
    return value


def read_log(path: Path, limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` records of an inspector log, newest first (bad lines skipped)."""
    if limit <= 0:
        return []
    lines: deque[str] = deque(maxlen=limit)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.strip():
                lines.append(line)
    out = []
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out
