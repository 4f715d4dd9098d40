"""Start-up and memory: the real server against a bare pygls server, in the same run.

    .venv/bin/python -m tests.bench.bench_startup

* start-up: from spawning ``python -m codestral_ls`` to the ``initialize`` answer (median of 7),
  against ``python tests/bench/bare_server.py`` (a minimal pygls LanguageServer);
* memory: RSS (``/proc/PID/status`` VmRSS) once initialized, and with 50 open 100 KB documents;
* also the imports of ``python -m codestral_ls --version`` and of an initialized server
  (``-X importtime``): what ``initialize`` does not need should not be imported before it.

No target beyond "close to bare pygls": the ratios say how close.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types

from tests.bench._common import machine, table
from tests.bench._lsp import settings_for
from tests.support.session import open_session

ROUNDS = 7
DOCS, DOC_BYTES = 50, 100 * 1024
BARE = ("-u", str(Path(__file__).with_name("bare_server.py")))
OURS = ("-m", "codestral_ls")


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def document(n: int) -> str:
    line = f"def function_{n}(value, other):  # some comment about it\n    return value + other\n"
    return (line * (DOC_BYTES // len(line) + 1))[:DOC_BYTES]


async def one_start(command: tuple[str, ...], with_docs: bool) -> dict[str, float]:
    t0 = time.perf_counter()
    async with open_session(settings_for("http://127.0.0.1:9/v1"), command=command) as ed:
        started = (time.perf_counter() - t0) * 1000
        # A round trip after `initialized` so the server has settled before RSS is read.
        await ed.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codestral.status")
        ) if command == OURS else await asyncio.sleep(0.2)
        await asyncio.sleep(0.2)
        idle = rss_mb(ed.pid)
        loaded = float("nan")
        if with_docs:
            for n in range(DOCS):
                ed.open(f"file:///work/project/doc{n}.py", document(n))
            await asyncio.sleep(0.5)
            # another round trip: every didOpen before it has been handled
            if command == OURS:
                await ed.command("codestral.status")
            else:
                await asyncio.sleep(0.5)
            loaded = rss_mb(ed.pid)
    return {"start": started, "idle": idle, "loaded": loaded}


async def measure(command: tuple[str, ...]) -> dict[str, float]:
    runs = [await one_start(command, with_docs=(i == 0)) for i in range(ROUNDS)]
    return {
        "start": statistics.median(r["start"] for r in runs),
        "idle": statistics.median(r["idle"] for r in runs),
        "loaded": runs[0]["loaded"],
    }


WATCHED = ("lsprotocol.types", "pygls", "asyncio", "httpx", "httpcore", "h2", "anyio")


def heavy_imports(args: list[str], stdin: bytes = b"") -> list[tuple[str, float]]:
    """-X importtime: which of the WATCHED modules were imported, with their cumulative ms."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=30,
    )
    found: dict[str, float] = {}
    for line in proc.stderr.decode().splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| \s*(\S+)$", line)
        if m and m.group(2) in WATCHED:
            found[m.group(2)] = int(m.group(1)) / 1000
    return [(name, found[name]) for name in WATCHED if name in found]


def lsp_frame(method: str, params: object, msg_id: int | None = None) -> bytes:
    import json

    msg: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params}
    if msg_id is not None:
        msg["id"] = msg_id
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


async def main() -> None:
    print(f"machine: {machine()}")
    bare = await measure(BARE)
    ours = await measure(OURS)
    table(
        f"start-up (median of {ROUNDS}) and RSS",
        ["server", "spawn -> initialize answer ms", "RSS idle MB", f"RSS {DOCS} x 100 KB docs MB"],
        [
            ["bare pygls", bare["start"], bare["idle"], bare["loaded"]],
            ["codestral-ls", ours["start"], ours["idle"], ours["loaded"]],
            [
                "ratio",
                f"{ours['start'] / bare['start']:.2f}x",
                f"{ours['idle'] / bare['idle']:.2f}x",
                f"{ours['loaded'] / bare['loaded']:.2f}x",
            ],
        ],
    )
    version = heavy_imports(["-m", "codestral_ls", "--version"])
    session = lsp_frame("initialize", {"processId": None, "capabilities": {}, "rootUri": None}, 1)
    session += lsp_frame("shutdown", None, 2) + lsp_frame("exit", None)
    served = heavy_imports(["-m", "codestral_ls"], stdin=session)
    print("\nimported by `--version`:", ", ".join(f"{n} ({ms:.0f} ms)" for n, ms in version))
    print(
        "imported by a server that answered `initialize` (and exited):",
        ", ".join(f"{n} ({ms:.0f} ms)" for n, ms in served),
    )


if __name__ == "__main__":
    asyncio.run(main())
