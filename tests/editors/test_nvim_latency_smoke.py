"""Smoke run of tests/bench/bench_editor_nvim.py in the CI suite: real Neovim 0.12 (chroot)
typing a few lines with human gaps through the plugin's own ghost text, against the fake
Codestral-like upstream. Asserts what it shows, never how fast (timings are the benchmark's):
ghost text after every pause, no flicker while typing through a suggestion, and the next
suggestion shown after an accept (the prefetched continuation)."""

from __future__ import annotations

import os
import random

import pytest

from tests.bench import bench_editor_nvim as bench
from tests.fakes.mistral import FakeMistral

pytestmark = pytest.mark.editors


def test_ghost_text_after_each_pause_without_flicker_and_after_an_accept() -> None:
    if not (bench.SID / "usr" / "bin" / "nvim").exists() or os.geteuid() != 0:
        message = "Neovim 0.12 chroot missing or not root — run bash .ci/setup-nvim.sh --sid"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    plan = bench.make_plan("inventory.py", 40, random.Random(5))
    fake = FakeMistral(api_key=bench.KEY).start()
    fake.responder = bench.model({plan.name: plan.target})
    try:
        steps = bench.run_variant(bench.VARIANTS[0], plan, fake.base_url, accepts=1)
    finally:
        fake.stop()
    got = bench.analyse(steps, plan)
    assert got["pauses"] >= 2 and got["missing"] == 0, got
    assert got["flicker"] == 0, got
    assert len(got["accepts"]) == 1, steps["accepts"]
    assert steps["server_status"]["prefetches"] >= 1, steps["server_status"]
    typed = "".join(k["text"] for k in plan.keys)
    assert steps["text"].startswith(plan.start_text + typed), "the typing went wrong"
