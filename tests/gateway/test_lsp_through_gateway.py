"""The language server end to end through the REAL open-source Portkey gateway.

editor (pytest-lsp) -> codestral-ls (subprocess, stdio) -> Portkey gateway 1.15.2 (127.0.0.1)
-> FakeMistral (127.0.0.1). What the user gets (ghost text, showMessage, codestral.status) and
what reached the upstream (path, body, headers) are asserted on each FIM route. Where the
open-source gateway cannot model the hosted one (virtual keys, the prompt library), the fake's
own gateway emulation (`fake.gateway_url`) stands in, and the real gateway's answer is checked
to reach the user as one clear message.

A gateway that cannot start fails these tests (the `portkey_gateway` fixture raises).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.fakes.mistral import GATEWAY_FIM_KEEP, FakeMistral, Reply
from tests.gateway.portkey import PortkeyGateway
from tests.support.gateway import AT, CLIENT, CODE, URI, begin
from tests.support.keys import PROVIDER_KEY
from tests.support.relay import accept_forever, pump
from tests.support.session import lazy_session_fixture, messages, texts
from tests.support.settings import portkey_settings

SENT_FIELDS = {"model", "prompt", "suffix", "max_tokens", "temperature", "stream"}
ROUTES = ("passthrough", "chat")

# Each test starts its own session with its own settings (begin), so that the first request
# already runs with them.
lsp = lazy_session_fixture([CLIENT])


def assert_no_portkey_headers_upstream(fake: FakeMistral) -> None:
    for rec in fake.requests:
        assert not [h for h in rec.headers if h.startswith("x-portkey")], rec.headers
        assert rec.headers.get("authorization") == f"Bearer {PROVIDER_KEY}"


class HeaderTap:
    """A TCP relay in front of the gateway that records the request heads the server sends
    (plain HTTP/1.1 on loopback), so headers the gateway never forwards can be asserted."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sent: list[bytes] = []
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self.connections = 0  # accepted so far
        accept_forever(self._listener, self._relay)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def heads(self) -> list[dict[str, str]]:
        """Each request's headers (lower-case names), in order."""
        with self._lock:
            raw = b"".join(self._sent).decode("latin-1")
        out = []
        for head in re.findall(r"POST [^\r\n]+\r\n(.*?)\r\n\r\n", raw, re.S):
            pairs = (line.split(":", 1) for line in head.split("\r\n") if ":" in line)
            out.append({k.strip().lower(): v.strip() for k, v in pairs})
        return out

    def close(self) -> None:
        self._listener.close()
        for sock in self._socks:
            with contextlib.suppress(OSError):
                sock.close()

    def _relay(self, client: socket.socket) -> None:
        self.connections += 1
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        self._socks += [client, upstream]
        threading.Thread(target=pump, args=(client, upstream, self._record), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

    def _record(self, data: bytes) -> None:
        with self._lock:
            self._sent.append(data)


@pytest.fixture
def tap(portkey_gateway: PortkeyGateway) -> Iterator[HeaderTap]:
    relay = HeaderTap(portkey_gateway.port or 0)
    try:
        yield relay
    finally:
        relay.close()


# --- FIM on each route ---------------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("fim_route", ROUTES)
async def test_fim_route_gives_the_fakes_answer(lsp, fake, portkey_gateway, fim_route, stream):
    fake.default_text = "a + b"
    settings = portkey_settings(
        portkey_gateway.url, fake.base_url, fim_route, completion={"stream": stream}
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    items = await session.inline(URI, *AT)
    assert texts(items) == ["a + b"]
    assert messages(session) == []

    (req,) = fake.requests  # one upstream call, on Mistral's FIM path whatever the route
    assert req.path == "/v1/fim/completions"
    body = req.json
    assert body["prompt"] == "def add(a, b):\n    return "
    assert body["suffix"] == "\n\nprint(add(1, 2))\n"
    assert body["stream"] is stream and body["model"] == "codestral-latest"
    if fim_route == "passthrough":
        assert set(body) == SENT_FIELDS  # byte for byte: every field kept
    else:
        assert set(body) <= GATEWAY_FIM_KEEP
    assert_no_portkey_headers_upstream(fake)
    status = await session.status()
    assert status["route"] == "gateway" and status["fimRoute"] == fim_route
    assert status["gateway"]["provider"] == "mistral-ai"
    assert status["upstreamCalls"] == 1 and status["errors"] == 0


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("fim_route", ROUTES)
async def test_multiline_stop_is_kept_or_dropped_per_route_and_enforced(
    lsp, fake, portkey_gateway, fim_route, stream
):
    # The model would go on past a blank-lines gap; "\n\n\n" is the multi-line stop string.
    fake.default_text = "if a:\n        return b\n    return a\n\n\nprint('never shown')\n"
    settings = portkey_settings(
        portkey_gateway.url,
        fake.base_url,
        fim_route,
        completion={"multiline": "always", "stream": stream},
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, "def pick(a, b):\n    \n")
    items = await session.inline(URI, 1, 4)
    assert texts(items) == ["if a:\n        return b\n    return a"]

    (req,) = fake.requests
    if fim_route == "passthrough":
        assert req.json["stop"] == ["\n\n\n"]  # the upstream cut it
    else:
        assert "stop" not in req.json  # dropped by the gateway: the server cut it itself
    assert req.json["stream"] is stream


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
async def test_completions_route_tells_the_user_to_switch(lsp, fake, portkey_gateway, stream):
    settings = portkey_settings(
        portkey_gateway.url, fake.base_url, "completions", completion={"stream": stream}
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    for column in (11, 11, 11):
        assert await session.inline(URI, 1, column) == []
        await asyncio.sleep(0.6)  # past the backoff, so each one really asks the gateway
    assert fake.requests == []  # the gateway refused it itself
    (text,) = messages(session)
    assert "codestral.gateway.fimRoute" in text and '"passthrough"' in text
    assert "complete is not supported by mistral-ai" in text
    assert portkey_gateway.url in text
    status = await session.status()
    assert status["errors"] >= 2 and status["lastError"] == text


# --- chat ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fim_route", ROUTES)
async def test_explain_through_the_gateway(lsp, fake, portkey_gateway, fim_route):
    fake.default_text = "It **adds** two numbers."
    session = await begin(
        lsp, fake, portkey_settings(portkey_gateway.url, fake.base_url, fim_route)
    )
    session.open(URI, "def add(a, b):\n    return a + b\n")
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 16}}
    result = await session.command("codestral.explain", {"uri": URI, "range": rng, "show": False})
    assert result == {"markdown": "It **adds** two numbers."}
    assert messages(session) == []
    (req,) = fake.requests
    # a chat request stays a chat request on either FIM route
    assert req.path == "/v1/chat/completions"
    body = req.json
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "return a + b" in body["messages"][1]["content"]
    assert body["stream"] is True and body["model"] == "codestral-latest"
    assert_no_portkey_headers_upstream(fake)


# --- errors in the gateway's shapes --------------------------------------------------------

UNPROCESSABLE = {
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
    "type": "invalid_request_error",
    "param": None,
    "code": None,
}
ERRORS = {
    "401": (Reply(status=401), "rejected the request (401)"),
    "422": (Reply(status=422, json=UNPROCESSABLE), "refused the request (422)"),
    "503": (Reply(status=503), "failed (503)"),
    "500-html": (
        Reply(status=500, body=b"<html>oops</html>", headers={"Content-Type": "text/html"}),
        "failed (500)",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
@pytest.mark.parametrize("fim_route", ROUTES)
async def test_upstream_error_is_one_message_and_an_empty_answer(
    lsp, fake, portkey_gateway, fim_route, case
):
    reply, expected = ERRORS[case]
    fake.set_default(reply)
    session = await begin(
        lsp, fake, portkey_settings(portkey_gateway.url, fake.base_url, fim_route)
    )
    session.open(URI, CODE)
    for _ in range(3):
        assert await session.inline(URI, *AT) == []
    (text,) = messages(session)
    assert expected in text and portkey_gateway.url in text
    if case == "401":
        assert "environment CODESTRAL_API_KEY" in text and PROVIDER_KEY not in text
    if case == "422" and fim_route == "passthrough":
        assert "x: Extra inputs are not permitted" in text  # the upstream's detail survives
    assert fake.requests and all(r.path == "/v1/fim/completions" for r in fake.requests)
    status = await session.status()
    assert status["lastError"] == text and status["errors"] >= 1


@pytest.mark.parametrize("fim_route", ROUTES)
async def test_rate_limit_honours_retry_after(lsp, fake, portkey_gateway, fim_route):
    fake.enqueue(
        Reply(
            status=429,
            json={"message": "Requests rate limit exceeded"},
            headers={"Retry-After": "1"},
        )
    )
    fake.default_text = "a + b"
    session = await begin(
        lsp, fake, portkey_settings(portkey_gateway.url, fake.base_url, fim_route)
    )
    session.open(URI, CODE)
    assert await session.inline(URI, *AT) == []
    (text,) = messages(session)
    assert "rate limiting requests (429)" in text and "1 s" in text
    status = await session.status()
    assert status["state"] == "rate_limited" and 0.5 < status["backoffSeconds"] <= 1.0
    # While Retry-After runs, nothing reaches the upstream.
    for _ in range(3):
        assert await session.inline(URI, *AT) == []
        await asyncio.sleep(0.1)
    assert len(fake.requests) == 1
    await asyncio.sleep((await session.status())["backoffSeconds"] + 0.05)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]
    assert len(fake.requests) == 2 and len(messages(session)) == 1


@pytest.mark.parametrize("fim_route", ROUTES)
async def test_upstream_down_behind_the_gateway(
    lsp, fake, portkey_gateway, closed_port_url, fim_route
):
    session = await begin(
        lsp, fake, portkey_settings(portkey_gateway.url, closed_port_url, fim_route)
    )
    session.open(URI, CODE)
    for _ in range(3):
        assert await session.inline(URI, *AT) == []
    (text,) = messages(session)
    assert "cannot reach" in text.lower() and closed_port_url in text
    assert fake.requests == []


# --- gateway features from settings ----------------------------------------------------------


@pytest.mark.parametrize("fim_route", ROUTES)
async def test_config_retry_recovers_and_status_shows_the_count(
    lsp, fake, portkey_gateway, fim_route
):
    fake.enqueue(Reply(status=503))
    fake.default_text = "a + b"
    settings = portkey_settings(
        portkey_gateway.url,
        fake.base_url,
        fim_route,
        gateway={"config": {"retry": {"attempts": 2}}},
        completion={"timeoutMs": 6000},
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]  # after the gateway's 1 s retry
    assert messages(session) == []
    first, second = fake.requests
    # Config mode: the chat route works only because the config carries the FIM switch.
    assert first.path == second.path == "/v1/fim/completions"
    assert first.status == 503 and second.status == 200
    assert_no_portkey_headers_upstream(fake)
    status = await session.status()
    assert status["gateway"]["retryCount"] == "1"
    assert status["gateway"]["lastUsedOption"] == "config"


@pytest.mark.parametrize("fim_route", ROUTES)
async def test_config_fallback_reaches_the_second_target(
    lsp, fake, second_mistral, portkey_gateway, fim_route
):
    fake.enqueue(Reply(status=503))
    second_mistral.default_text = "from the second target"
    config = {
        "strategy": {"mode": "fallback"},
        "targets": [
            {"provider": "mistral-ai", "api_key": PROVIDER_KEY, "custom_host": fake.base_url},
            {
                "provider": "mistral-ai",
                "api_key": "sk-second",
                "custom_host": second_mistral.base_url,
            },
        ],
    }
    # customHost stays set (it is the direct route for failover); it must not override targets.
    settings = portkey_settings(
        portkey_gateway.url, fake.base_url, fim_route, gateway={"config": config}
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["from the second target"]
    assert messages(session) == []
    (first,) = fake.requests
    (second,) = second_mistral.requests
    assert first.path == second.path == "/v1/fim/completions"
    assert first.headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert second.headers["authorization"] == "Bearer sk-second"  # each target's own key
    status = await session.status()
    assert status["gateway"]["lastUsedOption"] == "config.targets[1]"


async def test_metadata_and_a_fresh_trace_id_per_request(lsp, fake, portkey_gateway, tap):
    fake.default_text = "a + b"
    metadata = {"team": "ml", "_user": "ada"}
    settings = portkey_settings(tap.url, fake.base_url, gateway={"metadata": metadata})
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]
    other = "file:///work/project/src/other.py"
    session.open(other, "def sub(a, b):\n    return \n")
    fake.default_text = "a - b"
    assert texts(await session.inline(other, *AT)) == ["a - b"]

    first, second = tap.heads()
    assert json.loads(first["x-portkey-metadata"]) == metadata
    assert json.loads(second["x-portkey-metadata"]) == metadata
    ids = [first["x-portkey-trace-id"], second["x-portkey-trace-id"]]
    assert ids[0] and ids[1] and ids[0] != ids[1]
    # The real gateway echoes the id; status reports the last one.
    assert (await session.status())["gateway"]["traceId"] == ids[1]
    assert first["x-portkey-provider"] == "mistral-ai"
    assert first["x-portkey-custom-host"] == fake.base_url
    assert len(fake.requests) == 2
    assert_no_portkey_headers_upstream(fake)  # metadata and trace id stay at the gateway


@pytest.mark.parametrize("fim_route", ROUTES)
async def test_streams_read_to_the_end_keep_the_connection(
    lsp, fake, portkey_gateway, tap, fim_route
):
    # A stream read to [DONE] leaves its HTTP/1.1 connection to the gateway reusable: the next
    # completion must not pay for a new connection.
    fake.default_text = "total = a + b\n    return total"
    settings = portkey_settings(
        tap.url, fake.base_url, fim_route, completion={"multiline": "always"}
    )
    session = await begin(lsp, fake, settings)
    for n, name in enumerate(("one", "two", "three")):
        uri = f"file:///work/project/src/{name}.py"
        session.open(uri, f"def {name}(a, b):\n    \n")
        assert texts(await session.inline(uri, 1, 4)) == ["total = a + b\n    return total"]
        assert len(fake.requests) == n + 1 and fake.requests[-1].streamed
    assert tap.connections == 1


async def test_virtual_key_replaces_the_provider_key(lsp, fake):
    # The open-source gateway has no virtual keys: the fake's hosted-gateway emulation.
    fake.default_text = "a + b"
    settings = portkey_settings(
        fake.gateway_url, fake.base_url, "chat", gateway={"virtualKey": "vk-1"}
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, CODE)
    assert texts(await session.inline(URI, *AT)) == ["a + b"]
    (req,) = fake.requests
    assert req.path == "/gateway/v1/chat/completions"
    assert req.headers["x-portkey-virtual-key"] == "vk-1"
    assert "authorization" not in req.headers and "x-portkey-provider" not in req.headers
    assert req.headers["x-portkey-mistral-fim-completion"] == "true"


# --- prompt library --------------------------------------------------------------------------

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 16}}


async def test_prompt_library_body(lsp, fake):
    # The hosted gateway's prompt library, as emulated by the fake.
    fake.default_text = "Adds `a` and `b`."
    settings = portkey_settings(fake.gateway_url, fake.base_url, chat={"promptId": "pp-explain-1"})
    session = await begin(lsp, fake, settings)
    session.open(URI, "def add(a, b):\n    return a + b\n")
    args = {"uri": URI, "range": RANGE, "question": "Why?", "show": False}
    result = await session.command("codestral.explain", args)
    assert result == {"markdown": "Adds `a` and `b`."}
    (req,) = fake.requests
    assert req.path == "/gateway/v1/prompts/pp-explain-1/completions"
    body = req.json
    assert body["variables"] == {
        "code": "def add(a, b):\n    return a + b",
        "language": "python",
        "file_name": "src/app.py",
        "question": "Why?",
    }
    assert body["stream"] is True and "messages" not in body
    assert req.headers["x-portkey-provider"] == "mistral-ai"


async def test_prompt_library_on_the_open_source_gateway_is_one_clear_message(
    lsp, fake, portkey_gateway
):
    settings = portkey_settings(
        portkey_gateway.url, fake.base_url, chat={"promptId": "pp-explain-1"}
    )
    session = await begin(lsp, fake, settings)
    session.open(URI, "def add(a, b):\n    return a + b\n")
    for _ in range(2):
        result = await session.command(
            "codestral.explain", {"uri": URI, "range": RANGE, "show": False}
        )
        assert result["markdown"].startswith("**Codestral could not answer.**")
    (text,) = messages(session)
    assert "codestral.chat.promptId" in text and "pp-explain-1" in text
    assert fake.requests == []
