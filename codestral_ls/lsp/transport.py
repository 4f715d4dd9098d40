"""LSP framing that survives a client's mistakes, for stdio and TCP alike.

The serving loops that use these readers are in ``pygls_fixes.py`` (they replace pygls' own
``start_io``/``start_tcp``); this module holds no pygls at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from typing import BinaryIO

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

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw

    def readline(self) -> bytes:
        return resync(self._raw.readline())

    def read(self, size: int) -> bytes:
        return b" " if _absurd(size) else self._raw.read(size)


def is_pipe(stream: BinaryIO) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False
