"""A raw, synchronous JSON-RPC client over the server's real stdio: ONLY for what pytest-lsp's
client cannot do. Everything an ordinary editor session does goes through ``session.py``.

What this gives that pytest-lsp hides: raw bytes on stdin (malformed frames), closing stdin,
signals and the pid (RSS from /proc), every byte the server wrote (``transcript``), stderr to a
file, and a synchronous API that Hypothesis can drive thousands of times over one connection.
The reliability suite uses it. Answers are checked against lsprotocol's types.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter

from tests.support.keys import GATEWAY_ENV

CONVERTER = default_converter()
ROOT = "file:///work/project"


class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")
        self.message = error.get("message")


def frame(obj: Any) -> bytes:
    body = json.dumps(obj).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class Server:
    """The real ``codestral-ls`` as a subprocess; every answer it writes is read on a thread.
    Its environment: this process' without any ``*_API_KEY``, plus ``env`` (the test keys)."""

    def __init__(
        self,
        env: Mapping[str, str] = GATEWAY_ENV,
        args: tuple[str, ...] = (),
        stderr_path: Path | None = None,
        cwd: str | None = None,
        command: list[str] | None = None,
    ) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        full_env.update({"PYTHONUNBUFFERED": "1"}, **env)  # the test keys, not the machine's
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*(command or [sys.executable, "-m", "codestral_ls"]), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=full_env,
            cwd=cwd,
        )
        self.pid = self.proc.pid
        self._ids = itertools.count(1)
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        self._pending: dict[Any, Future[Any]] = {}
        self.notifications: list[tuple[str, Any]] = []
        self.responses = 0
        self.unmatched: list[Any] = []
        self.client_requests: list[tuple[str, Any]] = []
        # Server -> client requests we answer; anything else gets null.
        self.answers: dict[str, Callable[[Any], Any]] = {
            "window/showDocument": lambda p: {"success": True},
        }
        self._reader = threading.Thread(target=self._read, daemon=True, name="lsp-reader")
        self._reader.start()
        self.versions: dict[str, int] = {}
        # Every message body the server wrote, when a test needs to grep all of it.
        self.transcript: list[bytes] | None = None

    # --- wire -----------------------------------------------------------------------------

    def write_raw(self, data: bytes) -> None:
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, obj: Any) -> None:
        self.write_raw(frame(obj))

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self._eof()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            body = out.read(length)
            if len(body) < length:
                self._eof()
                return
            if self.transcript is not None:
                self.transcript.append(body)
            self._dispatch(json.loads(body))

    def _eof(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("the server closed its stdout"))

    def _dispatch(self, msg: dict[str, Any]) -> None:
        if "method" in msg and "id" in msg:
            method = msg["method"]
            self.client_requests.append((method, msg.get("params")))
            answer = self.answers.get(method, lambda p: None)
            with contextlib.suppress(OSError, ValueError):
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": answer(msg.get("params"))})
            return
        if "method" in msg:
            with self._lock:
                self.notifications.append((msg["method"], msg.get("params")))
            return
        with self._lock:
            self.responses += 1
            fut = self._pending.pop(msg.get("id"), None)
        if fut is None:
            self.unmatched.append(msg)
        elif "error" in msg and msg["error"] is not None:
            fut.set_exception(RpcError(msg["error"]))
        else:
            fut.set_result(msg.get("result"))

    # --- requests -------------------------------------------------------------------------

    def request_async(
        self, method: str, params: Any = None, msg_id: Any = None
    ) -> tuple[Any, Future]:
        msg_id = next(self._ids) if msg_id is None else msg_id
        fut: Future[Any] = Future()
        with self._lock:
            self._pending[msg_id] = fut
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return msg_id, fut

    def request(self, method: str, params: Any = None, timeout: float = 10.0) -> Any:
        _, fut = self.request_async(method, params)
        return fut.result(timeout)

    def notify(self, method: str, params: Any = None) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def cancel(self, msg_id: Any) -> None:
        self.notify("$/cancelRequest", {"id": msg_id})

    # --- LSP conveniences -----------------------------------------------------------------

    def initialize(
        self,
        settings: dict[str, Any] | None,
        encodings: tuple[str, ...] = ("utf-16",),
        show_document: bool = False,
        configuration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``configuration``: declare workspace/configuration and answer it with this."""
        if configuration is not None:
            self.answers["workspace/configuration"] = lambda p: [configuration]
        caps = {
            "general": {"positionEncodings": list(encodings)},
            "textDocument": {
                "inlineCompletion": {},
                "synchronization": {"dynamicRegistration": False},
            },
            "window": {"showDocument": {"support": show_document}, "workDoneProgress": True},
            "workspace": {"configuration": configuration is not None},
        }
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": ROOT,
                "capabilities": caps,
                "initializationOptions": None if settings is None else {"codestral": settings},
                "workspaceFolders": [{"uri": ROOT, "name": "project"}],
            },
            timeout=20,
        )
        self.notify("initialized", {})
        return result

    def configure(self, settings: dict[str, Any]) -> None:
        self.notify("workspace/didChangeConfiguration", {"settings": {"codestral": settings}})

    def open(self, uri: str, text: str, language: str = "python") -> None:
        self.versions[uri] = 1
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
        )

    def change(self, uri: str, changes: list[dict[str, Any]]) -> None:
        self.versions[uri] = self.versions.get(uri, 1) + 1
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": self.versions[uri]},
                "contentChanges": changes,
            },
        )

    def insert(self, uri: str, line: int, character: int, text: str) -> None:
        at = {"line": line, "character": character}
        self.change(uri, [{"range": {"start": at, "end": at}, "text": text}])

    def inline_params(self, uri: str, line: int, character: int) -> dict[str, Any]:
        return {
            "textDocument": {"uri": uri},
            "position": {"line": line, "character": character},
            "context": {"triggerKind": 2},
        }

    def inline(self, uri: str, line: int, character: int, timeout: float = 15.0) -> list[str]:
        """Ask for ghost text; the insert texts offered (checked against lsprotocol's types)."""
        raw = self.request(
            "textDocument/inlineCompletion", self.inline_params(uri, line, character), timeout
        )
        return inline_texts(raw)

    def command(self, name: str, *args: Any, timeout: float = 15.0) -> Any:
        params: dict[str, Any] = {"command": name}
        if args:
            params["arguments"] = list(args)
        return self.request("workspace/executeCommand", params, timeout)

    def status(self) -> dict[str, Any]:
        return self.command("codestral.status")

    def shown(self) -> list[str]:
        """window/showMessage texts so far."""
        with self._lock:
            return [p["message"] for m, p in self.notifications if m == "window/showMessage"]

    def ping(self, timeout: float = 5.0) -> dict[str, Any]:
        """A normal request that must be answered: proof the server is alive and responsive."""
        return self.request(
            "workspace/executeCommand", {"command": "codestral.status"}, timeout=timeout
        )

    # --- process --------------------------------------------------------------------------

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_exit(self, timeout: float) -> float | None:
        """Seconds until the process ended, or None if it did not within ``timeout``."""
        started = time.monotonic()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - started

    def stop(self) -> None:
        """Polite shutdown, then force; always reaps the process."""
        if self.alive():
            with contextlib.suppress(Exception):
                self.request("shutdown", None, timeout=3)
                self.notify("exit")
            with contextlib.suppress(OSError, ValueError):
                self.proc.stdin.close()
            if self.wait_exit(3) is None:
                self.proc.kill()
                self.proc.wait(5)
        if self._stderr not in (subprocess.DEVNULL, None):
            self._stderr.close()
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdout.close()

    def stderr_text(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace") if self.stderr_path else ""


def inline_texts(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list):
        items = CONVERTER.structure(raw, list[types.InlineCompletionItem])
    else:
        items = CONVERTER.structure(raw, types.InlineCompletionList).items
    return [i.insert_text if isinstance(i.insert_text, str) else i.insert_text.value for i in items]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
