"""Fixtures every folder shares (the pieces themselves live in tests/support/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.mistral import FakeMistral
from tests.support.upstream import running_fake
from tests.support.wheelhouse import wheelhouse as build_wheelhouse


@pytest.fixture
def fake() -> Iterator[FakeMistral]:
    """A started fake Mistral API that accepts only the test provider key (keys.PROVIDER_KEY)."""
    with running_fake() as server:
        yield server


@pytest.fixture
def fake_mistral() -> Iterator[FakeMistral]:
    """The same fake without auth, for tests that send other keys on purpose."""
    with running_fake(api_key=None) as server:
        yield server


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Wheels of codestral-ls's dependencies and build requirements, for installs that use no
    index (tests/support/wheelhouse.py)."""
    return build_wheelhouse()
