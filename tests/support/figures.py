"""Figures a test measures, printed at the end of the run (the reliability suite's conftest
prints them; ``tests/reliability/RESULTS.md`` quotes them)."""

from __future__ import annotations

from typing import Any

FIGURES: dict[str, Any] = {}


def record(name: str, value: Any) -> None:
    FIGURES[name] = value
