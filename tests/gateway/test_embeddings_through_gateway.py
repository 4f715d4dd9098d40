"""Mistral embeddings through the real open-source gateway 1.15.2 (`POST {gw}/v1/embeddings`,
provider mistral-ai): what reaches Mistral, what comes back, and codestral-ls's own client
(``Upstream.embeddings``) on the gateway route. Facts in tests/gateway/FACTS.md."""

from __future__ import annotations

import asyncio
from array import array

import httpx

from codestral_ls.settings import parse_settings
from codestral_ls.upstream import Upstream, UpstreamError
from tests.fakes.mistral import FakeMistral, Reply, fake_embedding
from tests.gateway.portkey import PortkeyGateway
from tests.support.keys import PROVIDER_KEY


def headers(fake: FakeMistral) -> dict[str, str]:
    return {
        "x-portkey-provider": "mistral-ai",
        "x-portkey-custom-host": fake.base_url,
        "authorization": f"Bearer {PROVIDER_KEY}",
    }


def test_the_gateway_keeps_model_and_input_only_and_reshapes_the_answer(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    body = {
        "model": "mistral-embed",
        "input": "def add(a, b): return a + b",
        "output_dimension": 8,
        "output_dtype": "float",
        "encoding_format": "float",
    }
    r = http.post(portkey_gateway.url + "/embeddings", json=body, headers=headers(fake_mistral))
    assert r.status_code == 200, r.text
    (rec,) = fake_mistral.requests
    assert rec.path == "/v1/embeddings"
    # A string input is wrapped in a list; the optional fields are dropped.
    assert rec.json == {"model": "mistral-embed", "input": ["def add(a, b): return a + b"]}
    answer = r.json()
    assert set(answer) == {"object", "data", "model", "usage", "provider"}  # no "id"
    assert answer["provider"] == "mistral-ai"
    assert set(answer["usage"]) == {"prompt_tokens", "total_tokens"}  # no completion_tokens
    assert answer["data"][0]["embedding"] == fake_embedding(body["input"])  # 1024 values
    assert set(answer["data"][0]) == {"object", "embedding", "index"}


def test_upstream_embeddings_on_the_gateway_route(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral
) -> None:
    settings = parse_settings(
        {
            "route": "gateway",
            "baseUrl": portkey_gateway.url,
            "gateway": {"provider": "mistral-ai", "customHost": fake_mistral.base_url},
        }
    )
    texts = ["def load(user): ...", "class Chart: ..."]

    async def run() -> None:
        upstream = Upstream({"CODESTRAL_API_KEY": PROVIDER_KEY})
        upstream.configure(settings)
        try:
            result = await upstream.embeddings(texts, "mistral-embed")
            assert [list(v) for v in result.vectors] == [
                list(array("f", fake_embedding(t))) for t in texts
            ]
            assert result.prompt_tokens > 0 and result.total_tokens == result.prompt_tokens
            fake_mistral.enqueue(Reply(status=429, headers={"Retry-After": "3"}))
            try:
                await upstream.embeddings(texts, "mistral-embed")
            except UpstreamError as exc:
                assert exc.kind == "rate_limit" and exc.status == 429
                assert exc.retry_after == 3
            else:
                raise AssertionError("a 429 through the gateway must raise")
        finally:
            await upstream.aclose()

    asyncio.run(run())
    assert fake_mistral.requests[0].headers["authorization"] == f"Bearer {PROVIDER_KEY}"
