"""Smoke run of tests/bench/bench_editor_vscode.py in the CI suite: real VS Code (code-server
in headless Chromium, the packaged extension) typing a few lines with human gaps against the
fake Codestral-like upstream. Asserts what it shows, never how fast (timings are the
benchmark's): ghost text after every pause, no flicker while typing through a suggestion, the
next suggestion shown after a Tab accept, and the buffer holding exactly what was typed."""

from __future__ import annotations

import os
import random

import pytest

from tests.bench import bench_editor_nvim as nv
from tests.bench import bench_editor_vscode as bench
from tests.fakes.mistral import FakeMistral

pytestmark = pytest.mark.editors


def blank_line_pauses(plan: nv.Plan) -> int:
    typed, count = plan.start_text, 0
    for key, following in zip(plan.keys, [*plan.keys[1:], None], strict=True):
        typed += key["text"]
        paused = following is None or following["gap_ms"] >= nv.PAUSE_S * 1000
        count += paused and plan.target[len(typed) :].startswith("\n")
    return count


def test_ghost_text_after_each_pause_without_flicker_and_after_an_accept() -> None:
    why = bench.missing_setup()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    plan = nv.make_plan("inventory.py", 40, random.Random(5))
    fake = FakeMistral(api_key=nv.KEY).start()
    fake.responder = nv.model(bench.known_code([plan]))
    try:
        steps = bench.run_variant(bench.VARIANTS[0], plan, fake, accepts=1, accept_in=["queue.go"])
    finally:
        fake.stop()
    got = nv.analyse(steps, plan)
    # Where the true continuation is a blank line (Enter at the end of a block), VS Code shows
    # no ghost text: every other pause must show one.
    blank_next = blank_line_pauses(plan)
    assert got["pauses"] - got["missing"] >= 2 and got["missing"] <= blank_next, (got, blank_next)
    assert got["flicker"] == 0, got
    assert len(got["accepts"]) == 1, steps["accepts"]
    assert got["calls"] >= 1, got
    typed = "".join(k["text"] for k in plan.keys)
    assert steps["text"].startswith(plan.start_text + typed), "the typing went wrong"
