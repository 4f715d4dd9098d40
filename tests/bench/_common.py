"""Small helpers shared by the benchmarks: timing, medians and a plain table printer."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def time_each(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, one sample per call."""
    samples = []
    clock = time.perf_counter
    for _ in range(repeat):
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    return samples


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: Sequence[float]) -> float:
    data = sorted(samples)
    return data[min(len(data) - 1, int(0.9 * len(data)))] * 1000


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:.0f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.4f}"
    return str(value)
