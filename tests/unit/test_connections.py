"""The upstream client keeps its connection: HTTP/2 over TLS where offered, so even streams the
editor cancels mid-answer (one per keystroke) share one TCP connection, each cancel resetting
only its own stream (RST_STREAM) so the upstream stops generating and the connection's
flow-control window comes back; HTTP/1.1 keep-alive otherwise.

The HTTP/2 server is a small asyncio one built on the ``h2`` package httpx[http2] already brings,
behind loopback TLS with a certificate from a throwaway CA (``trustme``, a test dependency);
``SSL_CERT_FILE`` points the client at that CA, as a user behind a corporate CA would.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events
import pytest
import trustme

from codestral_ls.settings import parse_settings
from codestral_ls.upstream import FimRequest, Upstream
from tests.fakes.mistral import FakeMistral
from tests.support.keys import PROVIDER_KEY

KEY = PROVIDER_KEY


@dataclass
class H2Stats:
    connections: int = 0
    alpn: list[str | None] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    resets: int = 0
    sent: int = 0  # bytes of DATA sent


def sse(text: str, finish: str | None = None) -> bytes:
    chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


class H2Server(asyncio.Protocol):
    """Answers a FIM POST with an SSE stream that never ends (until the client resets it): one
    small event every 20 ms, or with ``flood`` the first event and then as much data as flow
    control lets through, like a fast generation. A prompt starting "final" gets a finite
    answer of about 100 KB instead."""

    def __init__(self, stats: H2Stats, flood: bool = False) -> None:
        self.stats = stats
        self.flood = flood
        self.bodies: dict[int, bytes] = {}
        self.streams: dict[int, asyncio.Task[None]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        ssl_object = transport.get_extra_info("ssl_object")
        self.stats.connections += 1
        self.stats.alpn.append(ssl_object.selected_alpn_protocol() if ssl_object else None)
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        self.conn.initiate_connection()
        self.flush()

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data and not self.transport.is_closing():
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                self.stats.requests.append(dict(event.headers))
            elif isinstance(event, h2.events.DataReceived):
                self.bodies[event.stream_id] = self.bodies.get(event.stream_id, b"") + event.data
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                body = json.loads(self.bodies.pop(event.stream_id, b"{}") or b"{}")
                self.streams[event.stream_id] = asyncio.ensure_future(
                    self.answer(event.stream_id, body.get("prompt", ""))
                )
            elif isinstance(event, h2.events.StreamReset):
                self.stats.resets += 1
                task = self.streams.pop(event.stream_id, None)
                if task is not None:
                    task.cancel()
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.transport.close()
        self.flush()

    async def answer(self, stream_id: int, prompt: str) -> None:
        self.conn.send_headers(
            stream_id, [(":status", "200"), ("content-type", "text/event-stream")]
        )
        if prompt.startswith("final"):
            for _ in range(12):
                await self.send(stream_id, sse("y" * 8000))
            await self.send(stream_id, sse("", finish="stop") + b"data: [DONE]\n\n")
            self.conn.end_stream(stream_id)
            self.flush()
            return
        n = 0
        while True:
            event = sse("x" * 8000) if self.flood and n else sse(f"word{n} ")
            await self.send(stream_id, event)
            n += 1
            await asyncio.sleep(0 if self.flood else 0.02)

    async def send(self, stream_id: int, data: bytes) -> None:
        """Send as flow control allows (waiting for WINDOW_UPDATEs)."""
        while self.conn.local_flow_control_window(stream_id) < len(data):
            await asyncio.sleep(0.005)
        self.conn.send_data(stream_id, data)
        self.stats.sent += len(data)
        self.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        for task in self.streams.values():
            task.cancel()


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A CA the client trusts through SSL_CERT_FILE, and a server context for 127.0.0.1."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    for proxy in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    server_ctx.set_alpn_protocols(["h2", "http/1.1"])
    return server_ctx


def upstream_for(base_url: str) -> Upstream:
    upstream = Upstream({"CODESTRAL_API_KEY": KEY})
    upstream.configure(parse_settings({"route": "direct", "baseUrl": base_url}))
    return upstream


def fim(n: int, prompt: str = "x") -> FimRequest:
    return FimRequest(f"{prompt}{n} = ", "\n", "codestral-latest", 64, 0.0)


async def first_delta_then_cancel(upstream: Upstream, n: int) -> str:
    stream = upstream.fim(fim(n), stream=True)
    try:
        async for delta in stream:
            return delta.text
    finally:
        await stream.aclose()  # what the engine does when the editor cancels
    raise AssertionError("no text")


async def test_cancelled_streams_share_one_http2_connection(tls):
    stats = H2Stats()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: H2Server(stats), "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    upstream = upstream_for(f"https://127.0.0.1:{port}/v1")
    try:
        for n in range(6):
            assert await first_delta_then_cancel(upstream, n) == "word0 "
        # Two at once: multiplexed on the same connection too.
        both = await asyncio.gather(*(first_delta_then_cancel(upstream, n) for n in (6, 7)))
        assert both == ["word0 ", "word0 "]
        for _ in range(50):  # the last resets may still be on their way
            if stats.resets == 8:
                break
            await asyncio.sleep(0.01)
    finally:
        await upstream.aclose()
        server.close()
        await server.wait_closed()
    assert stats.alpn == ["h2"]
    assert stats.connections == 1
    assert len(stats.requests) == 8 and stats.resets == 8  # each cancel reset only its stream
    first = stats.requests[0]
    assert first[":method"] == "POST" and first[":path"] == "/v1/fim/completions"
    assert first["authorization"] == f"Bearer {KEY}"


async def test_cancelled_streams_give_their_flow_control_window_back(tls):
    """httpcore alone drops a closed HTTP/2 response without resetting its stream: the server
    keeps sending and the unread data is never acknowledged, until the connection's whole
    16 MB window is gone and every later answer hangs. The upstream client resets the stream."""
    stats = H2Stats()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: H2Server(stats, flood=True), "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    upstream = upstream_for(f"https://127.0.0.1:{port}/v1")
    try:
        for n in range(5):
            assert await first_delta_then_cancel(upstream, n) == "word0 "
        await asyncio.sleep(1.0)  # time for the abandoned streams to flood
        final = upstream.fim(fim(0, prompt="final"), stream=True)
        texts = await asyncio.wait_for(_collect(final), 5)
    finally:
        await upstream.aclose()
        server.close()
        await server.wait_closed()
    assert sum(len(t) for t in texts) == 12 * 8000
    assert stats.resets == 5 and stats.connections == 1
    assert stats.sent > 16 * 2**20  # the abandoned streams did use up the whole window


async def _collect(stream) -> list[str]:
    return [delta.text async for delta in stream]


async def test_http11_keeps_the_connection_alive_between_answers():
    """Where HTTP/2 is not offered (the fake speaks HTTP/1.1), finished answers reuse it."""
    fake = FakeMistral(api_key=KEY).start()
    upstream = upstream_for(fake.base_url)
    try:
        for n in range(5):
            texts = [d.text async for d in upstream.fim(fim(n), stream=bool(n % 2))]
            assert "".join(texts) == "pass"
    finally:
        await upstream.aclose()
        fake.stop()
    assert len(fake.requests) == 5 and fake.connections == 1
