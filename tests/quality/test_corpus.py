"""Every corpus case is a test; ``test_report`` prints the summary (run with ``-s``)."""

from __future__ import annotations

import pytest

from codestral_ls.multiline import decide_multiline
from tests.quality.corpus import CASES, MULTILINE_CASES, Case, MultilineCase
from tests.quality.report import build_report, run_case


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_postprocess_case(case: Case) -> None:
    outcome = run_case(case)
    assert outcome.passed, f"got {outcome.text!r} (rules applied: {outcome.rules})"


@pytest.mark.parametrize("case", MULTILINE_CASES, ids=[c.id for c in MULTILINE_CASES])
def test_decide_multiline_case(case: MultilineCase) -> None:
    assert decide_multiline(case.prefix, case.suffix, case.lang, case.setting) is case.expected


def test_corpus_shape() -> None:
    assert len(CASES) >= 100
    assert sum(c.group == "good" for c in CASES) >= 25
    assert len(MULTILINE_CASES) >= 30
    ids = [c.id for c in CASES] + [m.id for m in MULTILINE_CASES]
    assert len(ids) == len(set(ids))
    assert all(c.buffer.count("<|>") == 1 for c in CASES)
    assert all(m.buffer.count("<|>") == 1 for m in MULTILINE_CASES)


def test_report() -> None:
    text, _ = build_report()
    print()
    print(text)
    assert "cases pass" in text
