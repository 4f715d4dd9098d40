"""Runs a language server and records every LSP message its client sends it.

    python lsp_tap.py RECORD.jsonl COMMAND [ARG...]

For tests/editors/test_vscode.py: the extension starts this (through a small script given as
`codestral.server.path`) instead of codestral-ls, so the test sees exactly what the extension
sent: the `initialize` request's initializationOptions, its answers to the server's
`workspace/configuration` requests and its `workspace/didChangeConfiguration` pushes.

The client's bytes reach the server unchanged; each complete message is also appended to
RECORD.jsonl as one JSON line. The server's stdout and stderr are this process's own (nothing
is copied on the way back). When the server exits, so does the tap, with its exit code.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from typing import IO


def _frames(buf: bytes, record: IO[str]) -> bytes:
    """Records the complete messages at the start of buf; returns the incomplete rest."""
    while True:
        head_end = buf.find(b"\r\n\r\n")
        if head_end < 0:
            return buf
        length = None
        for line in buf[:head_end].split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is None:  # not LSP framing: nothing more to record
            return b""
        start = head_end + 4
        if len(buf) < start + length:
            return buf
        body = buf[start : start + length]
        buf = buf[start + length :]
        try:
            record.write(json.dumps(json.loads(body)) + "\n")
        except ValueError:
            record.write(json.dumps({"unparsed": body.decode("utf-8", "replace")}) + "\n")
        record.flush()


def main() -> None:
    record_path, command = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(command, stdin=subprocess.PIPE)
    assert child.stdin is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _frame: child.send_signal(s))

    def follow_child() -> None:
        code = child.wait()
        os._exit(code if code >= 0 else 128 - code)

    threading.Thread(target=follow_child, daemon=True).start()
    buf = b""
    with open(record_path, "a", encoding="utf-8") as record:
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            try:
                child.stdin.write(chunk)
                child.stdin.flush()
            except BrokenPipeError:
                break
            buf = _frames(buf + chunk, record)
    with contextlib.suppress(BrokenPipeError):
        child.stdin.close()
    code = child.wait()
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
