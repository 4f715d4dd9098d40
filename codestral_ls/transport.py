"""How LSP messages come in: stdin read on the event loop, TCP, and framing that survives a
client's mistakes.

pygls reads stdin in a worker thread, one thread hop per header line and per body: about 0.4 ms
added to every request's round trip. When stdin is a pipe (as editors and test clients launch
us) it is read here with asyncio's own pipe transport instead; anything else falls back to
pygls' threaded reader. Both stdio and TCP read through ``FramedReader``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
import sys
import threading
from typing import Any

log = logging.getLogger(__name__)

# A declared Content-Length beyond this is a broken client, not a message (20 MB documents are
# fine); reading it would try to hold it all in memory.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
# Header lines are short; a longer "line" is the unframed tail of a broken message.
LINE_LIMIT = 1024 * 1024
HEADER = b"Content-Length:"


def resync(line: bytes) -> bytes:
    """pygls only sees a header when "Content-Length:" starts a line. After a frame whose
    declared length was wrong, the rest of that frame sticks to the front of the next header
    line and every message after it would be lost: cut such a line back to its header."""
    at = line.find(HEADER)
    if at > 0:
        log.warning("skipped %d bytes of a malformed message", at)
        return line[at:]
    return line


def _absurd(size: int) -> bool:
    if size > MAX_MESSAGE_BYTES:
        log.warning("ignored a message declaring %d bytes", size)
        return True
    return False


class FramedReader:
    """The AsyncReader pygls' message loop expects, over an asyncio StreamReader (a pipe or a
    TCP connection), resynchronising after broken frames."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def readline(self) -> bytes:
        try:
            line = await self._reader.readline()
        except ValueError:
            # Over LINE_LIMIT: the stream reader has dropped that data; carry on with the next.
            log.warning("skipped an over-long header line")
            return b"\r\n"
        return resync(line)

    async def readexactly(self, size: int) -> bytes:
        if _absurd(size):
            return b" "  # one unparseable byte instead of allocating the declared size
        try:
            return await self._reader.readexactly(size)
        except asyncio.IncompleteReadError as exc:
            return exc.partial


class FramedStdin:
    """The same framing rules for pygls' threaded reader, used when stdin is not a pipe."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def readline(self) -> bytes:
        return resync(self._raw.readline())

    def read(self, size: int) -> bytes:
        return b" " if _absurd(size) else self._raw.read(size)


def is_pipe(stream: Any) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


def serve_stdio(server: Any) -> None:
    """Run ``server`` (a pygls LanguageServer) over stdin/stdout."""
    from pygls.io_ import StdoutWriter, run_async

    stdin = sys.stdin.buffer
    if not is_pipe(stdin):
        server.start_io(FramedStdin(stdin))
        return
    server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=LINE_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        await run_async(
            stop_event=server._stop_event,
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
        server.shutdown()


def serve_tcp(server: Any, host: str, port: int) -> None:
    """Serve one TCP client at a time, like pygls' start_tcp, through ``FramedReader``."""
    from pygls.io_ import run_async

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
        server.shutdown()

    async def main() -> None:
        listener = await asyncio.start_server(connection, host, port, limit=LINE_LIMIT)
        server._server = listener
        log.info("serving on %s:%s", host, port)
        async with listener:
            await listener.serve_forever()

    with contextlib.suppress(asyncio.CancelledError, KeyboardInterrupt):
        asyncio.run(main())
