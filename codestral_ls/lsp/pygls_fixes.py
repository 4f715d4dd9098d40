"""Every place we rely on pygls' internals, fenced in one module.

Each override says which pygls behaviour it corrects and how that was measured. They lean on
private names of pygls 2.1 (``_execute_handler``, ``_request_futures``, ``_send_response``,
``_handle_request``, ``_handle_notification``, ``_shutdown``, ``_stop_event``, ``_server``,
the ``lsp_*`` method names of ``LanguageServerProtocol`` and ``pygls.io_.run_async``);
``tests/unit/test_pygls_guard.py`` fails loudly when an upgrade changes any of them, and
pyproject.toml pins pygls to the minor version it passes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sys
import threading
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.io_ import StdoutWriter, run_async
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from codestral_ls.lsp.transport import LINE_LIMIT, FramedReader, FramedStdin, is_pipe

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

MsgId = int | str


class DocumentHost(Protocol):
    """What the protocol hands document sync and commands to (the server implements it)."""

    def did_open(self, params: types.DidOpenTextDocumentParams) -> None: ...
    def did_change(self, params: types.DidChangeTextDocumentParams) -> None: ...
    def did_close(self, params: types.DidCloseTextDocumentParams) -> None: ...
    async def execute_command(self, params: types.ExecuteCommandParams) -> Any: ...


class CodestralProtocol(LanguageServerProtocol):
    @property
    def _host(self) -> DocumentHost:
        return self._server  # type: ignore[return-value]  # our server class implements it

    def _execute_handler(
        self,
        msg_id: MsgId,
        handler: Callable[..., Any],
        callback: Callable[[Future[Any]], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        # pygls files every notification's handler future in _request_futures under a fresh
        # uuid and never takes it out: each didChange kept ~1.5 KB for the whole session
        # (tens of MB over a day of typing; tests/reliability soak). Forget a future once it is
        # done; from the loop, as pygls' shutdown cancels futures while iterating that dict.
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None

        def done(future: Future[Any]) -> None:
            if loop is not None and not loop.is_closed():
                if asyncio._get_running_loop() is loop:
                    # On the loop already (every async handler): call_soon_threadsafe would
                    # also write to the loop's self-pipe and cost a wake-up per request.
                    loop.call_soon(self._forget_future, msg_id, future)
                else:
                    loop.call_soon_threadsafe(self._forget_future, msg_id, future)
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    def _forget_future(self, msg_id: MsgId, future: Future[Any]) -> None:
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    def handle_message(self, message: Any) -> None:
        # pygls tells requests from notifications with isinstance() against runtime-checkable
        # Protocols, 0.04 ms a message on Python 3.11 (cProfile of tests/bench/bench_overhead's
        # round trip): asking the structured message for its fields is the same test, cheaper.
        if message.jsonrpc != self.VERSION or self._shutdown or not hasattr(message, "params"):
            super().handle_message(message)  # pygls' own words for what it drops
            return
        method = getattr(message, "method", None)
        if method is None:
            super().handle_message(message)  # a response from the client: rare on a server
            return
        ctx = contextvars.copy_context()
        if hasattr(message, "id"):
            ctx.run(self._handle_request, message.id, method, message.params)
        else:
            ctx.run(self._handle_notification, method, message.params)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            message = super().structure_message(data)
            if "method" in data and "id" in data and not hasattr(message, "id"):
                # A request to a notification method would be run as the notification and
                # never answered (tests/reliability/test_bad_input.py).
                raise JsonRpcInvalidRequest(f"{data['method']!r} is a notification, not a request")
            return message
        except JsonRpcException as error:
            # pygls drops a request whose params do not fit its method's type without a word;
            # JSON-RPC wants an answer, or the client waits for it forever.
            msg_id = data.get("id")
            if "method" in data and isinstance(msg_id, (int, str)) and msg_id is not True:
                self._send_response(msg_id, None, error.to_response_error())
            raise

    # pygls keeps its own whole-text TextDocument per document: on a 10 MB file each
    # one-character didChange costs 102-340 ms on the event loop (tests/bench/bench_documents).
    # These three replace its handlers so documents live only in our line store, where an edit
    # costs what it touches.

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        self._host.did_open(params)
        yield from ()

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        self._host.did_change(params)
        yield from ()

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        self._host.did_close(params)
        yield from ()

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    async def lsp_workspace__execute_command(  # type: ignore[override]  # pygls runs coroutines
        self, params: types.ExecuteCommandParams
    ) -> Any:
        # pygls' own dispatch passes commands only their arguments and runs plain functions
        # uncancellable; ours gets the whole params (the work-done token for $/progress) and
        # runs as a task that $/cancelRequest can cancel.
        return await self._host.execute_command(params)


def serve_stdio(server: LanguageServer) -> None:
    """Serve over stdin/stdout. pygls' start_io reads stdin in a worker thread, one thread hop
    per header line and per body: about 0.4 ms on every request's round trip (0.68 -> 0.42 ms,
    tests/bench/bench_overhead). When stdin is a pipe (as editors and test clients launch us)
    it is read with asyncio's own pipe transport instead; anything else (a file, a terminal)
    goes through pygls' threaded reader, behind the same framing rules."""
    stdin = sys.stdin.buffer
    if not is_pipe(stdin):
        server.start_io(FramedStdin(stdin))  # type: ignore[arg-type]
        return
    server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=LINE_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        await run_async(
            stop_event=server._stop_event,  # type: ignore[arg-type]
            reader=FramedReader(reader),
            protocol=server.protocol,
            logger=log,
            error_handler=server.report_server_error,
        )

    try:
        asyncio.run(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated


def serve_tcp(server: LanguageServer, host: str, port: int) -> None:
    """Serve one TCP client at a time, like pygls' start_tcp, but through ``FramedReader``:
    pygls' reader loses every message after a frame whose declared length was wrong."""
    server._stop_event = stop_event = threading.Event()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.protocol.set_writer(writer)
        await run_async(
            stop_event=stop_event,
            reader=FramedReader(reader),
            protocol=server.protocol,
            logger=log,
            error_handler=server.report_server_error,
        )
        server.shutdown()  # type: ignore[no-untyped-call]

    async def main() -> None:
        listener = await asyncio.start_server(connection, host, port, limit=LINE_LIMIT)
        server._server = listener
        log.info("serving on %s:%s", host, port)
        async with listener:
            await listener.serve_forever()

    with contextlib.suppress(asyncio.CancelledError, KeyboardInterrupt):
        asyncio.run(main())
