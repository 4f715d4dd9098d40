"""Run the real open-source Portkey gateway (npm `@portkey-ai/gateway`) on loopback for tests.

The package is installed by `.ci/setup-gateway.sh` into `tests/gateway/node_modules` from the
committed lock file (with `@hono/node-server` pinned to 1.13.5: newer versions break streaming).
The gateway has no host flag and listens on all interfaces, so it is always started with the
`loopback.cjs` preload, which forces its `server.listen` onto 127.0.0.1.

`PortkeyGateway.start()` never skips: a missing `node`, a missing package or a gateway that does
not answer in time raises `GatewayStartError` with the reason and the tail of its output.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
PRELOAD = HERE / "loopback.cjs"
PACKAGE_DIR = HERE / "node_modules" / "@portkey-ai" / "gateway"
START_SCRIPT = PACKAGE_DIR / "build" / "start-server.js"
SETUP_HINT = "run `bash .ci/setup-gateway.sh` (npm ci in tests/gateway)"
HOST = "127.0.0.1"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Environment the gateway reads that would change what the tests observe: a custom-host
# allow-list that replaces the loopback default, proxies, a Redis cache.
_SCRUBBED_ENV = (
    "TRUSTED_CUSTOM_HOSTS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "REDIS_CONNECTION_STRING",
    "NODE_OPTIONS",
    "PORT",
)


class GatewayStartError(RuntimeError):
    """The gateway could not be started (never a reason to skip a test)."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: SIGTERM the gateway if the test process dies without calling stop()."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class PortkeyGateway:
    """One gateway process on 127.0.0.1 at a free port.

    `url` is the OpenAI-style base URL (`http://127.0.0.1:N/v1`), `root_url` the server root.
    `lines` keeps the gateway's stdout and stderr lines (ANSI codes and spinner frames removed),
    prefixed with `out: ` / `err: `, for debugging a failing test.
    """

    def __init__(self, *, startup_timeout: float = 10.0, max_lines: int = 5000) -> None:
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.lines: collections.deque[str] = collections.deque(maxlen=max_lines)
        self.startup_seconds: float | None = None
        self._readers: list[threading.Thread] = []
        self._lock = threading.Lock()

    # -- public -----------------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        if self.port is None:
            raise GatewayStartError("the gateway is not started")
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self, last: int | None = None) -> str:
        with self._lock:
            lines = list(self.lines)
        return "\n".join(lines[-last:] if last else lines)

    def start(self) -> PortkeyGateway:
        if self.running:
            return self
        node = shutil.which("node")
        if node is None:
            raise GatewayStartError(
                "cannot start the Portkey gateway: `node` is not on PATH "
                "(install Node.js 18 or newer, then " + SETUP_HINT + ")"
            )
        if not START_SCRIPT.is_file():
            raise GatewayStartError(
                f"cannot start the Portkey gateway: {START_SCRIPT} is missing; {SETUP_HINT}"
            )
        # The port is picked then released; another process may grab it in between, in which
        # case the gateway dies with EADDRINUSE and we try again on a new port.
        last_error: GatewayStartError | None = None
        for _ in range(3):
            try:
                self._start_once(node)
                return self
            except GatewayStartError as exc:
                last_error = exc
                if "EADDRINUSE" not in self.log_text():
                    break
        assert last_error is not None
        raise last_error

    def stop(self) -> None:
        atexit.unregister(self.stop)
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=2)
        self._readers = []
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def __enter__(self) -> PortkeyGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------------

    def _start_once(self, node: str) -> None:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
        cmd = [
            node,
            "--require",
            str(PRELOAD),
            str(START_SCRIPT),
            f"--port={self.port}",
            "--headless",
        ]
        self.lines.append(f"cmd: {' '.join(cmd)}")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            cmd,
            cwd=HERE,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # A test run killed hard must not leave a gateway behind. (PDEATHSIG fires when the
            # thread that spawned it exits: start() is meant for the main thread.)
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        atexit.register(self.stop)
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, "out"), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, "err"), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

        deadline = started + self.startup_timeout
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while True:
                code = self.proc.poll()
                if code is not None:
                    self._fail(f"the gateway exited with code {code} while starting")
                try:
                    resp = client.get(self.root_url + "/")
                    if resp.status_code == 200:
                        self.startup_seconds = time.monotonic() - started
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self._fail(
                        f"the gateway did not answer on {self.root_url} within "
                        f"{self.startup_timeout:.0f} s"
                    )
                time.sleep(0.05)

    def _fail(self, reason: str) -> None:
        self.stop()
        # Let the readers drain what the process printed before it went.
        time.sleep(0.05)
        tail = self.log_text(last=30) or "(no output)"
        raise GatewayStartError(f"{reason}; its output ends with:\n{tail}")

    def _pump(self, stream: object, tag: str) -> None:
        assert stream is not None
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            text = _ANSI.sub("", raw.decode("utf-8", "replace"))
            # The start-up spinner rewrites one line with carriage returns: keep the last frame.
            text = text.rstrip("\r\n").split("\r")[-1].rstrip()
            if text:
                with self._lock:
                    self.lines.append(f"{tag}: {text}")
