"""Fixtures for tests that run the real open-source Portkey gateway on 127.0.0.1.

`portkey_gateway` starts one gateway for the whole session (about 0.3 s, ~80 MB). It never skips:
without node or the npm package (`bash .ci/setup-gateway.sh`) every test using it errors out
with the reason. When such a test fails, the gateway's recent log lines are attached to the
report.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.mistral import FakeMistral
from tests.gateway.portkey import PortkeyGateway
from tests.support.upstream import running_fake


@pytest.fixture(scope="session")
def portkey_gateway() -> Iterator[PortkeyGateway]:
    gateway = PortkeyGateway()
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture
def second_mistral() -> Iterator[FakeMistral]:
    """Another fake Mistral, for fallback targets (distinct host from `fake_mistral`)."""
    with running_fake(api_key=None) as fake:
        yield fake


@pytest.fixture
def closed_port_url() -> str:
    """A loopback base URL where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy from the environment must never see loopback test traffic.
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        yield client


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    gateway = getattr(item, "funcargs", {}).get("portkey_gateway")
    if report.failed and isinstance(gateway, PortkeyGateway):
        report.sections.append(("portkey gateway log (last 60 lines)", gateway.log_text(60)))
    return report
