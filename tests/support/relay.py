"""Small loopback TCP pieces for tests that sit between the server and an upstream (a header
tap, a TLS front, a recording proxy)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable


def accept_forever(listener: socket.socket, handle: Callable[[socket.socket], None]) -> None:
    """On a daemon thread: ``handle`` each accepted connection until the listener closes."""

    def loop() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            handle(conn)

    threading.Thread(target=loop, daemon=True).start()


def pump(
    src: socket.socket, dst: socket.socket, seen: Callable[[bytes], None] | None = None
) -> None:
    """Copy ``src`` to ``dst`` (``seen`` gets every chunk) until either end fails or closes,
    then shut both down."""
    try:
        while data := src.recv(65536):
            if seen is not None:
                seen(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
