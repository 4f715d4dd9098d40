"""The telemetry parts on their own, with an injected clock: retention regions through edits,
the governor's stages and recovery, outcome transitions, the shared ledger with real processes."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from pathlib import Path

import pytest

from codestral_ls.documents import UTF32, Document
from codestral_ls.settings import parse_settings
from codestral_ls.telemetry.governor import PENALTY_SECONDS, Governor
from codestral_ls.telemetry.ledger import FLUSH_DELAY, Ledger, Totals, period
from codestral_ls.telemetry.outcomes import Outcomes, Suggestion
from codestral_ls.telemetry.retention import Retention


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def edit(retention: Retention, doc: Document, start, end, text: str) -> None:
    retention.before_edit(doc)
    span = doc.apply_change(start, end, text, UTF32)
    retention.edited(doc.uri, span, text)


@pytest.mark.parametrize(
    ("edits", "kept"),
    [
        ([], 13),  # untouched
        ([((0, 0), (0, 0), "# top\n")], 13),  # a line above moves it
        ([((1, 4), (1, 4), "  ")], 13),  # typed just before it: outside
        ([((1, 17), (1, 17), "  # note")], 13),  # typed just after it: outside
        ([((1, 11), (1, 17), "")], 7),  # "(1, 2)" deleted
        ([((1, 4), (1, 17), "")], 0),  # all deleted
        ([((1, 12), (1, 12), "a, "), ((1, 4), (1, 4), "\n    ")], 13),  # edits inside keep it
        ([((1, 0), (2, 0), "")], 0),  # the whole line deleted
        ([((1, 11), (1, 11), "\n   ")], 13),  # split across lines: every character still there
    ],
)
def test_retention_follows_the_region_through_edits(edits, kept) -> None:
    clock = FakeClock()
    measured: list[tuple[str, int]] = []
    retention = Retention(clock, lambda region, label, n: measured.append((label, n)))
    doc = Document.from_text("u", "python", 1, "import os\nx = compute(1, 2)\nz = 1\n")
    retention.track("c1", doc, (1, 4), "compute(1, 2)", ("python", "direct"))
    for start, end, text in edits:
        edit(retention, doc, start, end, text)
    clock.now += 31
    retention.sweep(lambda uri: doc)
    assert measured == [("30s", kept)]
    assert retention.report()["30s"] == {"share": round(kept / 13, 3), "measured": 1}


def test_each_checkpoint_is_measured_once_on_the_text_before_the_edit_after_it() -> None:
    clock = FakeClock()
    measured: list[tuple[str, int]] = []
    retention = Retention(clock, lambda region, label, n: measured.append((label, n)))
    doc = Document.from_text("u", "python", 1, "x = compute(1, 2)\n")
    retention.track("c1", doc, (0, 4), "compute(1, 2)", ("python", "direct"))
    clock.now += 130  # 30 s and 2 min are due; the edit comes after them
    edit(retention, doc, (0, 4), (0, 17), "")
    assert measured == [("30s", 13), ("2m", 13)]
    clock.now += 600
    edit(retention, doc, (0, 0), (0, 0), "y")
    assert measured[-1] == ("10m", 0)
    retention.sweep(lambda uri: doc)
    assert len(measured) == 3  # done: the region is no longer followed


def test_outcomes_move_between_states_and_count_each_suggestion_once() -> None:
    clock = FakeClock()
    closed: list[tuple[str, str]] = []
    outcomes = Outcomes(clock, lambda s: closed.append((s.id, s.outcome)))

    def show(item_id: str, uri: str = "u", continues: bool = False) -> None:
        item = Suggestion(item_id, uri, "python", "direct", None, "abcdef", 0, 0, clock.now)
        outcomes.shown(item, continues)

    show("a")
    show("b")  # a dismissed
    show("c", continues=True)  # b typed through
    assert outcomes.partial("c", 2) and not outcomes.partial("c", 1)  # only growth counts
    show("d", uri="other")  # another document: c still open
    assert outcomes.report()["partlyAccepted"] == 1 and outcomes.report()["pending"] == 1
    assert outcomes.accept("c") and outcomes.accept("c") is None
    clock.now += 31
    outcomes.sweep()  # d times out
    report = outcomes.report()
    assert {k: report[k] for k in ("shown", "accepted", "partlyAccepted", "typedThrough")} == {
        "shown": 4,
        "accepted": 1,
        "partlyAccepted": 0,
        "typedThrough": 1,
    }
    assert (report["dismissed"], report["pending"], report["acceptedChars"]) == (2, 0, 6)
    assert closed == [
        ("a", "dismissed"),
        ("b", "typed_through"),
        ("c", "accepted"),
        ("d", "dismissed"),
    ]


def test_the_governor_steps_down_by_budget_and_by_penalty_and_recovers() -> None:
    clock = FakeClock()
    governor = Governor(clock)
    settings = parse_settings({"budget": {"dailyTokens": 1000, "monthlyTokens": 100_000}})
    stages = [
        governor.stage(Totals("d", used, "m", used), settings)
        for used in (0, 749, 750, 900, 950, 999, 1000, 5000)
    ]
    assert stages == [0, 0, 1, 2, 3, 3, 4, 4]
    # the tighter of the two budgets decides
    assert governor.stage(Totals("d", 0, "m", 99_000), settings) == 3
    governor.penalize(None)
    governor.penalize(None)
    assert governor.stage(Totals("d", 0, "m", 0), settings) == 2
    clock.now += PENALTY_SECONDS
    assert governor.stage(Totals("d", 0, "m", 0), settings) == 1  # one stage back up at a time
    clock.now += PENALTY_SECONDS
    assert governor.stage(Totals("d", 0, "m", 0), settings) == 0
    assert governor.gate(3, invoked=False).upstream is False
    assert governor.gate(3, invoked=True).upstream is True
    assert governor.gate(4, invoked=True).upstream is False
    small = governor.adjust(settings, 2)
    assert small.completion.prefix_chars == 1500 and small.completion.multiline == "never"
    assert small.context.cross_file is False and governor.adjust(settings, 0) is settings


def test_ledger_periods_only_move_forward(tmp_path: Path) -> None:
    now = [time.mktime((2026, 3, 31, 23, 0, 0, 0, 0, -1))]
    told: list[str] = []
    ledger = Ledger(tmp_path, lambda: now[0], lambda key, text: told.append(key))
    ledger.record(10, False)
    now[0] += 2 * 3600  # into April: a new day and a new month
    totals = ledger.record(5, True)
    assert (totals.day_tokens, totals.month_tokens, totals.estimated_tokens) == (5, 5, 5)
    now[0] -= 3 * 86_400  # the clock jumps back to March: April's counts go on
    totals = ledger.record(1, False)
    assert totals.month == "2026-04" and totals.month_tokens == 6
    assert period(now[0])[1] == "2026-03" and told == []
    assert json.loads((tmp_path / "usage.json").read_text())["monthTokens"] == 6


async def test_records_in_a_running_loop_reach_the_file_later_in_one_write(
    tmp_path: Path,
) -> None:
    ledger = Ledger(tmp_path, time.time)
    writes: list[Totals] = []
    write = ledger._write
    ledger._write = lambda totals: (writes.append(totals), write(totals))[1]  # type: ignore[method-assign]
    ledger.record(10, False)
    totals = ledger.record(5, True)
    # the answer that caused them is not kept waiting on the file
    assert not (tmp_path / "usage.json").exists() and writes == []
    assert (totals.day_tokens, totals.estimated_tokens) == (15, 5)
    assert ledger.totals().day_tokens == 15
    await asyncio.sleep(FLUSH_DELAY * 3)
    assert len(writes) == 1
    data = json.loads((tmp_path / "usage.json").read_text())
    assert (data["dayTokens"], data["estimatedTokens"]) == (15, 5)


async def test_a_pending_record_is_flushed_on_demand_and_keeps_other_windows_counts(
    tmp_path: Path,
) -> None:
    other = Ledger(tmp_path, time.time)  # another editor window sharing the file
    ledger = Ledger(tmp_path, time.time)
    other.record(7, False)
    ledger.record(4, False)
    assert not (tmp_path / "usage.json").exists()
    assert other.flush().day_tokens == 7
    assert ledger.flush().day_tokens == 11  # adds to what the file holds, not to its own view
    assert json.loads((tmp_path / "usage.json").read_text())["dayTokens"] == 11


def _hammer(folder: str, n: int) -> None:
    ledger = Ledger(Path(folder), time.time)
    for _ in range(n):
        ledger.record(3, False)


def test_two_processes_recording_at_once_lose_no_counts(tmp_path: Path) -> None:
    n = 300
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hammer, args=(str(tmp_path), n)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    data = json.loads((tmp_path / "usage.json").read_text())
    assert data["dayTokens"] == 2 * n * 3
