"""Benchmark: FIM latency direct to Mistral (the fake) vs through the real Portkey gateway.

    .venv/bin/python -m tests.bench.bench_gateway [--requests 50] [--warmup 5] [--budget 50]

Everything runs on 127.0.0.1 in one process tree: `tests/fakes/mistral.py` as the upstream and
the open-source gateway 1.15.2 (`bash .ci/setup-gateway.sh` first) in front of it. Requests go
through the project's own client (`codestral_ls.upstream.Upstream`), so the figures include its
JSON/SSE parsing. For each path it measures, after a warm-up:

- non-streamed FIM: the time per request (send to parsed answer);
- streamed FIM: the time to first text (send to the first non-empty delta); the stream is then
  read to its end so the connection is reused as an editor's would be.

Paths are measured round-robin (one request of each in turn), so a hiccup of the machine hits
all of them alike, and each figure is also given as a ratio to the direct path measured in the
same run. The run stops early (and says so) when it exceeds its time budget.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from codestral_ls.settings import parse_settings
from codestral_ls.upstream import FimRequest, Upstream
from tests.fakes.mistral import FakeMistral
from tests.gateway.portkey import PortkeyGateway
from tests.support.keys import PROVIDER_KEY

ANSWER = "a + b  # the sum of both arguments, returned to the caller"


@dataclass
class Path:
    name: str
    settings: dict[str, Any]
    upstream: Upstream = field(init=False)
    json_ms: list[float] = field(default_factory=list)
    ttft_ms: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.upstream = Upstream({"CODESTRAL_API_KEY": PROVIDER_KEY})
        self.upstream.configure(parse_settings(self.settings))


def fim_request(i: int) -> FimRequest:
    # A different prompt each time: nothing along the way may answer from a cache.
    return FimRequest(
        prompt=f"def add_{i}(a, b):\n    return ",
        suffix="\n\nprint(add(1, 2))\n",
        model="codestral-latest",
        max_tokens=64,
        temperature=0.0,
    )


async def one_json(up: Upstream, i: int) -> float:
    started = time.perf_counter()
    text = "".join([d.text async for d in up.fim(fim_request(i), stream=False)])
    elapsed = (time.perf_counter() - started) * 1000
    if text != ANSWER:
        raise RuntimeError(f"unexpected answer {text!r}")
    return elapsed


async def one_stream(up: Upstream, i: int) -> float:
    started = time.perf_counter()
    first: float | None = None
    text = ""
    stream = up.fim(fim_request(i), stream=True)
    try:
        async for delta in stream:
            if delta.text and first is None:
                first = (time.perf_counter() - started) * 1000
            text += delta.text
    finally:
        await stream.aclose()
    if first is None or text != ANSWER:
        raise RuntimeError(f"unexpected stream {text!r}")
    return first


def median(data: list[float]) -> float:
    return statistics.median(data) if data else math.nan


def p90(data: list[float]) -> float:
    if not data:
        return math.nan
    ordered = sorted(data)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


async def measure(paths: list[Path], n: int, warmup: int, budget: float) -> bool:
    """Round-robin over paths and modes; False if the budget cut the run short."""
    deadline = time.monotonic() + budget
    for i in range(warmup + n):
        for path in paths:
            json_ms = await one_json(path.upstream, i)
            ttft_ms = await one_stream(path.upstream, i)
            if i >= warmup:
                path.json_ms.append(json_ms)
                path.ttft_ms.append(ttft_ms)
        if time.monotonic() > deadline:
            return False
    return True


def table(paths: list[Path]) -> str:
    base = paths[0]
    rows = [
        ("path", "mode", "n", "median ms", "p90 ms", "median ×direct", "p90 ×direct"),
    ]
    for mode, attr in (("non-streamed (total)", "json_ms"), ("streamed (first text)", "ttft_ms")):
        ref = getattr(base, attr)
        for path in paths:
            data = getattr(path, attr)
            rows.append(
                (
                    path.name,
                    mode,
                    str(len(data)),
                    f"{median(data):.2f}",
                    f"{p90(data):.2f}",
                    f"{median(data) / median(ref):.2f}",
                    f"{p90(data) / p90(ref):.2f}",
                )
            )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        cells = [
            cell.ljust(w) if c < 2 else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> int:
    # Loopback only: no proxy from the environment may sit in the measured path.
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    started = time.monotonic()
    fake = FakeMistral(api_key=PROVIDER_KEY).start()
    gateway = PortkeyGateway()
    try:
        gateway.start()
        fake.default_text = ANSWER

        def via_gateway(fim_route: str) -> dict[str, Any]:
            return {
                "route": "gateway",
                "baseUrl": gateway.url,
                "gateway": {"customHost": fake.base_url, "fimRoute": fim_route},
            }

        paths = [
            Path("direct", {"route": "direct", "baseUrl": fake.base_url}),
            Path("gateway passthrough", via_gateway("passthrough")),
            Path("gateway chat", via_gateway("chat")),
        ]
        try:
            complete = await measure(paths, args.requests, args.warmup, args.budget)
        finally:
            for path in paths:
                await path.upstream.aclose()
        elapsed = time.monotonic() - started
        print(
            f"codestral-ls FIM latency on 127.0.0.1: fake Mistral vs Portkey gateway 1.15.2 "
            f"(started in {gateway.startup_seconds or 0:.2f} s); {args.warmup} warm-up + "
            f"{args.requests} requests per path and mode, round-robin; answer of "
            f"{len(ANSWER)} chars; Python {sys.version.split()[0]}"
        )
        print()
        print(table(paths))
        print()
        print(f"total {elapsed:.1f} s" + ("" if complete else " (stopped early: time budget)"))
        for path in paths[1:]:
            extra_json = median(path.json_ms) - median(paths[0].json_ms)
            extra_ttft = median(path.ttft_ms) - median(paths[0].ttft_ms)
            print(
                f"{path.name}: +{extra_json:.2f} ms per non-streamed request, "
                f"+{extra_ttft:.2f} ms to first streamed text (medians)"
            )
        return 0
    finally:
        gateway.stop()
        fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="measured requests per cell")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests first")
    parser.add_argument("--budget", type=float, default=45.0, help="seconds before stopping")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
