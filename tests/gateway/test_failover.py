"""Failover between the gateway and the direct route (`"failover": true`), end to end.

editor (pytest-lsp) -> codestral-ls -> the REAL Portkey gateway or the fake Mistral directly.
When the active route is unreachable or answers 5xx, the same request is sent on the other
route (direct base = `gateway.customHost`; gateway base = `gateway.baseUrl`), the user gets the
suggestion with no error message, `codestral.status` reports the failover, and the log says so.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes.mistral import FakeMistral, Reply
from tests.support.gateway import AT, CODE, URI, begin
from tests.support.keys import PROVIDER_KEY
from tests.support.session import lazy_session_fixture, messages, texts
from tests.support.settings import portkey_settings

LOG = Path(tempfile.gettempdir()) / f"codestral-ls-failover-{os.getpid()}.log"

lsp = lazy_session_fixture(args=("--log-file", str(LOG)), parametrized=False)


@pytest.fixture
def log_since() -> Iterator[Callable[[], str]]:
    """The server log written during this test."""
    start = LOG.stat().st_size if LOG.exists() else 0

    def read() -> str:
        return LOG.read_text("utf-8", "replace")[start:] if LOG.exists() else ""

    yield read


@pytest.fixture(scope="module", autouse=True)
def _remove_log() -> Iterator[None]:
    yield
    LOG.unlink(missing_ok=True)


def direct_requests(fake: FakeMistral) -> list:
    """Requests the server sent straight to the fake: the gateway's fetch (Node's undici) adds
    `sec-fetch-mode`, even when it passes the client's own headers through."""
    return [r for r in fake.requests if "sec-fetch-mode" not in r.headers]


async def test_unreachable_gateway_fails_over_to_direct(lsp, fake, closed_port_url, log_since):
    fake.default_text = "a + b"
    settings = portkey_settings(closed_port_url, fake.base_url, failover=True)
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]
    assert messages(session) == []
    (req,) = fake.requests
    assert req.path == "/v1/fim/completions"  # direct: customHost + /fim/completions
    assert req.headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert not [h for h in req.headers if h.startswith("x-portkey")]
    status = await session.status()
    assert status["failover"] == {"enabled": True, "active": True, "count": 1}
    assert status["errors"] == 0
    log = log_since()
    assert "gateway route failed" in log and "failing over to the direct route" in log
    assert PROVIDER_KEY not in log

    # While failed over, later requests go straight to the direct route.
    other = "file:///work/project/src/other.py"
    session.open(other, "def sub(a, b):\n    return \n")
    fake.default_text = "a - b"
    assert texts(await session.inline(other, *AT)) == ["a - b"]
    assert len(fake.requests) == 2
    assert (await session.status())["failover"]["count"] == 1


@pytest.mark.parametrize("fim_route", ["passthrough", "chat"])
async def test_gateway_5xx_fails_over_to_direct(lsp, fake, portkey_gateway, fim_route, log_since):
    fake.enqueue(Reply(status=503))  # relayed by the real gateway
    fake.default_text = "a + b"
    settings = portkey_settings(portkey_gateway.url, fake.base_url, fim_route, failover=True)
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]
    assert messages(session) == []
    via_gateway, direct = fake.requests
    assert via_gateway.status == 503 and direct.status == 200
    assert via_gateway.path == direct.path == "/v1/fim/completions"
    if fim_route == "chat":
        assert via_gateway.headers["user-agent"] == "node"  # a new request made by the gateway
        assert "stop" not in via_gateway.json
    assert direct_requests(fake) == [direct]
    status = await session.status()
    assert status["failover"]["active"] is True and status["failover"]["count"] >= 1
    assert "failing over to the direct route" in log_since()


async def test_unreachable_direct_fails_over_to_the_gateway(
    lsp, fake, portkey_gateway, closed_port_url, log_since
):
    fake.default_text = "a + b"
    settings = portkey_settings(
        closed_port_url,
        fake.base_url,
        "chat",
        route="direct",
        failover=True,
        gateway={"baseUrl": portkey_gateway.url},
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]
    assert messages(session) == []
    (req,) = fake.requests
    assert req.path == "/v1/fim/completions"
    assert req.headers["user-agent"] == "node"  # it came through the gateway's chat route
    status = await session.status()
    assert status["route"] == "direct"
    assert status["failover"] == {"enabled": True, "active": True, "count": 1}
    assert status["gateway"]["provider"] == "mistral-ai"  # the gateway answered it
    log = log_since()
    assert "direct route failed" in log and "failing over to the gateway route" in log


async def test_direct_5xx_fails_over_to_the_gateway(lsp, fake, portkey_gateway, log_since):
    fake.enqueue(Reply(status=502))
    fake.default_text = "a + b"
    settings = portkey_settings(
        fake.base_url,
        fake.base_url,
        route="direct",
        failover=True,
        gateway={"baseUrl": portkey_gateway.url},
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]
    assert messages(session) == []
    direct, via_gateway = fake.requests
    assert direct.status == 502 and via_gateway.status == 200
    assert direct_requests(fake) == [direct]
    status = await session.status()
    assert status["failover"]["active"] is True and status["failover"]["count"] == 1
    assert "failing over to the gateway route" in log_since()


async def test_no_failover_when_off(lsp, fake, closed_port_url, log_since):
    session = await begin(lsp, fake, portkey_settings(closed_port_url, fake.base_url))
    session.open(URI, CODE)
    assert await session.inline(URI, *AT) == []
    (text,) = messages(session)
    assert "Cannot reach" in text and closed_port_url in text
    assert fake.requests == []
    status = await session.status()
    assert status["failover"] == {"enabled": False, "active": False, "count": 0}
    assert "failing over" not in log_since()


async def test_no_failover_on_a_rejected_key(lsp, fake, portkey_gateway, log_since):
    # A 401 is not an outage: the other route would reject the same key.
    fake.set_default(Reply(status=401))
    settings = portkey_settings(portkey_gateway.url, fake.base_url, failover=True)
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert await session.inline(URI, *AT) == []
    (text,) = messages(session)
    assert "rejected the request (401)" in text
    assert len(fake.requests) == 1 and direct_requests(fake) == []
    assert (await session.status())["failover"]["count"] == 0
    assert "failing over" not in log_since()
