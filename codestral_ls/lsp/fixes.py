"""The fixes the client at hand offers, named in the messages that need them.

A client may declare them at initialize, next to its settings, in ``initializationOptions``:
``{"codestral": {...}, "client": {"setKey": {"title": "Set API Key", "command": "Codestral: Set
API Key"}}}`` (the VS Code extension does). A message whose fix is storing a key then names the
client's command instead of the generic fix and offers ``title`` as an action
(``window/showMessageRequest``); the client runs it when chosen. Without the declaration a
message keeps its generic text (environment variables and settings), as every other editor gets
it. Settings parsing ignores the ``client`` key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codestral_ls.messages import NO_KEY_FIX


@dataclass(frozen=True)
class ClientFix:
    title: str  # the action's title (a button)
    command: str  # how the user runs it by hand, e.g. a command palette entry


def _fix(raw: Any) -> ClientFix | None:
    if not isinstance(raw, Mapping):
        return None
    title, command = raw.get("title"), raw.get("command")
    if isinstance(title, str) and title and isinstance(command, str) and command:
        return ClientFix(title, command)
    return None


def client_options(options: Any) -> Mapping[str, Any]:
    """What the client declares about itself at initialize: ``initializationOptions.client``
    (empty when it declares nothing, or not as an object)."""
    client = options.get("client") if isinstance(options, Mapping) else None
    return client if isinstance(client, Mapping) else {}


@dataclass(frozen=True)
class ClientFixes:
    set_key: ClientFix | None = None

    @classmethod
    def from_init_options(cls, options: Any) -> ClientFixes:
        return cls(set_key=_fix(client_options(options).get("setKey")))

    def adapt(self, text: str) -> tuple[str, list[str]]:
        """The message as this client should show it, and the actions it offers."""
        if self.set_key and NO_KEY_FIX in text:
            fix = (
                f'run "{self.set_key.command}" (or set CODESTRAL_API_KEY in the editor\'s '
                "environment)"
            )
            return text.replace(NO_KEY_FIX, fix), [self.set_key.title]
        return text, []
