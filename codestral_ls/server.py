"""The language server: owns the Codestral service and keeps documents in our own store."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from codestral_ls import __version__
from codestral_ls.documents import UTF8, UTF16, UTF32
from codestral_ls.service import Codestral

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "codestral/status"
_LEVELS = {
    "error": types.MessageType.Error,
    "warning": types.MessageType.Warning,
    "info": types.MessageType.Info,
}


class CodestralProtocol(LanguageServerProtocol):
    """Documents go to our line store instead of pygls' whole-text TextDocument, whose every
    edit costs time proportional to the file."""

    _server: CodestralServer

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        # pygls files every notification's handler future in _request_futures under a fresh
        # uuid and never takes it out: each didChange kept ~1.5 KB for the whole session
        # (tens of MB over a day of typing). Forget a future once it is done; from the loop,
        # as pygls' shutdown cancels futures while iterating over that dict.
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None

        def done(future: Any) -> None:
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._forget_future, msg_id, future)
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    def _forget_future(self, msg_id: Any, future: Any) -> None:
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            message = super().structure_message(data)
            if "method" in data and "id" in data and not hasattr(message, "id"):
                # A request to a notification method would be run as the notification and
                # never answered.
                raise JsonRpcInvalidRequest(f"{data['method']!r} is a notification, not a request")
            return message
        except JsonRpcException as error:
            # pygls drops a request whose params do not fit its method's type without a word;
            # JSON-RPC wants an answer, or the client waits for it forever.
            msg_id = data.get("id")
            if "method" in data and isinstance(msg_id, (int, str)) and msg_id is not True:
                self._send_response(msg_id, None, error.to_response_error())
            raise

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        item = params.text_document
        self._server.service.documents.open(item.uri, item.language_id, item.version, item.text)
        yield from ()

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        service = self._server.service
        doc = service.documents.get(params.text_document.uri)
        if doc is None:
            log.warning("didChange for a document never opened: %s", params.text_document.uri)
            yield from ()
            return
        encoding = self._server.encoding
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                doc.apply_change(
                    (r.start.line, r.start.character),
                    (r.end.line, r.end.character),
                    change.text,
                    encoding,
                )
            else:
                doc.apply_change(None, None, change.text, encoding)
        doc.version = params.text_document.version
        yield from ()

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        service = self._server.service
        service.documents.close(params.text_document.uri)
        service.engine.forget_document(params.text_document.uri)
        service.snippets.forget(params.text_document.uri)
        yield from ()

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    async def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams) -> Any:
        # Our own dispatch, so commands get the whole params (work-done token included)
        # and run as cancellable tasks.
        from codestral_ls.commands import run_command

        return await run_command(self._server, params)


class CodestralServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "codestral-ls",
            __version__,
            protocol_cls=CodestralProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self._pending: list[tuple[str, str]] = []
        self.shown_ids: OrderedDict[str, bool] = OrderedDict()
        self.service = Codestral(notify=self.show, on_state=self.send_state)
        self.initialized = False

    @property
    def encoding(self) -> str:
        try:
            kind = self.workspace.position_encoding
        except RuntimeError:
            return UTF16
        return {
            types.PositionEncodingKind.Utf8: UTF8,
            types.PositionEncodingKind.Utf32: UTF32,
        }.get(kind, UTF16)

    def show(self, level: str, text: str) -> None:
        if not self.initialized:
            # Before `initialized` the client may not show messages yet; keep them in the log.
            log.warning("%s", text)
            self._pending.append((level, text))
            return
        self.window_show_message(
            types.ShowMessageParams(type=_LEVELS.get(level, types.MessageType.Info), message=text)
        )

    def send_state(self, state: str, message: str) -> None:
        if self.initialized:
            self.protocol.notify(STATUS_NOTIFICATION, {"state": state, "message": message})

    def flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        for level, text in pending:
            self.show(level, text)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Never a message storm: internal errors are logged, the request answers empty.
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error)

    def client_supports(self, *path: str) -> bool:
        node: Any = self.client_capabilities
        for part in path:
            node = getattr(node, part, None)
            if node is None:
                return False
        return bool(node)


def build_server() -> CodestralServer:
    from codestral_ls import handlers

    server = CodestralServer()
    handlers.register(server)
    return server
