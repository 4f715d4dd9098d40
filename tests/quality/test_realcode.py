"""A sample of the real-code harness (``tests/quality/realcode/``) in the suite: per language,
real files cut at realistic cursor positions, the fake upstream answering the truth and the
truth with the faults models make, ghost text taken through the real server over LSP and
applied as an editor applies it. The full run is ``python -m tests.bench.bench_realcode``.

A language whose sources are not on this machine is skipped with what installs them.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.quality.realcode.runner import LANGS, Corpus, build_corpus, failures, run_corpus
from tests.quality.realcode.runner import report as harness_report

SEED = 1
FILES_PER_LANGUAGE = 3
CUTS_PER_KIND = 1


@pytest.mark.parametrize("lang", LANGS)
def test_real_code_sample(lang: str) -> None:
    full = build_corpus(FILES_PER_LANGUAGE, CUTS_PER_KIND, SEED, langs=(lang,))
    if full.skipped:
        pytest.skip("; ".join(full.skipped))
    assert len(full.cuts) >= 5, f"too few cuts for {lang}: {len(full.cuts)}"
    outcomes = asyncio.run(run_corpus(Corpus(full.cuts), SEED))
    print()
    print(harness_report(full, outcomes, 0.0))
    shown_failures = "\n".join(failures(outcomes, 10))

    perfect = [o for o in outcomes if o.answer.fault.startswith("perfect")]
    assert all(o.exact for o in perfect), f"perfect answers changed:\n{shown_failures}"
    faults = [o for o in outcomes if not o.answer.fault.startswith("perfect")]
    repaired = sum(o.ok for o in faults) / len(faults)
    assert repaired >= 0.95, f"{repaired:.1%} of faults repaired:\n{shown_failures}"
    broken = [o for o in outcomes if o.parse_broken]
    assert not broken, f"{len(broken)} answers shown that break the parse:\n{shown_failures}"
    one_or_many = {}
    for o in outcomes:
        one_or_many.setdefault((o.cut.id, o.answer.fault.removesuffix("_stream64")), set()).add(
            (o.shown, o.covered)
        )
    assert all(len(shown) == 1 for shown in one_or_many.values()), "streaming changed an answer"
