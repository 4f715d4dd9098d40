"""Print the corpus report: ``python -m tests.quality.report``."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field

from codestral_ls.multiline import decide_multiline
from codestral_ls.postprocess import RULES, apply_rules
from tests.quality.corpus import CASES, MULTILINE_CASES, Case


@dataclass
class Outcome:
    case: Case
    multiline: bool
    text: str
    rules: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.text == self.case.expected


def run_case(case: Case) -> Outcome:
    multiline = (
        decide_multiline(case.prefix, case.suffix, case.lang, "auto")
        if case.multiline == "auto"
        else bool(case.multiline)
    )
    text, rules = apply_rules(
        case.raw,
        prefix=case.prefix,
        suffix=case.suffix,
        multiline=multiline,
        language_id=case.lang,
    )
    return Outcome(case, multiline, text, rules)


def build_report() -> tuple[str, bool]:
    """The report text, and whether every case passed."""
    outcomes = [run_case(c) for c in CASES]
    passed = sum(o.passed for o in outcomes)
    per_rule = Counter(name for o in outcomes for name in o.rules)
    ml_passed = sum(
        decide_multiline(m.prefix, m.suffix, m.lang, m.setting) == m.expected
        for m in MULTILINE_CASES
    )
    langs = Counter(c.lang for c in CASES)
    lines = [
        f"post-processing corpus: {passed}/{len(outcomes)} cases pass "
        f"({sum(c.group == 'good' for c in CASES)} good answers that must stay untouched)",
        "languages: " + ", ".join(f"{k} {v}" for k, v in langs.most_common()),
        "cases changed per rule:",
        *(f"  {name:<16} {per_rule.get(name, 0)}" for name, _ in RULES),
        f"decide_multiline corpus: {ml_passed}/{len(MULTILINE_CASES)} cases pass",
    ]
    for o in outcomes:
        if not o.passed:
            lines.append(
                f"FAIL {o.case.id}: expected {o.case.expected!r}, got {o.text!r} "
                f"(multiline={o.multiline}, rules={o.rules})"
            )
    return "\n".join(lines), passed == len(outcomes) and ml_passed == len(MULTILINE_CASES)


def main() -> int:
    text, ok = build_report()
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
