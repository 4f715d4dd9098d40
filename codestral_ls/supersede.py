"""Request supersession: a newer completion request for a document makes the older one give
way (during its debounce it then never reaches the upstream)."""

from __future__ import annotations

import asyncio


class Supersession:
    def __init__(self) -> None:
        # The pending request of each document: resolved when a newer one takes over.
        self._waiting: dict[str, asyncio.Future[None]] = {}

    def register(self, doc_key: str) -> asyncio.Future[None]:
        """The newest request of ``doc_key``; its future resolves when it is superseded."""
        superseded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[doc_key] = superseded
        return superseded

    def supersede(self, doc_key: str) -> bool:
        """A newer request for this document: the older one gives way. True when one did."""
        older = self._waiting.pop(doc_key, None)
        if older is not None and not older.done():
            older.set_result(None)
            return True
        return False
