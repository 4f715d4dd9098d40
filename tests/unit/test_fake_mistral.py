"""Proves the fake Mistral/Portkey server behaves like the wire facts it imitates.

Other tests trust this fake, so its shapes, streaming, keep-alive and faults are checked here
with real HTTP clients (httpx sync and async).
"""

from __future__ import annotations

import asyncio
import json
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.mistral import FakeMistral, Recorded, Reply

REPO = Path(__file__).resolve().parents[2]
FIM = {"model": "codestral-latest", "prompt": "def add(a, b):\n    ", "suffix": "\n"}
GW = {"x-portkey-provider": "mistral-ai", "Authorization": "Bearer k"}
GW_FIM = {**GW, "x-portkey-mistral-fim-completion": "true"}


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    # Runs its teardown after fake_mistral's: every fake thread must be gone by then.
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("fake-mistral")]
    assert left == []


def events(text: str) -> list[Any]:
    """Parse an SSE body into decoded JSON chunks, keeping "[DONE]" as a string."""
    out: list[Any] = []
    for line in text.splitlines():
        if line.startswith("data: "):
            data = line[len("data: ") :]
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


def content(chunks: list[Any]) -> str:
    return "".join(c["choices"][0]["delta"]["content"] for c in chunks if c != "[DONE]")


# -- Mistral routes ---------------------------------------------------------------------------


def test_fim_json_shape(fake_mistral: FakeMistral) -> None:
    fake_mistral.default_text = "return a + b"
    r = httpx.post(fake_mistral.base_url + "/fim/completions", json=FIM)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert "x-ratelimit-remaining-req-minute" in r.headers
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "codestral-2508"
    assert isinstance(body["created"], int)
    assert body["usage"]["completion_tokens"] == 4
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "return a + b"},
            "finish_reason": "stop",
        }
    ]
    (rec,) = fake_mistral.wait_for_requests(1, finished=True)
    assert rec.method == "POST"
    assert rec.path == "/v1/fim/completions"
    assert rec.json == FIM
    assert rec.status == 200
    assert not rec.streamed
    assert rec.headers["content-type"] == "application/json"


def test_chat_route(fake_mistral: FakeMistral) -> None:
    body = {"model": "codestral-latest", "messages": [{"role": "user", "content": "hi"}]}
    r = httpx.post(fake_mistral.base_url + "/chat/completions", json=body)
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"] == "pass"
    r = httpx.post(fake_mistral.base_url + "/chat/completions", json={"model": "m"})
    assert r.status_code == 422
    assert r.json()["message"]["detail"][0]["type"] == "missing"


def test_unknown_field_422(fake_mistral: FakeMistral) -> None:
    r = httpx.post(fake_mistral.base_url + "/fim/completions", json={**FIM, "user": "me"})
    assert r.status_code == 422
    assert r.json() == {
        "object": "error",
        "message": {
            "detail": [
                {
                    "type": "extra_forbidden",
                    "loc": ["body", "user"],
                    "msg": "Extra inputs are not permitted",
                    "input": "me",
                }
            ]
        },
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


@pytest.mark.parametrize(
    ("body", "err_type"),
    [
        ({"model": "m"}, "missing"),
        ({"prompt": "x"}, "missing"),
        ({**FIM, "temperature": 1.6}, "less_than_equal"),
        ({**FIM, "top_p": -0.1}, "greater_than_equal"),
        ([1, 2], "model_attributes_type"),
    ],
)
def test_invalid_bodies_422(fake_mistral: FakeMistral, body: Any, err_type: str) -> None:
    r = httpx.post(fake_mistral.base_url + "/fim/completions", json=body)
    assert r.status_code == 422
    assert r.json()["message"]["detail"][0]["type"] == err_type


def test_non_json_body(fake_mistral: FakeMistral) -> None:
    r = httpx.post(fake_mistral.base_url + "/fim/completions", content=b"{nope")
    assert r.status_code in (400, 422)
    # A rejected request never consumes a queued reply.
    fake_mistral.enqueue(Reply(text="queued"))
    httpx.post(fake_mistral.base_url + "/fim/completions", json={"model": "m"})
    r = httpx.post(fake_mistral.base_url + "/fim/completions", json=FIM)
    assert r.json()["choices"][0]["message"]["content"] == "queued"


def test_auth() -> None:
    with FakeMistral(api_key="test-key-not-secret") as fake:
        url = fake.base_url + "/fim/completions"
        r = httpx.post(url, json=FIM, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
        assert r.json()["message"] == "Unauthorized"
        assert isinstance(r.json()["request_id"], str)
        assert httpx.post(url, json=FIM).status_code == 401
        ok = httpx.post(url, json=FIM, headers={"Authorization": "Bearer test-key-not-secret"})
        assert ok.status_code == 200


def test_error_shapes_and_headers(fake_mistral: FakeMistral) -> None:
    url = fake_mistral.base_url + "/fim/completions"
    fake_mistral.enqueue(
        Reply(status=429, headers={"Retry-After": "2"}),
        Reply(status=503),
        Reply(status=500, json={"custom": True}),
        Reply(status=200, body=b"\xff\xfe{not json"),
    )
    r = httpx.post(url, json=FIM)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "2"
    assert r.json() == {
        "object": "error",
        "message": "Rate limit exceeded",
        "type": "rate_limited",
        "param": None,
        "code": "1300",
    }
    r = httpx.post(url, json=FIM)
    assert r.status_code == 503
    assert r.json()["message"] == "Service Unavailable"
    assert r.json()["object"] == "error"
    assert httpx.post(url, json=FIM).json() == {"custom": True}
    assert httpx.post(url, json=FIM).content == b"\xff\xfe{not json"
    assert [x.status for x in fake_mistral.requests] == [429, 503, 500, 200]


def test_queue_default_and_responder(fake_mistral: FakeMistral) -> None:
    def model(rec: Recorded) -> Reply:
        up = rec.upstream_json or {}
        return Reply(text=f"after {up.get('prompt', '?')!s}")

    fake_mistral.responder = model
    fake_mistral.enqueue(Reply(text="chat only"), path="/chat/completions")
    fake_mistral.enqueue(Reply(token_delay=0.0))  # text None: comes from the responder
    fake_mistral.set_default(Reply(status=503))

    def fim(prompt: str) -> httpx.Response:
        return httpx.post(
            fake_mistral.base_url + "/fim/completions", json={**FIM, "prompt": prompt}
        )

    assert fim("x").json()["choices"][0]["message"]["content"] == "after x"
    assert fim("y").status_code == 503  # default beats the responder once the queue is empty
    fake_mistral.set_default(None)
    assert fim("z").json()["choices"][0]["message"]["content"] == "after z"
    chat = {"model": "m", "messages": []}
    r = httpx.post(fake_mistral.base_url + "/chat/completions", json=chat)
    assert r.json()["choices"][0]["message"]["content"] == "chat only"
    fake_mistral.reset()
    assert fake_mistral.requests == []
    with pytest.raises(ValueError):
        Reply(fault="rest")


def test_stop_and_max_tokens(fake_mistral: FakeMistral) -> None:
    url = fake_mistral.base_url + "/fim/completions"
    fake_mistral.default_text = "a = 1\nb = 2\n"
    r = httpx.post(url, json={**FIM, "stop": ["\n\n", "\n"]})
    choice = r.json()["choices"][0]
    assert (choice["message"]["content"], choice["finish_reason"]) == ("a = 1", "stop")
    r = httpx.post(url, json={**FIM, "max_tokens": 2})
    choice = r.json()["choices"][0]
    assert (choice["message"]["content"], choice["finish_reason"]) == ("a = ", "length")
    fake_mistral.enqueue(Reply(chunks=["x", "y", "z"], finish_reason="model_length"))
    r = httpx.post(url, json={**FIM, "max_tokens": 5})
    choice = r.json()["choices"][0]
    assert (choice["message"]["content"], choice["finish_reason"]) == ("xyz", "model_length")
    r = httpx.post(url, json={**FIM, "stream": True, "stop": "b"})
    chunks = events(r.text)
    assert content(chunks) == "a = 1\n"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


# -- streaming and keep-alive -----------------------------------------------------------------


async def test_stream_events_and_keepalive(fake_mistral: FakeMistral) -> None:
    fake_mistral.default_text = "return a + b\n"
    url = fake_mistral.base_url + "/fim/completions"
    async with httpx.AsyncClient() as client:
        for _ in range(3):
            async with client.stream(
                "POST", url, json={**FIM, "stream": True}, headers={"Accept": "text/event-stream"}
            ) as r:
                assert r.status_code == 200
                assert r.headers["content-type"].startswith("text/event-stream")
                assert r.headers["transfer-encoding"] == "chunked"
                lines = [line async for line in r.aiter_lines()]
            chunks = events("\n".join(lines))
            assert chunks[-1] == "[DONE]"
            body = chunks[:-1]
            assert [c["choices"][0]["delta"]["content"] for c in body] == [
                "return ",
                "a ",
                "+ ",
                "b\n",
            ]
            assert all(c["object"] == "chat.completion.chunk" for c in body)
            assert body[0]["choices"][0]["delta"]["role"] == "assistant"
            assert "role" not in body[1]["choices"][0]["delta"]
            assert [c["choices"][0]["finish_reason"] for c in body] == [None, None, None, "stop"]
            assert "usage" in body[-1] and "usage" not in body[0]
    assert fake_mistral.connections == 1
    recs = fake_mistral.requests
    assert [(x.streamed, x.chunks_sent, x.closed_early) for x in recs] == [(True, 4, False)] * 3


async def test_token_delay_and_client_drop(fake_mistral: FakeMistral) -> None:
    words = [f"w{i} " for i in range(40)]
    fake_mistral.enqueue(Reply(chunks=words, token_delay=0.03))
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST", fake_mistral.base_url + "/fim/completions", json={**FIM, "stream": True}
        ) as r,
    ):
        async for line in r.aiter_lines():
            if line.startswith("data: "):
                break  # drop the stream after the first chunk
    (rec,) = await asyncio.to_thread(fake_mistral.wait_for_requests, 1, 5.0, True)
    assert rec.closed_early
    assert 1 <= rec.chunks_sent < 10
    assert rec.t_finished is not None and rec.t_finished - rec.t_received < 1.0


def test_delay(fake_mistral: FakeMistral) -> None:
    fake_mistral.enqueue(Reply(delay=0.3, text="late"))
    t0 = time.monotonic()
    r = httpx.post(fake_mistral.base_url + "/fim/completions", json=FIM)
    assert time.monotonic() - t0 >= 0.3
    assert r.json()["choices"][0]["message"]["content"] == "late"


# -- faults -----------------------------------------------------------------------------------


def test_fault_reset(fake_mistral: FakeMistral) -> None:
    fake_mistral.enqueue(Reply(fault="reset"))
    with pytest.raises(httpx.TransportError):
        httpx.post(fake_mistral.base_url + "/fim/completions", json=FIM)
    (rec,) = fake_mistral.wait_for_requests(1, finished=True)
    assert rec.status == 0


def test_fault_hang(fake_mistral: FakeMistral) -> None:
    fake_mistral.enqueue(Reply(fault="hang"))
    t0 = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(fake_mistral.base_url + "/fim/completions", json=FIM, timeout=0.3)
    assert time.monotonic() - t0 < 1.0
    (rec,) = fake_mistral.wait_for_requests(1, finished=True)
    assert rec.closed_early and rec.status == 0


def test_fault_hang_ends_on_stop() -> None:
    fake = FakeMistral().start()
    fake.enqueue(Reply(fault="hang"))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(fake.base_url + "/fim/completions", json=FIM, timeout=5)
        except httpx.TransportError as exc:
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    fake.wait_for_requests(1)
    t0 = time.monotonic()
    fake.stop()
    t.join(2)
    assert time.monotonic() - t0 < 1.0
    assert not t.is_alive() and len(errors) == 1


def test_fault_drip(fake_mistral: FakeMistral) -> None:
    fake_mistral.enqueue(Reply(fault="drip"))
    t0 = time.monotonic()
    with (
        httpx.Client(timeout=1.0) as client,
        client.stream("POST", fake_mistral.base_url + "/fim/completions", json=FIM) as r,
    ):
        assert r.status_code == 200
        got = b""
        for piece in r.iter_raw():
            got += piece
            if len(got) >= 3:
                break
    assert got.strip() == b""
    assert 0.35 <= time.monotonic() - t0 < 1.5  # one byte per 0.2 s, read timeout never hit
    (rec,) = fake_mistral.wait_for_requests(1, finished=True)
    assert rec.closed_early and rec.status == 200


def test_fault_cut_stream(fake_mistral: FakeMistral) -> None:
    fake_mistral.enqueue(Reply(text="a b c", fault="cut_stream"))
    lines: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST", fake_mistral.base_url + "/fim/completions", json={**FIM, "stream": True}
        ) as r,
    ):
        for line in r.iter_lines():
            lines.append(line)
    chunks = events("\n".join(lines))
    assert content(chunks) == "a b c"
    assert "[DONE]" not in chunks
    fake_mistral.enqueue(Reply(fault="cut_stream"))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(fake_mistral.base_url + "/fim/completions", json=FIM)


def test_fault_reset_mid_body(fake_mistral: FakeMistral) -> None:
    fake_mistral.enqueue(Reply(fault="reset_mid_body"), Reply(fault="reset_mid_body"))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(fake_mistral.base_url + "/fim/completions", json=FIM)
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST", fake_mistral.base_url + "/fim/completions", json={**FIM, "stream": True}
        ) as r,
    ):
        r.read()
    assert [x.status for x in fake_mistral.wait_for_requests(2, finished=True)] == [200, 200]


# -- Portkey-like gateway ---------------------------------------------------------------------


def test_gateway_requires_provider(fake_mistral: FakeMistral) -> None:
    r = httpx.post(fake_mistral.gateway_url + "/fim/completions", json=FIM)
    assert r.status_code == 400
    assert r.json() == {
        "status": "failure",
        "message": "Either x-portkey-config or x-portkey-provider header is required",
    }


def test_gateway_passthrough_and_trace(fake_mistral: FakeMistral) -> None:
    url = fake_mistral.gateway_url + "/fim/completions"
    r = httpx.post(url, json=FIM, headers={**GW, "x-portkey-trace-id": "trace-123"})
    assert r.status_code == 200
    assert r.headers["x-portkey-trace-id"] == "trace-123"
    assert r.headers["x-portkey-provider"] == "mistral-ai"
    assert r.headers["x-portkey-cache-status"] == "DISABLED"
    assert r.headers["x-portkey-retry-attempt-count"] == "0"
    assert "provider" not in r.json()  # passthrough: Mistral's raw body
    r = httpx.post(url, json={**FIM, "extra": 1}, headers=GW)
    assert r.status_code == 422
    assert r.json()["message"]["detail"][0]["type"] == "extra_forbidden"
    assert r.headers["x-portkey-trace-id"]  # generated when absent


def test_gateway_chat_fim_drops_stop(fake_mistral: FakeMistral) -> None:
    fake_mistral.default_text = "x = 1\ny = 2"
    url = fake_mistral.gateway_url + "/chat/completions"
    body = {**FIM, "stop": "\n", "min_tokens": 1, "random_seed": 7, "temperature": 1.4}
    r = httpx.post(url, json=body, headers=GW_FIM)
    assert r.status_code == 200
    data = r.json()
    assert data["provider"] == "mistral-ai"
    assert data["choices"][0]["message"]["content"] == "x = 1\ny = 2"  # stop was dropped
    (rec,) = fake_mistral.wait_for_requests(1, finished=True)
    assert rec.json == body
    assert rec.upstream_json == {**FIM, "temperature": 1}
    r = httpx.post(url, json={**FIM, "stream": True}, headers=GW_FIM)
    chunks = events(r.text)
    assert chunks[-1] == "[DONE]"
    assert all(c["provider"] == "mistral-ai" for c in chunks[:-1])
    # Config mode is the same switch.
    cfg = {
        "x-portkey-config": json.dumps({"provider": "mistral-ai", "mistral_fim_completion": "true"})
    }
    r = httpx.post(url, json=FIM, headers={"Authorization": "Bearer k", **cfg})
    assert r.json()["provider"] == "mistral-ai"


def test_gateway_errors_wrapped(fake_mistral: FakeMistral) -> None:
    url = fake_mistral.gateway_url + "/chat/completions"
    r = httpx.post(url, json={"model": "m", "suffix": ""}, headers=GW_FIM)  # no prompt
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "mistral-ai error: [object Object]"
    assert r.json()["provider"] == "mistral-ai"
    fake_mistral.enqueue(Reply(status=429, headers={"Retry-After": "3"}))
    r = httpx.post(url, json=FIM, headers=GW_FIM)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "3"
    assert r.json() == {
        "error": {
            "message": "mistral-ai error: Rate limit exceeded",
            "type": "rate_limited",
            "param": None,
            "code": None,
        },
        "provider": "mistral-ai",
    }
    r = httpx.post(fake_mistral.gateway_url + "/completions", json=FIM, headers=GW)
    assert r.status_code == 500
    assert r.json() == {
        "error": {
            "message": "complete is not supported by mistral-ai",
            "type": None,
            "param": None,
            "code": None,
        },
        "provider": "mistral-ai",
    }


def test_gateway_plain_chat_and_prompts(fake_mistral: FakeMistral) -> None:
    chat = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "user": "dropped"}
    r = httpx.post(fake_mistral.gateway_url + "/chat/completions", json=chat, headers=GW)
    assert r.status_code == 200 and r.json()["provider"] == "mistral-ai"
    body = {"variables": {"prefix": "def f(", "suffix": ")"}, "stream": True}
    headers = {"x-portkey-virtual-key": "vk"}
    r = httpx.post(
        fake_mistral.gateway_url + "/prompts/pp-fim/completions", json=body, headers=headers
    )
    assert r.status_code == 200
    assert content(events(r.text)) == "pass"


async def test_gateway_drop_keeps_generating(fake_mistral: FakeMistral) -> None:
    fake_mistral.enqueue(Reply(chunks=["t "] * 10, token_delay=0.02))
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST",
            fake_mistral.gateway_url + "/fim/completions",
            json={**FIM, "stream": True},
            headers=GW,
        ) as r,
    ):
        async for _ in r.aiter_lines():
            break
    (rec,) = await asyncio.to_thread(fake_mistral.wait_for_requests, 1, 5.0, True)
    assert rec.closed_early
    assert rec.chunks_sent < 10 and rec.chunks_generated == 10


# -- standalone process + control API ---------------------------------------------------------


def test_standalone_control_api() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.mistral", "--api-key", "k", "--text", "hello"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        assert ready, "fake did not print its URL"
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v1")
        root = base[: -len("/v1")]
        with httpx.Client(headers={"Authorization": "Bearer k"}) as c:
            assert (
                c.post(base + "/fim/completions", json=FIM).json()["choices"][0]["message"][
                    "content"
                ]
                == "hello"
            )
            c.post(root + "/_fake/text", json={"text": "bye"}).raise_for_status()
            c.post(
                root + "/_fake/enqueue",
                json=[{"text": "queued", "path": "/fim/completions"}, {"status": 503}],
            ).raise_for_status()
            assert c.post(root + "/_fake/enqueue", json={"nope": 1}).status_code == 400
            r = c.post(base + "/fim/completions", json={**FIM, "stream": True})
            assert content(events(r.text)) == "queued"
            assert c.post(base + "/fim/completions", json=FIM).status_code == 503
            assert (
                c.post(base + "/fim/completions", json=FIM).json()["choices"][0]["message"][
                    "content"
                ]
                == "bye"
            )
            c.post(root + "/_fake/default", json={"status": 429}).raise_for_status()
            assert c.post(base + "/fim/completions", json=FIM).status_code == 429
            c.post(root + "/_fake/default", json=None).raise_for_status()
            recs = c.get(root + "/_fake/requests").json()
            assert [x["status"] for x in recs] == [200, 200, 503, 200, 429]
            assert recs[1]["json"]["stream"] is True
            assert recs[1]["chunks_sent"] == 1 and recs[1]["closed_early"] is False
            assert recs[0]["headers"]["authorization"] == "Bearer k"
            c.post(root + "/_fake/reset").raise_for_status()
            assert c.get(root + "/_fake/requests").json() == []
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=1) == 0
        assert time.monotonic() - t0 < 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
