"""The command line: one-shot subcommands, TCP serving, logging, version."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.fakes.mistral import Reply
from tests.support.keys import PROVIDER_KEY

ENV = {"CODESTRAL_API_KEY": PROVIDER_KEY, "PATH": "/usr/bin:/bin"}


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "codestral_ls", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env or ENV,
        cwd=cwd,
    )


def settings_file(tmp_path: Path, fake, **extra) -> str:
    import json

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"codestral": {"baseUrl": fake.base_url, **extra}}))
    return str(path)


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("codestral-ls ")


def test_complete_prints_only_the_suggestion(tmp_path, fake):
    fake.default_text = "a + b"
    source = tmp_path / "add.py"
    source.write_text("def add(a, b):\n    return \n# 😀 done\n")
    result = run("--settings", settings_file(tmp_path, fake), "complete", f"{source}:2:12")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "a + b"
    body = fake.requests[0].json
    assert body["prompt"] == "def add(a, b):\n    return " and body["suffix"] == "\n# 😀 done\n"


def test_complete_says_which_closers_the_suggestion_replaces(tmp_path, fake):
    fake.default_text = "x + 1).bit_length()"
    source = tmp_path / "closer.py"
    source.write_text("print()\n")
    result = run("--settings", settings_file(tmp_path, fake), "complete", f"{source}:1:7")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "x + 1).bit_length()"
    assert "replaces ')' after the cursor" in result.stderr


def test_complete_columns_count_characters(tmp_path, fake):
    fake.default_text = "x"
    source = tmp_path / "u.py"
    source.write_text('s = "😀中" + \n')
    result = run("--settings", settings_file(tmp_path, fake), "complete", f"{source}:1:12")
    assert result.returncode == 0, result.stderr
    assert fake.requests[0].json["prompt"] == 's = "😀中" + '


def test_complete_failures_are_one_line_on_stderr(tmp_path, fake):
    fake.set_default(Reply(status=401, json={"message": "Unauthorized"}))
    source = tmp_path / "a.py"
    source.write_text("x = \n")
    result = run("--settings", settings_file(tmp_path, fake), "complete", f"{source}:1:5")
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("codestral-ls: ") and "rejected the API key" in lines[-1]
    assert PROVIDER_KEY not in result.stderr
    missing = run("complete", f"{tmp_path}/nope.py:1:1")
    assert missing.returncode != 0 and "no such file" in missing.stderr
    bad = run("complete", f"{source}:x")
    assert bad.returncode != 0 and "FILE:LINE:COL" in bad.stderr


def _dead_settings(tmp_path: Path, fake) -> str:
    """Settings whose baseUrl nothing listens on (port 9, discard: refused on loopback)."""
    return settings_file(tmp_path, fake, baseUrl="http://127.0.0.1:9/v1")


def test_one_shot_failures_are_printed_once(tmp_path, fake):
    """An unreachable upstream: the cause and fix once on stderr (no log line repeating it),
    without the editor-session wording about completions resuming."""
    source = tmp_path / "a.py"
    source.write_text("x = \n")
    for command in ("complete", "explain"):
        where = f"{source}:1:5" if command == "complete" else str(source)
        result = run("--settings", _dead_settings(tmp_path, fake), command, where)
        assert result.returncode == 1 and result.stdout == "", (command, result.stdout)
        assert result.stderr.count("Cannot reach http://127.0.0.1:9/v1") == 1, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith("codestral-ls: Cannot reach ")
        assert "resume" not in result.stderr
    check = run("--settings", _dead_settings(tmp_path, fake), "check")
    assert check.returncode == 1 and check.stdout.count("Cannot reach") == 1
    assert "resume" not in check.stdout + check.stderr and check.stderr == ""


def test_one_shot_server_errors_do_not_promise_resuming(tmp_path, fake):
    fake.set_default(Reply(status=503, json={"message": "overloaded"}))
    source = tmp_path / "a.py"
    source.write_text("x = \n")
    result = run("--settings", settings_file(tmp_path, fake), "complete", f"{source}:1:5")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "(503)" in line and "service's side." in line and "resume" not in line


def test_one_shot_rate_limit_says_when_to_try_again(tmp_path, fake):
    fake.set_default(Reply(status=429, json={"message": "slow down"}, headers={"Retry-After": "7"}))
    source = tmp_path / "a.py"
    source.write_text("x = \n")
    result = run("--settings", settings_file(tmp_path, fake), "complete", f"{source}:1:5")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "rate limiting" in line and "try again after 7 s" in line
    assert "pausing" not in line and "debounceMs" not in line


def test_a_bad_setting_is_reported_once_and_the_completion_still_runs(tmp_path, fake):
    fake.default_text = "1"
    source = tmp_path / "a.py"
    source.write_text("x = \n")
    settings = settings_file(tmp_path, fake, completion={"debounceMs": "soon"})
    result = run("--settings", settings, "complete", f"{source}:1:5")
    assert result.returncode == 0 and result.stdout == "1", result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("codestral-ls: Invalid setting codestral.completion.debounceMs")


def test_complete_refuses_secret_files(tmp_path, fake):
    env_file = tmp_path / ".env"
    env_file.write_text("TOKEN=abc\n")
    result = run("--settings", settings_file(tmp_path, fake), "complete", f"{env_file}:1:3")
    assert result.returncode != 0 and "secret" in result.stderr and fake.requests == []


def test_explain_lines(tmp_path, fake):
    fake.default_text = "## What it does\nAdds."
    source = tmp_path / "m.py"
    source.write_text("a = 1\nb = 2\nc = a + b\n")
    result = run("--settings", settings_file(tmp_path, fake), "explain", f"{source}:2-3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "## What it does\nAdds."
    content = fake.requests[0].json["messages"][-1]["content"]
    assert "b = 2\nc = a + b\n" in content and "a = 1" not in content


def test_check_reports_route_and_sources_never_the_key(tmp_path, fake):
    result = run("--settings", settings_file(tmp_path, fake), "check")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "route: direct" in out and fake.base_url in out and "codestral-latest" in out
    assert "environment CODESTRAL_API_KEY" in out and "check: OK" in out
    assert PROVIDER_KEY not in out + result.stderr
    dead = run(
        "--settings", settings_file(tmp_path, fake, baseUrl="http://127.0.0.1:9/v1"), "check"
    )
    assert dead.returncode == 1 and "Cannot reach" in dead.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_tcp_server_with_log_file(tmp_path, fake):
    fake.default_text = "42"
    port = _free_port()
    log_file = tmp_path / "server.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "codestral_ls",
            "--tcp",
            "--port",
            str(port),
            "--log-file",
            str(log_file),
            "--log-level",
            "debug",
        ],
        env=ENV,
    )
    client = LanguageClient("test", "1")
    try:
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                initialization_options={
                    "codestral": {"baseUrl": fake.base_url, "completion": {"debounceMs": 0}}
                },
            )
        )
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri="file:///t.py", language_id="python", version=1, text="x = \n"
                )
            )
        )
        result = await client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Invoked
                ),
                text_document=types.TextDocumentIdentifier(uri="file:///t.py"),
                position=types.Position(line=0, character=4),
            )
        )
        assert [i.insert_text for i in result.items] == ["42"]
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        process.wait(timeout=5)
    log = log_file.read_text()
    assert "fim/completions" in log
    assert PROVIDER_KEY not in log


def test_tcp_survives_a_broken_frame(tmp_path):
    """A frame whose Content-Length is wrong costs itself, not the connection."""
    import json as _json

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "codestral_ls", "--tcp", "--port", str(port)], env=ENV
    )

    def frame(payload: dict) -> bytes:
        body = _json.dumps(payload).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)

    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                import time

                time.sleep(0.05)
        init = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"capabilities": {}, "processId": None, "rootUri": None},
        }
        broken = b'Content-Length: 10\r\n\r\n{"jsonrpc": "2.0", "id": 9, "method": "x"}'
        status = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "workspace/executeCommand",
            "params": {"command": "codestral.status"},
        }
        sock.sendall(broken + frame(init) + frame(status))
        received = b""
        while b'"id": 2' not in received and b'"id":2' not in received:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed; got {received[:300]!r}"
            received += chunk
        assert b'"route"' in received
        # The initialize right after the broken frame was not lost either.
        assert b'"capabilities"' in received
        sock.close()
    finally:
        process.terminate()
        process.wait(timeout=5)
