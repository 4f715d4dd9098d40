"""The language server: owns the Codestral service, the client's capabilities and encoding,
and what the user is shown; handlers (``handlers.py``) and commands (``commands.py``) receive
it typed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from codestral_ls import __version__
from codestral_ls.documents import UTF8, UTF16, UTF32, Change
from codestral_ls.lsp.fixes import ClientFixes
from codestral_ls.lsp.pygls_fixes import CodestralProtocol
from codestral_ls.messages import Level, State
from codestral_ls.service import Codestral

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "codestral/status"
_LEVELS: dict[Level, types.MessageType] = {
    "error": types.MessageType.Error,
    "warning": types.MessageType.Warning,
    "info": types.MessageType.Info,
}
_ENCODINGS: dict[str, str] = {
    types.PositionEncodingKind.Utf8: UTF8,
    types.PositionEncodingKind.Utf32: UTF32,
}

CommandRunner = Callable[[types.ExecuteCommandParams], Awaitable[Any]]


class CodestralServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "codestral-ls",
            __version__,
            protocol_cls=CodestralProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self._pending: list[tuple[Level, str]] = []
        # The fixes the client offers (initializationOptions.client), named in messages.
        self.fixes = ClientFixes()
        # The client asks again on codestral/suggestionUpdated (growth.py).
        self.takes_updates = False
        self.service = Codestral(notify=self.show, on_state=self.send_state)
        self.initialized = False
        # Set by the composition root (build.py): executeCommand dispatch.
        self.run_command: CommandRunner | None = None

    @property
    def encoding(self) -> str:
        try:
            kind = self.workspace.position_encoding
        except RuntimeError:
            return UTF16
        return _ENCODINGS.get(kind or "", UTF16)

    def supports(self, field: str) -> bool:
        """Does the client declare this capability (a dotted path such as
        ``text_document.inline_completion``)?"""
        return bool(get_capability(self.client_capabilities, field, False))

    # --- what the user sees ---------------------------------------------------------------

    def show(self, level: Level, text: str) -> None:
        if not self.initialized:
            # Before `initialized` the client may not show messages yet; keep them in the log.
            log.warning("%s", text)
            self._pending.append((level, text))
            return
        text, actions = self.fixes.adapt(text)
        if actions:
            # The client runs the chosen action itself; the answer needs nothing from us.
            items = [types.MessageActionItem(title=title) for title in actions]
            self.window_show_message_request(
                types.ShowMessageRequestParams(type=_LEVELS[level], message=text, actions=items)
            )
            return
        self.window_show_message(types.ShowMessageParams(type=_LEVELS[level], message=text))

    def send_state(self, state: State, message: str) -> None:
        if self.initialized:
            self.protocol.notify(STATUS_NOTIFICATION, {"state": state, "message": message})

    def mark_initialized(self) -> None:
        """The client is ready for messages: show what waited, then the current state."""
        self.initialized = True
        pending, self._pending = self._pending, []
        for level, text in pending:
            self.show(level, text)
        self.send_state(self.service.state, self.service.state_message)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Never a message storm: internal errors are logged, the request answers empty.
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error)

    # --- document sync and commands (CodestralProtocol hands these over) ------------------

    def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        self.service.open_document(
            item.uri, item.language_id, item.version, item.text, path=to_fs_path(item.uri)
        )

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        changes = [
            Change(
                (c.range.start.line, c.range.start.character),
                (c.range.end.line, c.range.end.character),
                c.text,
            )
            if isinstance(c, types.TextDocumentContentChangePartial)
            else Change(None, None, c.text)
            for c in params.content_changes
        ]
        uri = params.text_document.uri
        if not self.service.change_document(
            uri, params.text_document.version, changes, self.encoding
        ):
            log.warning("didChange for a document never opened: %s", uri)

    def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        self.service.close_document(params.text_document.uri)

    async def execute_command(self, params: types.ExecuteCommandParams) -> Any:
        assert self.run_command is not None, "build_server() sets the command runner"
        return await self.run_command(params)


def path_of(uri: str) -> str | None:
    """The file system path a URI names (None for non-file URIs), drive letters normalised."""
    return to_fs_path(uri)
