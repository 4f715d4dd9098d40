"""What acceptance/retention tracking and the spend ledger cost per keystroke and per call.

    .venv/bin/python -m tests.bench.bench_telemetry

* keystroke: a one-character ``didChange`` through ``Codestral.change_document`` on a 10 MB,
  250,000-line document while 0 (the baseline, same run) or 200 accepted suggestions (the cap,
  ``telemetry/retention.py`` MAX_REGIONS) are followed in that document;
* checkpoint: measuring one retention checkpoint of a 64-token (~250 character) suggestion
  (difflib over the region only);
* ledger: one ``Ledger.record`` (lock, read, add, write, rename) in a temporary cache folder,
  vs one ``os.replace`` of a tiny file (the floor of an atomic write).

Targets: keystroke overhead < 0.05 ms with 200 regions; a ledger record < 1 ms.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from codestral_ls.documents import UTF16, Change
from codestral_ls.service import Codestral
from codestral_ls.telemetry.ledger import Ledger
from codestral_ls.telemetry.retention import MAX_REGIONS, Retention, retained_chars
from tests.bench._common import machine, median_ms, table, time_each
from tests.bench.bench_documents import big_text
from tests.support.keys import PROVIDER_KEY

URI = "file:///bench/big.py"
SUGGESTION = "result = compute_total(values, weights=normalised, strict=True)\n" * 4


def keystrokes(regions: int, repeat: int = 2000) -> list[float]:
    service = Codestral(env={"CODESTRAL_API_KEY": PROVIDER_KEY})
    text = big_text()
    doc = service.open_document(URI, "python", 1, text)
    retention: Retention = service._telemetry.retention  # the bench sets up state directly
    for i in range(regions):
        retention.track(f"c{i}", doc, (1000 + i * 10, 0), SUGGESTION, ("python", "direct"))
    line = 125_000
    state = {"version": 1, "col": 0}

    def one() -> None:
        state["version"] += 1
        col = state["col"]
        state["col"] += 1
        change = Change((line, col), (line, col), "x")
        service.change_document(URI, state["version"], [change], UTF16)

    return time_each(one, repeat)


def checkpoint(repeat: int = 500) -> list[float]:
    edited = SUGGESTION.replace("strict=True", "strict=False")
    return time_each(lambda: retained_chars(SUGGESTION, edited), repeat)


def ledger(repeat: int = 300) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        book = Ledger(Path(folder), time.time)
        records = time_each(lambda: book.record(100, False), repeat)
        tiny = Path(folder) / "tiny"

        def replace() -> None:
            (Path(folder) / "tmp").write_text("{}")
            os.replace(Path(folder) / "tmp", tiny)

        floor = time_each(replace, repeat)
    return records, floor


def main() -> None:
    print(f"machine: {machine()}")
    base = median_ms(keystrokes(0))
    tracked = median_ms(keystrokes(MAX_REGIONS))
    table(
        "one-character didChange, 10 MB document (median ms)",
        ["accepted suggestions followed", "ms", "overhead ms", "ratio"],
        [[0, base, 0.0, 1.0], [MAX_REGIONS, tracked, tracked - base, tracked / base]],
    )
    cp = median_ms(checkpoint())
    table(
        "one retention checkpoint (median ms)", ["suggestion chars", "ms"], [[len(SUGGESTION), cp]]
    )
    records, floor = ledger()
    r, f = median_ms(records), median_ms(floor)
    table(
        "token ledger (median ms)",
        ["operation", "ms", "ratio"],
        [["os.replace of a tiny file (floor)", f, 1.0], ["Ledger.record", r, r / f]],
    )


if __name__ == "__main__":
    main()
