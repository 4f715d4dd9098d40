"""Print the corpus report: ``python -m tests.quality.report``."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field

from codestral_ls.multiline import decide_multiline
from codestral_ls.postprocess import RULES, apply_rules, covered_closers
from tests.quality.corpus import CASES, MULTILINE_CASES, Case


@dataclass
class Outcome:
    case: Case
    multiline: bool
    text: str
    rules: list[str] = field(default_factory=list)

    @property
    def covered(self) -> int:
        """Closers after the cursor that the item's range covers (the editor overwrites them)."""
        prefix, suffix = self.case.prefix, self.case.suffix
        line_before = prefix[prefix.rfind("\n") + 1 :]
        line_after = suffix.split("\n", 1)[0]
        return covered_closers(self.text, line_before, line_after, self.case.lang)

    @property
    def passed(self) -> bool:
        """The document the user gets on accepting is the one ``expected`` gives: the text may
        carry the closers that follow the cursor when the item's range covers them."""
        return self.text == self.case.expected + self.case.suffix[: self.covered]


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
    ranged = sum(o.covered > 0 for o in outcomes)
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
        f"  closer_range     {ranged} (the item's range covers the closers after the cursor)",
        f"decide_multiline corpus: {ml_passed}/{len(MULTILINE_CASES)} cases pass",
    ]
    for o in outcomes:
        if not o.passed:
            lines.append(
                f"FAIL {o.case.id}: expected {o.case.expected!r}, got {o.text!r} "
                f"covering {o.covered} character(s) after the cursor "
                f"(multiline={o.multiline}, rules={o.rules})"
            )
    return "\n".join(lines), passed == len(outcomes) and ml_passed == len(MULTILINE_CASES)


def main() -> int:
    text, ok = build_report()
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
