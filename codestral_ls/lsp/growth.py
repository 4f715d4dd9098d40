"""Suggestions shown before their answer had streamed to the end (``codestral_ls/early.py``):
which clients take them, and telling those clients when the whole suggestion is known.

A client declares at initialize that it asks again when told, in ``initializationOptions``:
``{"client": {"suggestionUpdates": true}}`` (the VS Code extension and the Neovim plugin do).
It then gets the complete lines of a multi-line answer as soon as they are in, and a
``codestral/suggestionUpdated`` notification, ``{"textDocument": {"uri": ...}, "position":
...}``, when the whole suggestion for that place is known and differs; asking again at that
place answers it from the cache. Every other client gets whole answers only, as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from codestral_ls.lsp.fixes import client_options

log = logging.getLogger(__name__)

UPDATED_NOTIFICATION = "codestral/suggestionUpdated"

# The tasks that wait for a whole suggestion (a task nobody references may be collected).
_waiting: set[asyncio.Task[None]] = set()


def takes_updates(options: Any) -> bool:
    """Did the client declare that it asks again on ``codestral/suggestionUpdated``?"""
    return client_options(options).get("suggestionUpdates") is True


def tell_when_grown(
    server: LanguageServer,
    uri: str,
    position: types.Position,
    growing: asyncio.Future[str | None],
) -> None:
    """Once ``growing`` says the suggestion shown at ``position`` grew, tell the client."""

    async def wait() -> None:
        try:
            if await growing is not None:
                server.protocol.notify(
                    UPDATED_NOTIFICATION,
                    {
                        "textDocument": {"uri": uri},
                        "position": {"line": position.line, "character": position.character},
                    },
                )
        except asyncio.CancelledError:
            raise
        except Exception:  # the suggestion shown stays; only its update is lost
            log.exception("telling the client a suggestion grew failed")

    task = asyncio.ensure_future(wait())
    _waiting.add(task)
    task.add_done_callback(_waiting.discard)
