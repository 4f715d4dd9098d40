"""Mistral's wire format: FIM and chat bodies, JSON and SSE answers (also as relayed)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from codestral_ls.upstream.errors import UpstreamError, message_from
from codestral_ls.upstream.requests import ChatRequest, FimRequest


@dataclass
class Delta:
    """A piece of answer text; ``finish_reason`` set on the last one."""

    text: str
    finish_reason: str | None = None
    # Token counts, when the answer reports them (JSON answers; a stream's last chunk).
    usage: dict[str, int] | None = None


def fim_body(req: FimRequest, *, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": req.model,
        "prompt": req.prompt,
        "suffix": req.suffix,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
        "stream": stream,
    }
    if req.stop:
        body["stop"] = list(req.stop)
    return body


def chat_body(req: ChatRequest, *, stream: bool) -> dict[str, Any]:
    return {
        "model": req.model,
        "messages": req.messages,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
        "stream": stream,
    }


def _choice_text(payload: Any, *, chunk: bool) -> Delta:
    if not isinstance(payload, dict):
        raise UpstreamError("malformed", "the answer is not a JSON object")
    if "error" in payload or payload.get("object") == "error":
        raise UpstreamError("server", message_from(payload) or "error inside the answer")
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UpstreamError("malformed", "the answer has no choices")
    choice = choices[0]
    finish = choice.get("finish_reason")
    if "text" in choice and "message" not in choice and "delta" not in choice:
        text = choice.get("text")  # OpenAI text-completion shape (gateway "completions" route)
    else:
        holder = choice.get("delta" if chunk else "message")
        if not isinstance(holder, dict):
            if chunk:
                return Delta("", finish, _usage(payload.get("usage")))
            raise UpstreamError("malformed", "the answer has no message")
        text = holder.get("content")
        if text is None and chunk:
            text = ""
    if isinstance(text, list):  # content as a list of parts
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    if not isinstance(text, str):
        raise UpstreamError("malformed", "the answer's content is not text")
    return Delta(text, finish, _usage(payload.get("usage")))


def _usage(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    counts = {
        k: v
        for k in ("prompt_tokens", "completion_tokens", "total_tokens")
        if isinstance(v := value.get(k), int) and not isinstance(v, bool) and v >= 0
    }
    return counts or None


def parse_json_answer(body: bytes) -> Delta:
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UpstreamError("malformed", "the answer is not UTF-8") from exc
    except ValueError as exc:
        raise UpstreamError("malformed", "the answer is not valid JSON") from exc
    return _choice_text(payload, chunk=False)


async def parse_sse(lines: AsyncIterator[str]) -> AsyncIterator[Delta]:
    """Server-sent events -> deltas. A stream that stops before [DONE] and before any
    finish_reason was cut off, and says so."""
    finished = False
    async for raw in lines:
        line = raw.strip()
        if not line or line.startswith((":", "event:", "id:", "retry:")):
            continue
        if not line.startswith("data:"):
            raise UpstreamError("malformed", "the stream has a line that is not an event")
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise UpstreamError("malformed", "the stream has an event that is not JSON") from exc
        delta = _choice_text(payload, chunk=True)
        finished = finished or delta.finish_reason is not None
        yield delta
    if not finished:
        raise UpstreamError("malformed", "the stream ended before it was complete")
