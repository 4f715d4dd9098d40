"""A fixed client-side debounce in front of a language server, for the VS Code baselines of
tests/bench/bench_editor_vscode.py (what peers' clients do: wait N ms after each change).

    python debounce_proxy.py MS COMMAND [ARG...]

Every message passes through unchanged, except ``textDocument/inlineCompletion`` requests:
each is held MS ms and only then sent to the server; a newer one (or the client's
``$/cancelRequest`` for it) while it is held answers it with ``null`` at once, and the server
never sees it. The server's own debounce is off in those runs (``debounceMs: 0``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import IO, Any

INLINE = "textDocument/inlineCompletion"


def read_frame(stream: IO[bytes]) -> bytes | None:
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return stream.read(length or 0)


class Proxy:
    def __init__(self, delay_s: float, server: subprocess.Popen[bytes]) -> None:
        self.delay_s = delay_s
        self.server = server
        self.lock = threading.Lock()
        self.held: dict[Any, threading.Timer] = {}

    def to_client(self, body: bytes) -> None:
        with self.lock:
            out = sys.stdout.buffer
            out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            out.flush()

    def to_server(self, body: bytes) -> None:
        assert self.server.stdin is not None
        with self.lock:
            self.server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.server.stdin.flush()

    def release(self, rid: Any, body: bytes) -> None:
        with self.lock:
            if self.held.pop(rid, None) is None:
                return
        self.to_server(body)

    def from_client(self, body: bytes) -> None:
        msg = json.loads(body)
        method = msg.get("method")
        if method == INLINE and "id" in msg:
            with self.lock:
                pending = dict(self.held)
                self.held.clear()
            for rid, timer in pending.items():
                timer.cancel()
                self.to_client(json.dumps({"jsonrpc": "2.0", "id": rid, "result": None}).encode())
            timer = threading.Timer(self.delay_s, self.release, (msg["id"], body))
            with self.lock:
                self.held[msg["id"]] = timer
            timer.start()
            return
        if method == "$/cancelRequest":
            rid = msg.get("params", {}).get("id")
            with self.lock:
                timer = self.held.pop(rid, None)
            if timer is not None:
                timer.cancel()
                self.to_client(json.dumps({"jsonrpc": "2.0", "id": rid, "result": None}).encode())
                return
        self.to_server(body)


def main() -> None:
    delay_ms, command = float(sys.argv[1]), sys.argv[2:]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proxy = Proxy(delay_ms / 1000, server)

    def pump_server() -> None:
        assert server.stdout is not None
        while (body := read_frame(server.stdout)) is not None:
            proxy.to_client(body)

    threading.Thread(target=pump_server, daemon=True).start()
    while (body := read_frame(sys.stdin.buffer)) is not None:
        proxy.from_client(body)
    if server.stdin:
        server.stdin.close()
    sys.exit(server.wait())


if __name__ == "__main__":
    main()
