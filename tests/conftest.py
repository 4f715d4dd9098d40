"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.mistral import FakeMistral


@pytest.fixture
def fake_mistral() -> Iterator[FakeMistral]:
    """A started fake Mistral API without auth; tests needing a key build their own."""
    fake = FakeMistral().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Wheels of codestral-ls's dependencies and build requirements, for installs that use no
    index (tests/packaging/wheelhouse.py)."""
    from tests.packaging.wheelhouse import wheelhouse as build

    return build()
