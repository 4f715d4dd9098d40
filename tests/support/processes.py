"""Child processes the editor tests and benchmarks start (code-server, editors): stopping a
whole process group, and waiting for a line while the pipe keeps draining."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

# code-server on loopback, no auth, nothing phoning home, no first-run pages.
CODE_SERVER_FLAGS = [
    "--bind-addr",
    "127.0.0.1:0",
    "--auth",
    "none",
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
    "--ignore-last-opened",
]


def kill_group(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_for_line(
    proc: subprocess.Popen[str], pattern: str, timeout: float, copy_to: Path | None = None
) -> str:
    """The first match of pattern in proc's stdout. A thread keeps draining stdout (into
    copy_to, if given) so that a chatty process never blocks on a full pipe."""
    assert proc.stdout is not None
    stdout = proc.stdout
    found: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        sink = copy_to.open("a") if copy_to else None
        matched = False
        try:
            for line in stdout:
                if sink:
                    sink.write(line)
                    sink.flush()
                if not matched:
                    seen.append(line)
                    m = re.search(pattern, line)
                    if m:
                        matched = True
                        found.put(m.group(0))
        finally:
            if sink:
                sink.close()
            found.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        got = found.get(timeout=timeout)
    except queue.Empty:
        got = None
    if got is None:
        raise AssertionError(f"no line matching {pattern!r} (exit {proc.poll()}): {seen[-20:]}")
    return got
