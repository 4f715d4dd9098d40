"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

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
