"""Prints the quality corpus report at the end of any run that included the corpus."""

from __future__ import annotations

from typing import Any

from tests.quality.report import build_report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    ran = any(
        "tests/quality/" in getattr(report, "nodeid", "")
        for reports in terminalreporter.stats.values()
        for report in reports
    )
    if ran:
        text, _ = build_report()
        terminalreporter.section("suggestion quality corpus")
        for line in text.splitlines():
            terminalreporter.write_line(line)
