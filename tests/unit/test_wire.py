"""Mistral and gateway wire parsing, error bodies, and the gateway's headers."""

from __future__ import annotations

import json

import httpx
import pytest

from codestral_ls.settings import parse_settings
from codestral_ls.upstream import gateway, mistral
from codestral_ls.upstream.client import FimRequest, Upstream
from codestral_ls.upstream.errors import UpstreamError, error_message, kind_for_status
from codestral_ls.upstream.routes import resolve_route


def test_json_answer_in_message_content():
    body = {
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "x+1"},
                "finish_reason": "stop",
            }
        ]
    }
    delta = mistral.parse_json_answer(json.dumps(body).encode())
    assert (delta.text, delta.finish_reason) == ("x+1", "stop")


def test_openai_text_completion_shape():
    body = {"choices": [{"index": 0, "text": "y", "finish_reason": "length"}]}
    assert mistral.parse_json_answer(json.dumps(body).encode()).text == "y"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"{bad", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[]", "not a JSON object"),
        (b'{"choices": []}', "no choices"),
        (b'{"choices": [{"message": {"content": null}}]}', "not text"),
        (b'{"id": 1}', "no choices"),
    ],
)
def test_malformed_answers_are_typed_errors(raw, words):
    with pytest.raises(UpstreamError, match=words) as info:
        mistral.parse_json_answer(raw)
    assert info.value.kind == "malformed"


async def _lines(*items):
    for item in items:
        yield item


async def test_sse_stream_deltas_and_done():
    chunk = {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": "a"}}],
    }
    last = {
        "choices": [{"index": 0, "delta": {"content": "b"}, "finish_reason": "stop"}],
        "provider": "mistral-ai",
    }
    events = [
        f"data: {json.dumps(chunk)}",
        "",
        ": keep-alive",
        f"data: {json.dumps(last)}",
        "",
        "data: [DONE]",
        "data: ignored-after-done",
    ]
    got = [d.text async for d in mistral.parse_sse(_lines(*events))]
    assert got == ["a", "b"]


async def test_sse_cut_before_done_is_an_error():
    chunk = {"choices": [{"index": 0, "delta": {"content": "a"}}]}
    with pytest.raises(UpstreamError, match="ended before"):
        async for _ in mistral.parse_sse(_lines(f"data: {json.dumps(chunk)}")):
            pass


async def test_sse_error_event_is_an_error():
    with pytest.raises(UpstreamError, match="overloaded"):
        async for _ in mistral.parse_sse(_lines('data: {"error": {"message": "overloaded"}}')):
            pass


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "Unauthorized", "request_id": "r"}, "Unauthorized"),
        ({"detail": "Unauthorized"}, "Unauthorized"),
        (
            {
                "object": "error",
                "message": {
                    "detail": [
                        {
                            "type": "extra_forbidden",
                            "loc": ["body", "x"],
                            "msg": "Extra inputs are not permitted",
                        }
                    ]
                },
            },
            "x: Extra inputs are not permitted",
        ),
        (
            {
                "error": {"message": "mistral-ai error: Rate limit exceeded"},
                "provider": "mistral-ai",
            },
            "mistral-ai error: Rate limit exceeded",
        ),
        (
            {"status": "failure", "message": "complete is not supported by mistral-ai"},
            "complete is not supported by mistral-ai",
        ),
    ],
)
def test_error_messages_from_every_shape(body, message):
    assert error_message(json.dumps(body).encode()) == message


def test_status_kinds():
    assert [kind_for_status(s) for s in (401, 403, 429, 404, 408, 413, 422, 500, 503)] == [
        "auth",
        "auth",
        "rate_limit",
        "not_found",
        "timeout",
        "too_large",
        "bad_request",
        "server",
        "server",
    ]


def _resolved(raw, env=None):
    settings = parse_settings(raw)
    return settings, resolve_route(settings, env or {"CODESTRAL_API_KEY": "pk"})


def test_gateway_headers_for_provider_mode():
    settings, route = _resolved(
        {
            "route": "gateway",
            "gateway": {
                "apiKey": "gk",
                "customHost": "https://codestral.mistral.ai/v1/",
                "metadata": {"team": "ml"},
            },
        }
    )
    h = gateway.headers(route, settings.gateway, "trace-1", fim_route="chat")
    assert h["x-portkey-api-key"] == "gk" and h["x-portkey-provider"] == "mistral-ai"
    assert h["x-portkey-custom-host"] == "https://codestral.mistral.ai/v1"
    assert json.loads(h["x-portkey-metadata"]) == {"team": "ml"}
    assert h["Authorization"] == "Bearer pk" and h["x-portkey-trace-id"] == "trace-1"
    assert h[gateway.FIM_HEADER] == "true"


def test_gateway_config_and_virtual_key():
    config = {"strategy": {"mode": "fallback"}, "targets": [{"provider": "mistral-ai"}, {}]}
    settings, route = _resolved(
        {"route": "gateway", "gateway": {"config": config, "virtualKey": "vk"}}
    )
    h = gateway.headers(route, settings.gateway, "t", fim_route="chat")
    sent = json.loads(h["x-portkey-config"])
    assert sent["mistral_fim_completion"] == "true"
    assert all(t["mistral_fim_completion"] == "true" for t in sent["targets"])
    assert h["x-portkey-virtual-key"] == "vk"
    assert "x-portkey-provider" not in h and "Authorization" not in h
    settings, route = _resolved({"route": "gateway", "gateway": {"config": "pc-saved-1"}})
    assert gateway.headers(route, settings.gateway, "t")["x-portkey-config"] == "pc-saved-1"


async def test_direct_calls_never_carry_the_gateway_key():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    env = {"CODESTRAL_API_KEY": "pk", "PORTKEY_API_KEY": "gk"}
    upstream = Upstream(env)
    upstream.configure(parse_settings({"route": "direct", "baseUrl": "https://x.example/v1"}))
    upstream._client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    got = [d.text async for d in upstream.fim(FimRequest("p", "s", "m", 4, 0.0), stream=False)]
    assert got == ["ok"]
    (request,) = seen
    assert str(request.url) == "https://x.example/v1/fim/completions"
    assert request.headers["authorization"] == "Bearer pk"
    assert not any(k.startswith("x-portkey") for k in request.headers)
    body = json.loads(request.content)
    assert set(body) == {"model", "prompt", "suffix", "max_tokens", "temperature", "stream"}
    await upstream.aclose()


async def test_failover_switches_then_tries_the_primary_again_later():
    hosts = []
    gateway_down = True

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "gw.example" and gateway_down:
            return httpx.Response(503, json={"message": "down"})
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    upstream = Upstream({"CODESTRAL_API_KEY": "pk", "PORTKEY_API_KEY": "gk"})
    upstream.configure(
        parse_settings(
            {
                "route": "gateway",
                "baseUrl": "https://gw.example/v1",
                "failover": True,
                "gateway": {"customHost": "https://direct.example/v1"},
            }
        )
    )
    upstream._client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    request = FimRequest("p", "s", "m", 4, 0.0)

    async def once() -> list[str]:
        return [d.text async for d in upstream.fim(request, stream=False)]

    assert await once() == ["ok"]
    assert hosts == ["gw.example", "direct.example"] and upstream.info.active_failover
    assert await once() == ["ok"]
    assert hosts[-1] == "direct.example"  # stays on the other route for a while
    upstream._failed_over_at -= 31  # later: the primary is tried again
    gateway_down = False
    assert await once() == ["ok"]
    assert hosts[-1] == "gw.example" and not upstream.info.active_failover
    await upstream.aclose()
