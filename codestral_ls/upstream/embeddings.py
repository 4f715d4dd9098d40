"""Mistral's embeddings wire format: ``POST {base}/embeddings`` with ``{"model", "input"}``,
answered ``{"id", "object": "list", "data": [{"object": "embedding", "embedding", "index"}],
"model", "usage"}``. Through the open-source Portkey gateway the answer loses ``id`` and
``usage.completion_tokens`` and gains ``"provider"`` (tests/gateway/FACTS.md): both parse here.
"""

from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass
from typing import Any

from codestral_ls.upstream.errors import UpstreamError, message_from

# codestral.mistral.ai serves FIM and chat only; embeddings live on the general API host.
EMBEDDINGS_BASE_URL = "https://api.mistral.ai/v1"
MAX_DIMENSION = 8192


@dataclass(frozen=True)
class Embeddings:
    """One answer: a float32 vector per input, in input order, and the tokens it cost."""

    vectors: list[array[float]]
    prompt_tokens: int
    total_tokens: int


def embeddings_body(texts: list[str], model: str) -> dict[str, Any]:
    return {"model": model, "input": texts}


def parse_embeddings(body: bytes, count: int) -> Embeddings:
    """The answer for ``count`` inputs; anything else is a typed ``malformed`` error."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UpstreamError("malformed", "the embeddings answer is not UTF-8") from exc
    except ValueError as exc:
        raise UpstreamError("malformed", "the embeddings answer is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise UpstreamError("malformed", "the embeddings answer is not a JSON object")
    if "error" in payload or payload.get("object") == "error":
        raise UpstreamError("server", message_from(payload) or "error inside the answer")
    data = payload.get("data")
    if not isinstance(data, list) or len(data) != count:
        raise UpstreamError("malformed", f"the embeddings answer does not hold {count} vectors")
    vectors: list[array[float] | None] = [None] * count
    dimension: int | None = None
    for position, item in enumerate(data):
        if not isinstance(item, dict):
            raise UpstreamError("malformed", "an embedding is not an object")
        index = item.get("index", position)
        values = item.get("embedding")
        if not isinstance(index, int) or not 0 <= index < count or vectors[index] is not None:
            raise UpstreamError("malformed", "the embeddings answer has a wrong index")
        if not isinstance(values, list) or not 0 < len(values) <= MAX_DIMENSION:
            raise UpstreamError("malformed", "an embedding is not a list of numbers")
        try:
            vector = array("f", values)
        except TypeError as exc:
            raise UpstreamError("malformed", "an embedding is not a list of numbers") from exc
        if dimension is None:
            dimension = len(vector)
        if len(vector) != dimension or not all(math.isfinite(v) for v in vector):
            raise UpstreamError("malformed", "the embeddings differ in size or hold NaN")
        vectors[index] = vector
    usage = payload.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    prompt = usage.get("prompt_tokens")
    total = usage.get("total_tokens", prompt)
    return Embeddings(
        [v for v in vectors if v is not None],
        prompt if isinstance(prompt, int) else 0,
        total if isinstance(total, int) else 0,
    )
