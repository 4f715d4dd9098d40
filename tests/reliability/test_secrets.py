"""Secrets and trust: keys never appear in anything the server or the CLI produces; secret files
are never sent; secret-looking strings are redacted before they leave; TLS is verified (custom
CA via SSL_CERT_FILE), proxies come from the environment, plain http only to loopback, and each
key goes only where its route needs it."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.mistral import FakeMistral, Reply
from tests.support.figures import record
from tests.support.keys import (
    GATEWAY_ENV,
    GATEWAY_KEY,
    PROVIDER_KEY,
    SETTINGS_GATEWAY_KEY,
    SETTINGS_KEY,
    VIRTUAL_KEY,
    leaks,
)
from tests.support.relay import accept_forever, pump
from tests.support.settings import ROUTES, direct_settings, gateway_settings
from tests.support.wire import RpcError, wait_until

# --- keys never appear ----------------------------------------------------------------------


def test_keys_never_appear_anywhere(spawn, fake, tmp_path):
    log = tmp_path / "server.log"
    server = spawn(args=("--log-level", "debug", "--log-file", str(log)))
    server.transcript = []
    uri = "file:///work/project/keys.py"
    pulled = direct_settings(fake, timeoutMs=800)
    server.initialize(direct_settings(fake, timeoutMs=800), configuration=pulled)
    server.open(uri, "value = \n")
    col = 8

    def keystroke() -> list[str]:
        nonlocal col
        server.insert(uri, 0, col, "x")
        col += 1
        return server.inline(uri, 0, col)

    def next_window() -> None:
        server.configure(direct_settings(fake, timeoutMs=800))  # resets the backoff

    fake.default_text = "ok"
    keystroke()
    # An upstream that echoes the key back in its errors, in every shape.
    for reply in (
        Reply(status=401, json={"message": f"Invalid API key {PROVIDER_KEY}"}),
        Reply(status=403, json={"detail": [{"loc": ["header"], "msg": f"key {PROVIDER_KEY}"}]}),
        Reply(status=500, body=f"internal: Authorization: Bearer {PROVIDER_KEY}".encode()),
        Reply(status=429, json={"error": {"message": PROVIDER_KEY}}, headers={"Retry-After": "0"}),
        Reply(json={"error": f"bad {PROVIDER_KEY}"}),
        Reply(fault="hang"),
        Reply(fault="reset"),
    ):
        fake.set_default(reply)
        keystroke()
        keystroke()
        if reply.fault != "hang":  # a hung chat takes 5 x timeoutMs: see test_faults.py
            server.command("codestral.explain", {"uri": uri, "show": False})
            server.command("codestral.chat", {"question": f"is {PROVIDER_KEY} ok?", "show": True})
        next_window()
    fake.set_default(None)
    server.status()
    # Commands with bad arguments, and settings errors around keys.
    for args in ([5], [{"uri": 5}], [{"uri": uri, "range": PROVIDER_KEY}]):
        with pytest.raises(RpcError):
            server.command("codestral.explain", *args)
    server.configure({**direct_settings(fake), "apiKey": 12345})
    server.configure({**direct_settings(fake), "apiKey": [PROVIDER_KEY]})
    server.configure({**direct_settings(fake), "apiKey": {"key": SETTINGS_KEY}})
    server.configure({**direct_settings(fake), "apiKey": SETTINGS_KEY})  # a 401 from the fake
    keystroke()
    server.status()
    gateway = gateway_settings(fake)
    gateway["gateway"] = {"apiKey": SETTINGS_GATEWAY_KEY, "virtualKey": VIRTUAL_KEY}
    server.configure(gateway)
    fake.set_default(Reply(status=401, json={"message": f"bad {SETTINGS_GATEWAY_KEY}"}))
    keystroke()
    server.status()
    # The pull style: the client says "changed", the server asks workspace/configuration,
    # whose answer carries a key the server has not seen yet.
    pulled.update({"apiKey": SETTINGS_KEY, "gateway": {"apiKey": SETTINGS_GATEWAY_KEY}})
    server.notify("workspace/didChangeConfiguration", {"settings": None})
    asked = [m for m, _ in server.client_requests]
    assert wait_until(lambda: "workspace/configuration" in [m for m, _ in server.client_requests])
    assert asked is not None
    server.status()
    fake.set_default(None)
    server.stop()

    produced = {
        "stderr": server.stderr_text(),
        "log file": log.read_text("utf-8", "replace"),
        "LSP messages": b"\n".join(server.transcript).decode("utf-8", "replace"),
    }
    assert "DEBUG" in produced["log file"]  # the debug level really was on
    assert len(server.shown()) >= 5
    for where, text in produced.items():
        assert leaks(text) == [], f"a key in the {where}"
    record(
        "secrets_grepped_bytes",
        {where: len(text) for where, text in produced.items()},
    )


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "codestral_ls", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=30,
    )


def test_cli_one_shots_never_print_keys(fake, tmp_path):
    source = tmp_path / "calc.py"
    source.write_text("def add(a, b):\n    return \n")
    produced: list[str] = []
    for route, settings in (
        ("direct", direct_settings(fake)),
        ("gateway", gateway_settings(fake)),
    ):
        settings_file = tmp_path / f"{route}.json"
        settings_file.write_text(json.dumps(settings))
        echo = Reply(status=401, json={"message": f"no: {PROVIDER_KEY} {GATEWAY_KEY}"})
        for reply in (None, echo):
            fake.set_default(reply)
            for sub in (["complete", f"{source}:2:12"], ["explain", f"{source}:1-2"], ["check"]):
                log = tmp_path / f"{route}-{sub[0]}.log"
                options = ["--log-level", "debug", "--log-file", str(log)]
                run = _cli(
                    [*options, "--settings", str(settings_file), *sub], GATEWAY_ENV, tmp_path
                )
                assert (run.returncode == 0) == (reply is None), (sub, run.stderr)
                produced += [run.stdout, run.stderr, log.read_text("utf-8", "replace")]
    for text in produced:
        assert leaks(text) == [], text
    record("secrets_cli_runs", len(produced) // 3)


# --- what is never sent ---------------------------------------------------------------------

SECRETS: dict[str, str] = {
    "private-key": (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7s1Xq9bZ3kPq\nQW9xLm4=\n"
        "-----END RSA PRIVATE KEY-----"
    ),
    "aws-access-key": "AKIAIOSFODNN7QWERTYU",
    "github-token": "ghp_" + "A1b2C3d4E5" * 4,
    "gitlab-token": "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0",
    "slack-token": "xoxb-" + "123456789012-abcdefghijKLMN",
    "stripe-key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "openai-key": "sk-proj-" + "abcDEF123ghiJKL456mnoPQR789",
    "google-api-key": "AIza" + "SyD-1234567890abcdefghijklmnopqrstu",
    "jwt": (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
        ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    ),
    "url-credentials": "postgres://admin:hunter2-Sup3r@db.internal:5432/app",
    "password-assignment": 'db_password = "correct-horse-battery-staple"',
}
VALUES = {
    "url-credentials": "admin:hunter2-Sup3r",
    "password-assignment": "correct-horse-battery-staple",
}


@pytest.mark.parametrize("route", ["direct", "gateway"])
def test_secret_strings_are_redacted_before_they_leave(spawn, fake, route):
    server = spawn()
    settings = ROUTES[route](fake)
    server.initialize(settings)
    fake.default_text = "ok"
    for n, (name, secret) in enumerate(SECRETS.items()):
        value = VALUES.get(name, secret)
        uri = f"file:///work/project/redact_{n}.py"
        # The secret both before the cursor (prefix) and after it (suffix).
        server.open(uri, f"a = 1\n{secret}\nvalue = \n{secret}\nb = 2\n")
        before = server.status()["redactions"]
        cursor_line = 2 + secret.count("\n")
        server.inline(uri, cursor_line, 8)
        explained = server.command("codestral.explain", {"uri": uri, "show": False})
        assert value not in explained["markdown"]
        sent = [r for r in fake.requests if r.path.endswith("/fim/completions")]
        fim = sent[-1].json
        assert value not in fim["prompt"] and value not in fim["suffix"], name
        assert "redacted" in fim["prompt"] and "redacted" in fim["suffix"], (name, fim)
        assert server.status()["redactions"] - before >= 3, name  # prefix, suffix, explain
        for r in fake.requests:
            assert value.encode() not in r.body, (name, r.path)
    record(f"redaction_patterns_checked_{route}", len(SECRETS))


SECRET_FILES = [
    ".env",
    "config/.env.production",
    "deploy/id_rsa",
    "deploy/id_ed25519.pub",
    "certs/server.pem",
    "certs/tls.key",
    ".aws/credentials",
    "home/.ssh/config",
    "secrets.yaml",
    "prod.tfvars",
    ".npmrc",
    ".netrc",
    "service-account-prod.json",
]
EXCLUDED = ["internal/keys.py", "src/app.secret.ts", "vendor/vault/token.txt"]


def test_secret_files_are_never_sent(spawn, fake):
    server = spawn()
    settings = direct_settings(fake)
    settings["completion"]["exclude"] = ["internal/**", "*.secret.ts", "**/vault/*"]
    settings["context"] = {"crossFile": True}
    server.initialize(settings)
    fake.default_text = "ok"
    for n, path in enumerate(SECRET_FILES + EXCLUDED):
        uri = f"file:///work/project/{path}"
        marker = f"MARKER_{n}_never_sent"
        server.open(uri, f"token = {marker}\nvalue = \n")
        assert server.inline(uri, 1, 8) == [], path
        with pytest.raises(RpcError):
            server.command("codestral.explain", {"uri": uri, "show": False})
    # An ordinary file next to them gets completions, and no secret file as context.
    server.open("file:///work/project/main.py", "token = \nvalue = \n")
    assert server.inline("file:///work/project/main.py", 1, 8) == ["ok"]
    assert fake.requests, "the ordinary file reached the upstream"
    for r in fake.requests:
        assert b"never_sent" not in r.body, r.body[:300]
    record("secret_files_checked", len(SECRET_FILES) + len(EXCLUDED))


# --- trust: TLS, proxies, plain http, which key goes where ----------------------------------


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class TlsFront:
    """TLS in front of the fake: https://127.0.0.1:PORT -> the fake's plain HTTP."""

    def __init__(self, cert: Path, key: Path, target_port: int) -> None:
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.target = target_port
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.handshakes_failed = 0
        accept_forever(self.sock, self._serve_on_a_thread)

    def _serve_on_a_thread(self, raw: socket.socket) -> None:
        threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshakes_failed += 1
            raw.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target))
        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()
        pump(conn, upstream)

    def close(self) -> None:
        self.sock.close()


def test_tls_is_verified_and_a_custom_ca_is_honoured(spawn, fake, tls_files):
    cert, key = tls_files
    front = TlsFront(cert, key, fake.port)
    try:
        settings = direct_settings(fake)
        settings["baseUrl"] = f"https://127.0.0.1:{front.port}/v1"
        fake.default_text = "ok"
        uri = "file:///work/project/tls.py"
        # Not trusted: the handshake fails, nothing is sent, the user is told.
        untrusted = spawn()  # the default trust store, which does not know this certificate
        untrusted.initialize(settings)
        untrusted.open(uri, "value = \n")
        assert untrusted.inline(uri, 0, 8) == []
        assert fake.requests == [] and front.handshakes_failed >= 1
        assert any("Cannot reach" in m for m in untrusted.shown()), untrusted.shown()
        # Trusted through SSL_CERT_FILE: the same request goes through.
        trusted = spawn(env={"SSL_CERT_FILE": str(cert)})
        trusted.initialize(settings)
        trusted.open(uri, "value = \n")
        assert trusted.inline(uri, 0, 8) == ["ok"]
        assert len(fake.requests) == 1
    finally:
        front.close()


class RecordingProxy:
    """An HTTP proxy that records what it is asked and refuses it (502)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.seen: list[str] = []
        accept_forever(self.sock, self._refuse)

    def _refuse(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            self.seen.append(head.decode("latin-1"))
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    p = RecordingProxy()
    yield p
    p.close()


def test_proxies_come_from_the_environment(spawn, proxy):
    server = spawn(env={"HTTPS_PROXY": proxy.url, "NO_PROXY": ""})
    server.initialize(
        {
            "route": "direct",
            "baseUrl": "https://codestral.example.test/v1",
            "completion": {"debounceMs": 0},
        }
    )
    server.open("file:///work/project/p.py", "value = \n")
    assert server.inline("file:///work/project/p.py", 0, 8) == []
    assert wait_until(lambda: proxy.seen)
    assert proxy.seen[0].startswith("CONNECT codestral.example.test:443 ")
    # The key travels inside the tunnel, never in what the proxy reads.
    assert leaks("".join(proxy.seen)) == []


@pytest.mark.parametrize(
    "settings",
    [
        {"route": "direct", "baseUrl": "http://codestral.example.test/v1"},
        {"route": "direct", "baseUrl": "http://10.1.2.3:8080/v1"},
        {"route": "gateway", "baseUrl": "http://gateway.example.test/v1"},
        {
            "route": "gateway",
            "baseUrl": "https://gateway.example.test/v1",
            "gateway": {"customHost": "http://mistral.example.test/v1"},
        },
    ],
    ids=["direct-host", "direct-ip", "gateway", "custom-host"],
)
def test_plain_http_is_refused_unless_loopback(spawn, proxy, settings):
    # Any request, plain or tunnelled, would reach this proxy: none may.
    server = spawn(env={"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "NO_PROXY": ""})
    server.initialize({**settings, "completion": {"debounceMs": 0}})
    server.open("file:///work/project/h.py", "value = \n")
    assert server.inline("file:///work/project/h.py", 0, 8) == []
    server.command("codestral.chat", {"question": "hi", "show": False})
    messages = server.shown()
    assert any("plain http://" in m for m in messages), messages
    assert server.status()["state"] == "error"
    assert proxy.seen == []


def _headers(fake: FakeMistral) -> list[dict[str, str]]:
    return [r.headers for r in fake.requests]


@pytest.mark.parametrize("route", ["direct", "gateway", "gateway-virtual-key"])
def test_each_key_goes_only_to_its_route(spawn, fake, route):
    if route == "direct":
        settings = direct_settings(fake)
    else:
        settings = gateway_settings(fake)
        if route == "gateway-virtual-key":
            settings["gateway"]["virtualKey"] = VIRTUAL_KEY
    server = spawn()
    server.initialize(settings)
    fake.default_text = "ok"
    server.open("file:///work/project/k.py", "value = \n")
    server.inline("file:///work/project/k.py", 0, 8)
    server.command("codestral.chat", {"question": "hi", "show": False})
    headers = _headers(fake)
    assert len(headers) == 2
    for h in headers:
        everything = json.dumps(h)
        if route == "direct":
            assert h["authorization"] == f"Bearer {PROVIDER_KEY}"
            assert GATEWAY_KEY not in everything and "x-portkey" not in everything
        else:
            assert h["x-portkey-api-key"] == GATEWAY_KEY
            if route == "gateway":  # the open-source gateway forwards the provider key
                assert h["authorization"] == f"Bearer {PROVIDER_KEY}"
            else:  # the gateway holds the provider key behind the virtual key
                assert h["x-portkey-virtual-key"] == VIRTUAL_KEY
                assert "authorization" not in h and PROVIDER_KEY not in everything
