"""What the real open-source Portkey gateway 1.15.2 does on the wire, in front of a fake Mistral.

httpx -> gateway (127.0.0.1, `tests/gateway/portkey.py`) -> FakeMistral (127.0.0.1). Each test
pins one fact that codestral-ls relies on; tests/gateway/FACTS.md lists them all. The gateway is
never mocked, and a gateway that cannot start fails these tests (it never skips them).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.mistral import FakeMistral, Reply
from tests.gateway.portkey import PortkeyGateway
from tests.support.keys import PROVIDER_KEY

FIM_FLAG = {"x-portkey-mistral-fim-completion": "true"}
# route name -> (path under the gateway's /v1, extra headers)
ROUTES = {
    "passthrough": ("/fim/completions", {}),
    "chat": ("/chat/completions", FIM_FLAG),
}
FIM_BODY: dict[str, Any] = {
    "model": "codestral-latest",
    "prompt": "def add(a, b):\n    ",
    "suffix": "\n\nprint(add(1, 2))\n",
    "max_tokens": 16,
}
# Every optional field Mistral's FIM schema accepts (temperature above the gateway's clamp).
FULL_FIM_BODY: dict[str, Any] = {
    **FIM_BODY,
    "min_tokens": 1,
    "temperature": 1.3,
    "top_p": 0.9,
    "stop": ["\n\n"],
    "random_seed": 42,
    "stream": False,
    "metadata": {"origin": "codestral-ls"},
    "prompt_cache_key": "doc-1",
}
PORTKEY_RESPONSE_HEADERS = (
    "x-portkey-provider",
    "x-portkey-trace-id",
    "x-portkey-retry-attempt-count",
    "x-portkey-cache-status",
    "x-portkey-last-used-option-index",
)


def provider_headers(
    fake: FakeMistral | str, key: str | None = PROVIDER_KEY, **extra: str
) -> dict[str, str]:
    """Headers for header mode: provider + custom host + provider key."""
    host = fake if isinstance(fake, str) else fake.base_url
    headers = {"x-portkey-provider": "mistral-ai", "x-portkey-custom-host": host}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    headers.update(extra)
    return headers


def target(fake: FakeMistral | str, key: str, **extra: Any) -> dict[str, Any]:
    host = fake if isinstance(fake, str) else fake.base_url
    return {"provider": "mistral-ai", "api_key": key, "custom_host": host, **extra}


def config_header(config: dict[str, Any]) -> dict[str, str]:
    return {"x-portkey-config": json.dumps(config)}


def sse_events(raw: bytes) -> list[str]:
    return [
        line[len("data: ") :] for line in raw.decode().splitlines() if line.startswith("data: ")
    ]


# -- the harness itself ---------------------------------------------------------------------


def test_gateway_listens_on_loopback_only(portkey_gateway: PortkeyGateway) -> None:
    """loopback.cjs forced the listener onto 127.0.0.1 (the gateway's default is all interfaces)."""
    port_hex = f"{portkey_gateway.port:04X}"
    listeners = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            if state == "0A" and local.endswith(":" + port_hex):  # 0A = LISTEN
                listeners.append(local)
    assert listeners == ["0100007F:" + port_hex], listeners  # 127.0.0.1, nothing else


def test_gateway_root_and_startup(portkey_gateway: PortkeyGateway, http: httpx.Client) -> None:
    r = http.get(portkey_gateway.root_url + "/")
    assert r.status_code == 200
    assert r.text == "AI Gateway says hey!"
    assert portkey_gateway.url == f"http://127.0.0.1:{portkey_gateway.port}/v1"
    assert portkey_gateway.startup_seconds is not None
    assert portkey_gateway.startup_seconds < 10


# -- passthrough: POST {gateway}/v1/fim/completions -----------------------------------------


def test_passthrough_keeps_every_field_and_returns_raw_mistral(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    fake_mistral.default_text = "return a + b"
    sent = json.dumps(FULL_FIM_BODY).encode()
    r = http.post(
        portkey_gateway.url + "/fim/completions",
        content=sent,
        headers=provider_headers(
            fake_mistral,
            **{"content-type": "application/json", "x-custom-client": "kept", "user-agent": "ua/1"},
        ),
    )
    assert r.status_code == 200, r.text
    (rec,) = fake_mistral.requests
    assert rec.path == "/v1/fim/completions"
    # Every field kept, in order, but re-serialised compactly (not byte for byte).
    assert rec.json == FULL_FIM_BODY
    assert rec.body == json.dumps(FULL_FIM_BODY, separators=(",", ":")).encode()
    assert rec.headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    # The client's own headers are forwarded; the x-portkey-* ones are not.
    assert rec.headers["x-custom-client"] == "kept"
    assert rec.headers["user-agent"] == "ua/1"
    assert not [h for h in rec.headers if h.startswith("x-portkey")]

    body = r.json()
    assert "provider" not in body  # Mistral's raw shape, untouched
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "return a + b"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}

    assert r.headers["x-portkey-provider"] == "mistral-ai"
    assert r.headers["x-portkey-retry-attempt-count"] == "0"
    assert r.headers["x-portkey-cache-status"] == "DISABLED"
    assert r.headers["x-portkey-last-used-option-index"] == "config"
    assert r.headers["x-portkey-trace-id"] == ""  # none sent: echoed empty, not generated
    # Upstream response headers pass through (rate-limit headers of a 200 included).
    assert r.headers["x-ratelimit-remaining-req-minute"] == "119"


def test_missing_authorization_is_sent_as_bearer_undefined(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    for path, extra in ROUTES.values():
        r = http.post(
            portkey_gateway.url + path,
            json=FIM_BODY,
            headers=provider_headers(fake_mistral, key=None, **extra),
        )
        assert r.status_code == 200
        assert fake_mistral.requests[-1].headers["authorization"] == "Bearer undefined"


# -- chat: POST {gateway}/v1/chat/completions + x-portkey-mistral-fim-completion ------------


def test_chat_route_with_fim_flag_reaches_fim_and_drops_fields(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    fake_mistral.default_text = "return a + b"
    r = http.post(
        portkey_gateway.url + "/chat/completions",
        json=FULL_FIM_BODY,
        headers=provider_headers(fake_mistral, **FIM_FLAG),
    )
    assert r.status_code == 200, r.text
    (rec,) = fake_mistral.requests
    assert rec.path == "/v1/fim/completions"
    assert rec.headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert rec.headers["user-agent"] == "node"  # a fresh request, not the client's
    # stop, min_tokens, random_seed, metadata and prompt_cache_key are dropped; temperature
    # is clamped to 1.
    assert rec.json == {
        "model": "codestral-latest",
        "temperature": 1,
        "top_p": 0.9,
        "max_tokens": 16,
        "stream": False,
        "prompt": FIM_BODY["prompt"],
        "suffix": FIM_BODY["suffix"],
    }
    body = r.json()
    assert body["provider"] == "mistral-ai"
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "return a + b"}
    assert r.headers["x-portkey-last-used-option-index"] == "config"
    assert int(r.headers["content-length"]) == len(r.content)  # re-serialised, not chunked


def test_chat_route_maps_seed_to_random_seed(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    r = http.post(
        portkey_gateway.url + "/chat/completions",
        json={**FIM_BODY, "seed": 7},
        headers=provider_headers(fake_mistral, **FIM_FLAG),
    )
    assert r.status_code == 200, r.text
    assert fake_mistral.requests[-1].json["random_seed"] == 7
    assert "seed" not in fake_mistral.requests[-1].json


def test_chat_route_without_fim_flag_is_a_chat_request(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    r = http.post(
        portkey_gateway.url + "/chat/completions",
        json=FIM_BODY,
        headers=provider_headers(fake_mistral),
    )
    rec = fake_mistral.requests[-1]
    assert rec.path == "/v1/chat/completions"
    assert "messages" not in rec.json  # so the real API answers 422 (missing messages)
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("case", "upstream_path"),
    [
        ("single-provider config with the key", "/v1/fim/completions"),
        ("provider headers + config with the key", "/v1/fim/completions"),
        ("key inside each target", "/v1/fim/completions"),
        ("top-level key with targets", "/v1/chat/completions"),
        ("header + targets config", "/v1/chat/completions"),
        ("header + retry-only config", "/v1/chat/completions"),
    ],
)
def test_fim_flag_in_config_mode(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    case: str,
    upstream_path: str,
) -> None:
    """With `x-portkey-config` the FIM header is ignored: the config must carry
    `"mistral_fim_completion": "true"`, and a strategy's targets do not inherit it."""
    fim = {"mistral_fim_completion": "true"}
    one = target(fake_mistral, PROVIDER_KEY)
    fallback: dict[str, Any] = {"strategy": {"mode": "fallback"}}
    headers: dict[str, str] = {}
    if case == "single-provider config with the key":
        config: dict[str, Any] = {**one, **fim}
    elif case == "provider headers + config with the key":
        config, headers = {"retry": {"attempts": 1}, **fim}, provider_headers(fake_mistral)
    elif case == "key inside each target":
        config = {**fallback, "targets": [{**one, **fim}]}
    elif case == "top-level key with targets":
        config = {**fallback, **fim, "targets": [one]}
    elif case == "header + targets config":
        config, headers = {**fallback, "targets": [one]}, FIM_FLAG
    else:
        config = {"retry": {"attempts": 1}}
        headers = provider_headers(fake_mistral, **FIM_FLAG)
    http.post(
        portkey_gateway.url + "/chat/completions",
        json=FIM_BODY,
        headers={**headers, **config_header(config)},
    )
    assert fake_mistral.requests[-1].path == upstream_path, case


# -- completions: POST {gateway}/v1/completions ---------------------------------------------


def test_completions_route_is_unsupported_for_mistral(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    r = http.post(
        portkey_gateway.url + "/completions",
        json={"model": "codestral-latest", "prompt": "def f(", "suffix": "\n", "max_tokens": 8},
        headers=provider_headers(fake_mistral),
    )
    assert r.status_code == 500
    assert r.json() == {"status": "failure", "message": "complete is not supported by mistral-ai"}
    assert r.headers["x-portkey-gateway-exception"] == "true"
    assert "x-portkey-provider" not in r.headers
    assert fake_mistral.requests == []


# -- streaming -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["passthrough", "chat"])
def test_streaming(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    route: str,
) -> None:
    path, extra = ROUTES[route]
    fake_mistral.set_default(Reply(text="return a + b", token_delay=0.05))
    t0 = time.perf_counter()
    arrivals: list[float] = []
    raw = b""
    with http.stream(
        "POST",
        portkey_gateway.url + path,
        json={**FIM_BODY, "stream": True},
        headers=provider_headers(fake_mistral, accept="text/event-stream", **extra),
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-portkey-provider"] == "mistral-ai"
        for piece in r.iter_raw():
            arrivals.append(time.perf_counter() - t0)
            raw += piece
    assert fake_mistral.requests[-1].path == "/v1/fim/completions"
    events = sse_events(raw)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len(chunks) == 4  # "return ", "a ", "+ ", "b"
    assert "".join(c["choices"][0]["delta"]["content"] for c in chunks) == "return a + b"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert "usage" in chunks[-1]
    # passthrough: Mistral's chunks untouched; chat: re-serialised with "provider" added.
    assert all(("provider" in c) == (route == "chat") for c in chunks)
    # Chunks arrive as they are generated (not buffered to the end): 3 gaps of 50 ms.
    assert len(arrivals) >= 4
    assert arrivals[-1] - arrivals[0] > 0.1


def test_dropped_stream_does_not_stop_upstream_generation(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    fake_mistral.set_default(Reply(chunks=[f"t{i} " for i in range(8)], token_delay=0.05))
    with http.stream(
        "POST",
        portkey_gateway.url + "/fim/completions",
        json={**FIM_BODY, "stream": True},
        headers=provider_headers(fake_mistral),
    ) as r:
        next(r.iter_raw())
    (rec,) = fake_mistral.wait_for_requests(1, finished=True)
    assert not rec.closed_early  # the gateway read the whole upstream stream
    assert rec.chunks_sent == 8


# -- errors ----------------------------------------------------------------------------------

RATE_HEADERS = {
    "retry-after": "7",
    "x-ratelimit-limit-req-minute": "60",
    "x-ratelimit-remaining-req-minute": "0",
}
DETAIL = [
    {"type": "extra_forbidden", "loc": ["body", "x"], "msg": "Extra inputs are not permitted"}
]


def gw_error(message: str, type_: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": type_, "param": None, "code": code},
        "provider": "mistral-ai",
    }


ERROR_CASES = [
    # (id, upstream status, upstream JSON, upstream headers, chat-route body)
    (
        "401-message",
        401,
        {"message": "Unauthorized", "request_id": "r1"},
        {},
        gw_error("mistral-ai error: Unauthorized"),
    ),
    (
        "401-detail",
        401,
        {"detail": "Unauthorized"},
        {},
        gw_error('Invalid response received from mistral-ai: {"detail":"Unauthorized"}'),
    ),
    (
        "422-structured",
        422,
        {
            "object": "error",
            "message": {"detail": DETAIL},
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        },
        {},
        gw_error("mistral-ai error: [object Object]", "invalid_request_error"),
    ),
    (
        "422-detail",
        422,
        {"detail": DETAIL},
        {},
        gw_error(
            "Invalid response received from mistral-ai: "
            + json.dumps({"detail": DETAIL}, separators=(",", ":"))
        ),
    ),
    (
        "429-message",
        429,
        {"message": "Requests rate limit exceeded"},
        RATE_HEADERS,
        gw_error("mistral-ai error: Requests rate limit exceeded"),
    ),
    (
        "429-rate_limited",
        429,
        {
            "object": "error",
            "message": "Rate limit exceeded",
            "type": "rate_limited",
            "param": None,
            "code": "1300",
        },
        {},
        gw_error("mistral-ai error: Rate limit exceeded", "rate_limited", "1300"),
    ),
    (
        "503",
        503,
        {
            "object": "error",
            "message": "Service Unavailable",
            "type": "service_unavailable",
            "param": None,
            "code": None,
        },
        {},
        gw_error("mistral-ai error: Service Unavailable", "service_unavailable"),
    ),
]


@pytest.mark.parametrize("route", ["passthrough", "chat"])
@pytest.mark.parametrize(
    ("status", "upstream", "headers", "chat_body"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_upstream_error_shapes(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    route: str,
    status: int,
    upstream: dict[str, Any],
    headers: dict[str, str],
    chat_body: dict[str, Any],
) -> None:
    path, extra = ROUTES[route]
    fake_mistral.enqueue(Reply(status=status, json=upstream, headers=headers))
    r = http.post(
        portkey_gateway.url + path,
        json=FIM_BODY,
        headers=provider_headers(fake_mistral, **extra),
    )
    assert r.status_code == status  # the upstream status is kept on both routes
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == (upstream if route == "passthrough" else chat_body)
    for name, value in headers.items():  # Retry-After and x-ratelimit-* pass through
        assert r.headers[name] == value
    assert r.headers["x-portkey-provider"] == "mistral-ai"
    assert r.headers["x-portkey-retry-attempt-count"] == "0"  # no retries without a config
    assert len(fake_mistral.requests) == 1


@pytest.mark.parametrize("route", ["passthrough", "chat"])
def test_streaming_request_error_is_plain_json(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    route: str,
) -> None:
    path, extra = ROUTES[route]
    body = {"message": "Requests rate limit exceeded"}
    fake_mistral.enqueue(Reply(status=429, json=body, headers={"retry-after": "2"}))
    r = http.post(
        portkey_gateway.url + path,
        json={**FIM_BODY, "stream": True},
        headers=provider_headers(fake_mistral, accept="text/event-stream", **extra),
    )
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["retry-after"] == "2"
    expected = body if route == "passthrough" else gw_error("mistral-ai error: " + body["message"])
    assert r.json() == expected


@pytest.mark.parametrize("content_type", ["text/plain", "application/json"])
def test_non_json_upstream_error(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    content_type: str,
) -> None:
    """A body that is not JSON: passthrough relays it; chat depends on the content type."""
    bad = Reply(status=503, body=b"upstream connect error", headers={"content-type": content_type})
    fake_mistral.enqueue(bad, bad)
    r = http.post(
        portkey_gateway.url + "/fim/completions",
        json=FIM_BODY,
        headers=provider_headers(fake_mistral),
    )
    assert r.status_code == 503
    assert r.text == "upstream connect error"
    assert r.headers["content-type"].startswith(content_type)

    r = http.post(
        portkey_gateway.url + "/chat/completions",
        json=FIM_BODY,
        headers=provider_headers(fake_mistral, **FIM_FLAG),
    )
    if content_type == "text/plain":
        # Non-JSON content type: wrapped as {"html-message": body}, upstream status kept.
        assert r.status_code == 503
        assert r.json() == gw_error(
            'Invalid response received from mistral-ai: {"html-message":"upstream connect error"}'
        )
        assert r.headers["x-portkey-provider"] == "mistral-ai"
    else:
        # Labelled JSON but unparsable: the gateway's own 500, without x-portkey-* headers.
        assert r.status_code == 500
        assert r.json() == {"status": "failure", "message": "Something went wrong"}
        assert r.headers["x-portkey-gateway-exception"] == "true"
        assert "x-portkey-provider" not in r.headers


@pytest.mark.parametrize("route", ["passthrough", "chat"])
def test_upstream_down(
    portkey_gateway: PortkeyGateway,
    http: httpx.Client,
    closed_port_url: str,
    route: str,
) -> None:
    path, extra = ROUTES[route]
    port = closed_port_url.split(":")[2].split("/")[0]
    refused = (
        f"Message: fetch failed Cause: Error: connect ECONNREFUSED 127.0.0.1:{port} Name: TypeError"
    )
    t0 = time.perf_counter()
    r = http.post(
        portkey_gateway.url + path,
        json=FIM_BODY,
        headers=provider_headers(closed_port_url, **extra),
    )
    assert time.perf_counter() - t0 < 2  # fails fast, no retry without a config
    assert r.status_code == 500
    assert r.headers["x-portkey-provider"] == "mistral-ai"
    assert r.headers["x-portkey-retry-attempt-count"] == "0"
    if route == "passthrough":
        assert r.headers["content-type"].startswith("text/plain")
        assert r.text == refused
    else:
        message = "Invalid response received from mistral-ai: " + json.dumps(
            {"html-message": refused}, separators=(",", ":")
        )
        assert r.json() == gw_error(message)


@pytest.mark.parametrize("route", ["passthrough", "chat"])
def test_request_timeout_header(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    route: str,
) -> None:
    path, extra = ROUTES[route]
    fake_mistral.enqueue(Reply(delay=2.0))
    t0 = time.perf_counter()
    r = http.post(
        portkey_gateway.url + path,
        json=FIM_BODY,
        headers=provider_headers(fake_mistral, **{"x-portkey-request-timeout": "300"}, **extra),
    )
    assert time.perf_counter() - t0 < 1.5
    assert r.status_code == 408
    assert r.json() == {
        "error": {
            "message": "Request exceeded the timeout sent in the request: 300ms",
            "type": "timeout_error",
            "param": None,
            "code": None,
        }
    }
    assert r.headers["x-portkey-provider"] == "mistral-ai"


# -- gateway's own 400s (nothing reaches the upstream) --------------------------------------


@pytest.mark.parametrize(
    ("case", "headers", "message"),
    [
        ("no provider", {"authorization": "Bearer k"},
         "Either x-portkey-config or x-portkey-provider header is required"),
        ("unknown provider", {"x-portkey-provider": "nope"}, "Invalid provider passed"),
        ("private custom host",
         {"x-portkey-provider": "mistral-ai", "x-portkey-custom-host": "http://10.1.2.3/v1"},
         "Invalid custom host"),
        ("config not JSON", {"x-portkey-config": "{oops"},
         "Invalid config passed. You need to pass a valid json"),
        ("config without provider", {"x-portkey-config": json.dumps({"retry": {"attempts": 1}})},
         "Either x-portkey-provider needs to be passed. Or the x-portkey-config header should "
         "have a valid config with provider details in it."),
        ("saved config id", {"x-portkey-config": "pc-my-config-123"},
         "Invalid config passed. You need to pass a valid json"),
    ],
)  # fmt: skip
def test_gateway_rejects_bad_portkey_headers(
    portkey_gateway: PortkeyGateway,
    http: httpx.Client,
    case: str,
    headers: dict[str, str],
    message: str,
) -> None:
    r = http.post(portkey_gateway.url + "/fim/completions", json=FIM_BODY, headers=headers)
    assert r.status_code == 400, case
    assert r.json() == {"status": "failure", "message": message}
    assert "x-portkey-provider" not in r.headers


def test_invalid_config_schema_lists_errors(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    config = {"strategy": {"mode": "weird"}, "targets": [target(fake_mistral, PROVIDER_KEY)]}
    r = http.post(
        portkey_gateway.url + "/fim/completions", json=FIM_BODY, headers=config_header(config)
    )
    assert r.status_code == 400
    assert r.json() == {
        "status": "failure",
        "message": "Invalid config passed",
        "errors": [
            "path: strategy,mode, message: Invalid 'mode' value. Must be one of: single, "
            "loadbalance, fallback, conditional"
        ],
    }


# -- trace id, metadata ----------------------------------------------------------------------


@pytest.mark.parametrize("route", ["passthrough", "chat"])
def test_trace_id_echoed_and_metadata_accepted(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    route: str,
) -> None:
    path, extra = ROUTES[route]
    for metadata in (json.dumps({"_user": "dev", "editor": "nvim"}), "not json at all"):
        r = http.post(
            portkey_gateway.url + path,
            json=FIM_BODY,
            headers=provider_headers(
                fake_mistral,
                **{"x-portkey-trace-id": "cls-trace-1", "x-portkey-metadata": metadata},
                **extra,
            ),
        )
        assert r.status_code == 200, r.text
        assert r.headers["x-portkey-trace-id"] == "cls-trace-1"
        assert "x-portkey-metadata" not in fake_mistral.requests[-1].headers


# -- config: retry and fallback --------------------------------------------------------------


@pytest.mark.parametrize("route", ["passthrough", "chat"])
def test_config_retry_recovers_from_503(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    route: str,
) -> None:
    path, _ = ROUTES[route]
    # With a config the FIM header is ignored: the flag goes into the config.
    config: dict[str, Any] = {"retry": {"attempts": 2}}
    if route == "chat":
        config["mistral_fim_completion"] = "true"
    fake_mistral.enqueue(Reply(status=503))
    t0 = time.perf_counter()
    r = http.post(
        portkey_gateway.url + path,
        json=FIM_BODY,
        headers={**provider_headers(fake_mistral), **config_header(config)},
    )
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200, r.text
    assert r.headers["x-portkey-retry-attempt-count"] == "1"
    assert r.headers["x-portkey-last-used-option-index"] == "config"
    assert [rec.path for rec in fake_mistral.requests] == ["/v1/fim/completions"] * 2
    assert 0.9 < elapsed < 2.5  # the first retry waits 1 s (async-retry: 1 s, 2 s, 4 s, ...)


def test_config_retry_exhausted_reports_minus_one(
    portkey_gateway: PortkeyGateway, fake_mistral: FakeMistral, http: httpx.Client
) -> None:
    fake_mistral.enqueue(Reply(status=503), Reply(status=503))
    config = {"retry": {"attempts": 1}, **target(fake_mistral, "sk-from-config")}
    r = http.post(
        portkey_gateway.url + "/fim/completions", json=FIM_BODY, headers=config_header(config)
    )
    assert r.status_code == 503
    assert r.headers["x-portkey-retry-attempt-count"] == "-1"
    assert len(fake_mistral.requests) == 2
    # provider, key and host can all come from the config (no x-portkey-provider header).
    assert fake_mistral.requests[0].headers["authorization"] == "Bearer sk-from-config"


@pytest.mark.parametrize("route", ["passthrough", "chat"])
def test_fallback_to_second_target(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    second_mistral: FakeMistral,
    http: httpx.Client,
    route: str,
) -> None:
    path, _ = ROUTES[route]
    fim = {"mistral_fim_completion": "true"} if route == "chat" else {}
    config = {
        "strategy": {"mode": "fallback"},
        "targets": [target(fake_mistral, "sk-a", **fim), target(second_mistral, "sk-b", **fim)],
    }
    fake_mistral.enqueue(Reply(status=503))
    second_mistral.default_text = "from b"
    r = http.post(
        portkey_gateway.url + path,
        json=FIM_BODY,
        headers={**config_header(config), "x-portkey-trace-id": "fb-1"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == "from b"
    assert r.headers["x-portkey-last-used-option-index"] == "config.targets[1]"
    assert r.headers["x-portkey-retry-attempt-count"] == "0"
    assert r.headers["x-portkey-trace-id"] == "fb-1"
    (a,) = fake_mistral.requests
    (b,) = second_mistral.requests
    assert a.headers["authorization"] == "Bearer sk-a"
    assert b.headers["authorization"] == "Bearer sk-b"
    assert a.path == b.path == "/v1/fim/completions"


def test_fallback_on_any_error_and_last_target_answer_returned(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    second_mistral: FakeMistral,
    http: httpx.Client,
    closed_port_url: str,
) -> None:
    config = {
        "strategy": {"mode": "fallback"},
        "targets": [target(fake_mistral, "sk-a"), target(second_mistral, "sk-b")],
    }
    url = portkey_gateway.url + "/fim/completions"
    # Without on_status_codes any non-2xx falls back, 401 included.
    fake_mistral.enqueue(Reply(status=401))
    r = http.post(url, json=FIM_BODY, headers=config_header(config))
    assert r.status_code == 200
    assert r.headers["x-portkey-last-used-option-index"] == "config.targets[1]"
    # When every target fails, the last target's answer is returned as is.
    fake_mistral.enqueue(Reply(status=503))
    second_mistral.enqueue(
        Reply(status=429, json={"message": "rl-b"}, headers={"retry-after": "3"})
    )
    r = http.post(url, json=FIM_BODY, headers=config_header(config))
    assert r.status_code == 429
    assert r.json() == {"message": "rl-b"}
    assert r.headers["retry-after"] == "3"
    assert r.headers["x-portkey-last-used-option-index"] == "config.targets[1]"
    # A first target that refuses connections is skipped too.
    down = {**config, "targets": [target(closed_port_url, "sk-a"), target(second_mistral, "sk-b")]}
    r = http.post(url, json=FIM_BODY, headers=config_header(down))
    assert r.status_code == 200
    assert r.headers["x-portkey-last-used-option-index"] == "config.targets[1]"


def test_fallback_on_status_codes_limits_fallback(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    second_mistral: FakeMistral,
    http: httpx.Client,
) -> None:
    config = {
        "strategy": {"mode": "fallback", "on_status_codes": [503]},
        "targets": [target(fake_mistral, "sk-a"), target(second_mistral, "sk-b")],
    }
    fake_mistral.enqueue(Reply(status=429, json={"message": "rl-a"}))
    r = http.post(
        portkey_gateway.url + "/fim/completions", json=FIM_BODY, headers=config_header(config)
    )
    assert r.status_code == 429
    assert r.headers["x-portkey-last-used-option-index"] == "config.targets[0]"
    assert second_mistral.requests == []


# -- prompt library --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/prompts/pp-fim-123/completions",
                                  "/prompts/pp-fim-123/chat/completions"])  # fmt: skip
def test_prompt_route_unsupported_locally(
    portkey_gateway: PortkeyGateway,
    fake_mistral: FakeMistral,
    http: httpx.Client,
    path: str,
) -> None:
    r = http.post(
        portkey_gateway.url + path,
        json={"variables": {"code": "x = 1"}, "stream": False},
        headers=provider_headers(fake_mistral),
    )
    assert r.status_code == 500
    assert r.json() == {
        "status": "failure",
        "message": "prompt completions error: Something went wrong",
    }
    assert fake_mistral.requests == []
