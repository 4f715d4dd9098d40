"""The real server with a timestamp at each stage of an ``inlineCompletion`` (used by
``overhead_stages``): wraps a few methods, then runs ``codestral_ls``'s own ``main``. On exit it
writes the median time between consecutive stages to the file named by ``STAGE_OUT``."""

from __future__ import annotations

import atexit
import itertools
import os
import statistics
import sys
import time
from typing import Any

from pygls import io_

from codestral_ls import engine, service
from codestral_ls.cli import main
from codestral_ls.lsp import transport
from codestral_ls.upstream import client

STAGES = (
    ("recv", "message body read"),
    ("svc_in", "parsed, dispatched, handler ran to Codestral.suggest"),
    ("eng_in", "refusal + build_job (context stage)"),
    ("call_in", "engine: key, cache, joinable, supersession, task start"),
    ("headers", "upstream: request sent, response headers in"),
    ("call_out", "upstream: body/stream read, post-processing, cache put"),
    ("eng_out", "engine: back from the shared call"),
    ("svc_out", "service return"),
    ("w_in", "handler result -> lsprotocol -> JSON"),
    ("w_out", "write + flush to stdout"),
)
clock = time.perf_counter
current: dict[str, float] = {}
rows: list[dict[str, float]] = []


def _wrap_async(owner: Any, name: str, before: str | None, after: str | None) -> None:
    original = getattr(owner, name)

    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        if before:
            current[before] = clock()
        result = await original(*args, **kwargs)
        if after:
            current[after] = clock()
        return result

    setattr(owner, name, wrapped)


def install() -> None:
    read = transport.FramedReader.readexactly

    async def readexactly(self: transport.FramedReader, size: int) -> bytes:
        body = await read(self, size)
        if b"inlineCompletion" in body:
            current.clear()
            current["recv"] = clock()
        return body

    transport.FramedReader.readexactly = readexactly  # type: ignore[method-assign]
    _wrap_async(service.Codestral, "suggest", "svc_in", "svc_out")
    _wrap_async(engine.Engine, "complete", "eng_in", "eng_out")
    _wrap_async(engine.Engine, "_call_upstream", "call_in", "call_out")
    note = client.Upstream._note

    def noted(self: client.Upstream, *args: Any) -> None:
        current["headers"] = clock()
        note(self, *args)

    client.Upstream._note = noted  # type: ignore[method-assign]
    write = io_.StdoutWriter.write

    def written(self: io_.StdoutWriter, data: bytes) -> None:
        started = clock()
        write(self, data)
        if b'"items"' in data and "recv" in current:
            current["w_in"], current["w_out"] = started, clock()
            rows.append(dict(current))

    io_.StdoutWriter.write = written  # type: ignore[method-assign]
    atexit.register(_dump)


def _dump() -> None:
    names = [name for name, _ in STAGES]
    full = [row for row in rows if all(name in row for name in names)]
    if not full:
        missing = sorted({n for row in rows for n in names if n not in row})
        with open(os.environ["STAGE_OUT"], "w", encoding="utf-8") as out:
            out.write(f"no complete request ({len(rows)} seen; missing stages: {missing})\t0\n")
        return
    lines = [f"requests\t{len(full)}"]
    for (a, _), (b, what) in itertools.pairwise(STAGES):
        lines.append(f"{what}\t{statistics.median((r[b] - r[a]) * 1000 for r in full):.4f}")
    total = statistics.median((r["w_out"] - r["recv"]) * 1000 for r in full)
    lines.append(f"total in the server\t{total:.4f}")
    with open(os.environ["STAGE_OUT"], "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    install()
    sys.argv = ["codestral-ls"]
    main()
