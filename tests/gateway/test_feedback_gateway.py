"""What the REAL open-source Portkey gateway (1.15.2) does with the feedback API, and what the
language server makes of it (tests/gateway/FACTS.md, "Feedback").

The hosted gateway serves ``POST /v1/feedback``; the open-source build has no such route: the
request falls through to its provider proxy, which wants a provider. codestral-ls sends feedback
with the gateway key only, so the open-source gateway refuses it (400) and nothing reaches the
provider; the user is told once and suggestions go on.
"""

from __future__ import annotations

import asyncio

import httpx
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.fakes.mistral import FakeMistral, Reply
from tests.gateway.portkey import PortkeyGateway
from tests.support.keys import GATEWAY_ENV
from tests.support.session import server_fixture, start_session

URI = "file:///work/project/src/app.py"
FEEDBACK = {"trace_id": "codestral-ls-test", "value": 1, "weight": 1.0, "metadata": {}}


def test_the_open_source_gateway_has_no_feedback_api(
    portkey_gateway: PortkeyGateway, fake: FakeMistral, http: httpx.Client
) -> None:
    url = portkey_gateway.url + "/feedback"
    # As codestral-ls sends it: the gateway key, no provider.
    answer = http.post(url, json=FEEDBACK, headers={"x-portkey-api-key": "pk-test"})
    assert answer.status_code == 400
    assert answer.json() == {
        "status": "failure",
        "message": "Either x-portkey-config or x-portkey-provider header is required",
    }
    assert fake.requests == []
    # With a provider it is proxied to the provider like any unknown path (a reason never to
    # send provider headers with feedback): the fake Mistral, like the real one, has no such API.
    answer = http.post(
        url,
        json=FEEDBACK,
        headers={"x-portkey-provider": "mistral-ai", "x-portkey-custom-host": fake.base_url},
    )
    assert [r.path for r in fake.requests] == ["/v1/feedback"]
    assert answer.status_code == 404


@server_fixture(params=["vscode-utf16"], base_env=GATEWAY_ENV)
async def client(lsp_client: LanguageClient, request, fake, portkey_gateway):
    settings = {
        "route": "gateway",
        "baseUrl": portkey_gateway.url,
        "gateway": {"provider": "mistral-ai", "customHost": fake.base_url, "feedback": True},
        "completion": {"debounceMs": 0, "timeoutMs": 3000},
        "context": {"crossFile": False},
    }
    lsp_client.session = await start_session(lsp_client, fake, request.param, settings)
    yield
    await lsp_client.shutdown_session()


async def test_feedback_refused_by_the_open_source_gateway_is_told_once(client, fake):
    session = client.session
    fake.set_default(Reply(text="compute(1, 2)"))
    session.open(URI, "x = \ny = \n")
    for line in range(2):
        items = await session.inline(URI, line, 4)
        assert [i.insert_text for i in items] == ["compute(1, 2)"]
        session.edit(URI, (line, 4), (line, 4), "compute(1, 2)")
        await session.command("codestral.acceptCompletion", items[0].command.arguments[0])
    for _ in range(100):  # both feedback calls answered (each one failed)
        status = await session.status()
        if status["acceptance"]["feedback"]["failed"] == 2:
            break
        await asyncio.sleep(0.05)
    assert status["acceptance"]["feedback"] == {"sent": 0, "failed": 2}
    assert status["acceptance"]["accepted"] == 2 and status["state"] == "ready"
    told = [m for m in session.client.messages if "feedback" in m.message.lower()]
    assert len(told) == 1 and told[0].type == types.MessageType.Warning
    assert "x-portkey-provider" in told[0].message
    assert not any(r.path.endswith("/feedback") for r in fake.requests)
