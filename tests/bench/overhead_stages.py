"""Where an ``inlineCompletion`` spends its time inside the server, stage by stage.

    .venv/bin/python -m tests.bench.overhead_stages [--stream]

The real server (``_stage_server.py``: ``codestral_ls`` with timestamps at each stage) over
stdio, the instant fake upstream in its own process, ``debounceMs: 0``, the cache cleared before
each request (so every request makes one upstream call). Prints the median milliseconds between
consecutive stages. The upstream stages are the HTTP call itself (``bench_overhead`` compares
them with a bare httpx call); the rest is the server's own work. "write + flush" includes the
moment the kernel hands the CPU to the woken client on a busy 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile

from tests.bench._common import machine, table
from tests.bench._lsp import settings_for
from tests.support.session import open_session
from tests.support.upstream import fake_process

URI = "file:///work/project/overhead.py"
TEXT = "import math\n\n\ndef add(a, b):\n    \n\nprint(add(1, 2))\n"
CURSOR = (4, 4)
ROUNDS = 300


async def run(stream: bool, out: str) -> None:
    os.environ["STAGE_OUT"] = out
    server = os.path.join(os.path.dirname(__file__), "_stage_server.py")
    with fake_process() as base_url:
        settings = settings_for(base_url, stream=stream)
        async with open_session(settings, command=(server,)) as ed:
            ed.open(URI, TEXT)
            for _ in range(ROUNDS):
                await ed.command("codestral.clearCache")
                assert await ed.inline_text(URI, *CURSOR) == "return a + b"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stages.tsv")
        asyncio.run(run(args.stream, out))
        with open(out, encoding="utf-8") as f:
            rows = [line.split("\t") for line in f.read().splitlines()]
    table(
        f"inlineCompletion, one upstream call each ({'SSE' if args.stream else 'JSON'}), "
        f"median ms per stage",
        ["stage", "ms"],
        [[name, float(value)] for name, value in rows],
    )


if __name__ == "__main__":
    sys.exit(main())
