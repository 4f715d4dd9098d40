"""Suggestion cache: a TTL+LRU map keyed by everything that changes the answer (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cachetools import TTLCache


def cache_key(*parts: object) -> str:
    """A short digest of every field that changes the answer (route, model, text, options).

    Hashing keeps memory per entry small and the key free of the prompt's text."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


class SuggestionCache:
    def __init__(self, size: int, ttl_seconds: float) -> None:
        self.resize(size, ttl_seconds)

    def resize(self, size: int, ttl_seconds: float) -> None:
        self._store: TTLCache[str, str] | None = (
            TTLCache(maxsize=size, ttl=ttl_seconds) if size > 0 and ttl_seconds > 0 else None
        )

    def get(self, key: str) -> str | None:
        return None if self._store is None else self._store.get(key)

    def put(self, key: str, text: str) -> None:
        if self._store is not None:
            self._store[key] = text

    def clear(self) -> None:
        if self._store is not None:
            self._store.clear()

    def __len__(self) -> int:
        return 0 if self._store is None else len(self._store)


@dataclass(frozen=True)
class Shown:
    """A suggestion recently shown for a document, for answering while the user types it."""

    prompt_tail: str
    suffix_head: str
    text: str
    # Fetched ahead for the end of another suggestion (prefetch.py): answers that very place
    # too, where an ordinary answer gives way to a fresh call with the current context.
    prefetched: bool = False
    origin: object = field(default=None, compare=False)  # the call that produced it


TAIL = 256
HEAD = 128


def typed_through_shown(recent: list[Shown], prompt: str, suffix: str) -> tuple[str, Shown] | None:
    """If the user has typed the start of a recent suggestion, the rest of it, with the
    suggestion it continues; else None. For a prefetched one, nothing typed yet (the prompt ends
    where it was asked for: the user accepted the suggestion before it) gives all of it."""
    head = suffix[:HEAD]
    for shown in reversed(recent):
        if shown.suffix_head != head:
            continue
        window = prompt[-(len(shown.prompt_tail) + len(shown.text)) :]
        at = window.rfind(shown.prompt_tail)
        if at < 0:
            continue
        typed = window[at + len(shown.prompt_tail) :]
        if not typed and not shown.prefetched:
            continue
        if len(typed) < len(shown.text) and shown.text.startswith(typed):
            return shown.text[len(typed) :], shown
    return None


def typed_to_end(recent: list[Shown], prompt: str, suffix: str) -> bool:
    """Has the user just typed the whole of a recent suggestion (the cursor is where the
    model said the text stops, and no answer for here is known)?"""
    head = suffix[:HEAD]
    for shown in reversed(recent):
        end = shown.prompt_tail + shown.text
        if shown.suffix_head == head and shown.text and prompt.endswith(end[-TAIL:]):
            return True
    return False


def typed_through(recent: list[Shown], prompt: str, suffix: str) -> str | None:
    """If the user has typed the start of a recent suggestion, the rest of it; else None."""
    found = typed_through_shown(recent, prompt, suffix)
    return None if found is None else found[0]
