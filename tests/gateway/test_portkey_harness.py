"""The harness fails loudly (never skips) when the gateway cannot run, and stops cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gateway import portkey
from tests.gateway.portkey import GatewayStartError, PortkeyGateway


def test_missing_node_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portkey.shutil, "which", lambda name: None)
    with pytest.raises(GatewayStartError, match=r"`node` is not on PATH"):
        PortkeyGateway().start()


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(portkey, "START_SCRIPT", tmp_path / "nope" / "start-server.js")
    with pytest.raises(GatewayStartError, match=r"missing; run `bash \.ci/setup-gateway\.sh`"):
        PortkeyGateway().start()


def test_early_exit_reports_code_and_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "crash.mjs"
    script.write_text('console.error("boom: cannot start"); process.exit(3);\n')
    monkeypatch.setattr(portkey, "START_SCRIPT", script)
    gateway = PortkeyGateway()
    with pytest.raises(GatewayStartError, match=r"exited with code 3(.|\n)*boom: cannot start"):
        gateway.start()
    assert not gateway.running


def test_no_answer_in_time_is_an_error_and_the_process_is_stopped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "silent.mjs"
    script.write_text('console.error("still thinking"); setInterval(() => {}, 1000);\n')
    monkeypatch.setattr(portkey, "START_SCRIPT", script)
    gateway = PortkeyGateway(startup_timeout=0.5)
    with pytest.raises(GatewayStartError, match=r"did not answer(.|\n)*still thinking"):
        gateway.start()
    assert gateway.proc is None


def test_stop_is_idempotent_and_ends_the_process() -> None:
    gateway = PortkeyGateway().start()
    proc = gateway.proc
    assert proc is not None and gateway.running
    assert gateway.lines[0].startswith("cmd: ") and "--headless" in gateway.lines[0]
    gateway.stop()
    gateway.stop()
    assert proc.poll() is not None
    assert not gateway.running
