"""What the rest of the server asks the upstream for: a FIM completion or a chat answer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FimRequest:
    prompt: str
    suffix: str
    model: str
    max_tokens: int
    temperature: float
    stop: tuple[str, ...] = ()
    # Sent as x-portkey-trace-id on the gateway route (feedback and the inspector refer to it).
    trace_id: str = ""


@dataclass(frozen=True)
class ChatRequest:
    messages: list[dict[str, str]]
    model: str
    max_tokens: int
    temperature: float = 0.2
    # Prompt library (gateway): the saved prompt's id and its variables.
    prompt_id: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
