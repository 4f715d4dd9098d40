"""Emacs + Eglot (the configuration editors/README.md gives) against the real server.

``emacs --batch -Q -l tests/editors/emacs/drive.el`` loads the README's snippet
(``tests/editors/emacs/codestral-eglot.el``), opens a Python file, connects Eglot to the real
``codestral-ls`` over stdio (in front of the fake Mistral API), calls ``completion-at-point``
at three places and writes what it saw as JSON, which this module reads. One Emacs run serves
every test here; it is bounded by a watchdog inside Emacs and a subprocess timeout (30 s).

Emacs 28.2 and Eglot 1.9 from Debian 12: ``bash .ci/setup-emacs.sh``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.mistral import Recorded, Reply
from tests.support.keys import PROVIDER_KEY
from tests.support.upstream import running_fake

pytestmark = pytest.mark.editors

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = Path(__file__).resolve().parent / "emacs"
SNIPPET = DRIVERS / "codestral-eglot.el"
README = ROOT / "editors" / "README.md"
SETUP_HINT = "run bash .ci/setup-emacs.sh"
API_KEY = PROVIDER_KEY
RUN_TIMEOUT = 30.0  # the whole Emacs run, connect to shutdown

# Lines 2, 5 and 8 (1-based) are where drive.el completes.
SOURCE = "\n".join(
    [
        "def add(a, b):",
        "    return ",
        "",
        "def mul(a, b):",
        "    ret",
        "",
        "def area(w, h):",
        "    ",
        "",
    ]
)
SINGLE = "a + b"
MULTI = "result = w * h\n    return result"
MIDWORD = "urn a * b"


def _missing(why: str) -> None:
    """A missing tool fails under CI (with the fix) and skips elsewhere."""
    message = f"{why} — {SETUP_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _emacs() -> str:
    exe = shutil.which("emacs")
    if not exe:
        _missing("emacs is not installed")
    assert exe is not None
    out = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, timeout=20, check=False
    ).stdout
    m = re.match(r"GNU Emacs (\d+)\.", out)
    if not m or int(m.group(1)) < 28:
        _missing(f"Emacs 28+ needed, found {out.splitlines()[:1]}")
    elpa = Path("/usr/share/emacs/site-lisp/elpa")
    if int(m.group(1)) < 29 and not any(elpa.glob("eglot-*")):
        _missing(f"Emacs {m.group(1)} without Eglot (Debian's elpa-eglot, under {elpa})")
    return exe


def _server_cmd(log_file: Path) -> list[str]:
    """The installed server: the console script beside this Python, else on PATH."""
    beside = Path(sys.executable).with_name("codestral-ls")
    exe = str(beside) if beside.exists() else shutil.which("codestral-ls")
    if not exe:
        _missing("codestral-ls is not installed (pip install -e .)")
    assert exe is not None
    return [exe, "--log-file", str(log_file), "--log-level", "debug"]


def _last_line(rec: Recorded) -> str:
    body = rec.json if isinstance(rec.json, dict) else {}
    return (body.get("prompt") or "").rsplit("\n", 1)[-1]


def _responder(rec: Recorded) -> Reply:
    """FIM answers keyed on the text before the cursor on its line."""
    last = _last_line(rec)
    if last.rstrip().endswith("return"):
        return Reply(text=SINGLE)
    if last.endswith("ret"):
        return Reply(text=MIDWORD)
    if last.strip() == "":
        return Reply(text=MULTI)
    return Reply(text="pass")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    emacs = _emacs()
    tmp = tmp_path_factory.mktemp("emacs-eglot")
    server_log = tmp / "server.log"
    server_cmd = _server_cmd(server_log)
    with running_fake() as fake:
        fake.responder = _responder
        project = tmp / "project"
        project.mkdir()
        source = project / "main.py"
        source.write_text(SOURCE)
        result_path = tmp / "result.json"
        cfg = {
            "snippet": str(SNIPPET),
            "server_cmd": server_cmd,
            "settings": {
                "route": "direct",
                "baseUrl": fake.base_url,
                "completion": {"debounceMs": 0},
            },
            "file": str(source),
            "result_path": str(result_path),
            "timeout_s": RUN_TIMEOUT - 5,
        }
        cfg_path = tmp / "cfg.json"
        cfg_path.write_text(json.dumps(cfg))
        home = tmp / "home"
        home.mkdir()
        env = {
            **os.environ,
            "CODESTRAL_EMACS_TEST": str(cfg_path),
            "CODESTRAL_API_KEY": API_KEY,
            "HOME": str(home),
            "TMPDIR": str(tmp),
        }
        for name in ("MISTRAL_API_KEY", "PORTKEY_API_KEY", "EMACSLOADPATH", "EMACSDATA"):
            env.pop(name, None)
        argv = [emacs, "--batch", "-Q", "-l", str(DRIVERS / "drive.el")]
        start = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                cwd=project,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                check=False,
            )
            out = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            out = f"emacs timed out after {RUN_TIMEOUT}s: {exc.stdout!r} {exc.stderr!r}"
        wall = time.monotonic() - start
        log_tail = server_log.read_text(errors="replace")[-4000:] if server_log.exists() else ""
        if not result_path.exists():
            pytest.fail(f"no result written.\nemacs output: {out[-3000:]}\nserver log: {log_tail}")
        result = json.loads(result_path.read_text())
        if result.get("ok") is not True:
            pytest.fail(
                f"Emacs {result.get('emacs')} / Eglot {result.get('eglot')}: "
                f"{result.get('error')}\n"
                f"steps: {json.dumps(result.get('steps'), indent=1)[:3000]}\n"
                f"messages: {result.get('messages')}\nemacs output: {out[-2000:]}\n"
                f"server log tail: {log_tail}"
            )
        result["wall_s"] = round(wall, 2)
        result["fim"] = [r.json for r in fake.requests if r.path.endswith("/fim/completions")]
        result["paths"] = [r.path for r in fake.requests]
        result["auth"] = {
            r.headers.get("Authorization") or r.headers.get("authorization") for r in fake.requests
        }
        yield result


def test_readme_shows_the_tested_snippet() -> None:
    """editors/README.md shows codestral-eglot.el verbatim: what users copy is what is tested."""
    if not README.exists():
        pytest.skip("editors/README.md is missing")
    body = SNIPPET.read_text().strip()
    assert body in README.read_text(), "editors/README.md no longer shows codestral-eglot.el"


def test_eglot_starts_codestral_ls_from_the_snippet(run: dict[str, Any]) -> None:
    steps = run["steps"]
    assert run["emacs"].startswith(("28.", "29.", "30.", "31."))
    assert steps["major_mode"] == "python-mode"
    assert steps["managed"] is True
    assert Path(steps["server_command"][0]).name == "codestral-ls"
    assert "python-mode" in steps["managed_modes"]
    assert steps["language_id"] == "python"
    assert steps["completion_provider"] is True
    assert steps["inline_provider"] is True
    # Eglot 1.9 has no inline completion; without yasnippet it declares no snippet support,
    # and every completion-at-point (and company's idle popup) is triggerKind Invoked.
    assert steps["snippet_support"] is False
    assert steps["completion_context"] == {"triggerKind": 1}
    assert steps["midword_raw"]["insert_text_format"] == 1  # PlainText for this client
    # initializationOptions reached the server: it reports the route and the fake's URL.
    assert steps["status_route"] == "direct"
    assert steps["status_base_url"].startswith("http://127.0.0.1:")
    assert run["wall_s"] < RUN_TIMEOUT


def test_completion_at_point_inserts_the_answer(run: dict[str, Any]) -> None:
    single = run["steps"]["single"]
    assert "single_error" not in run["steps"], run["steps"]["single_error"]
    assert single["before"] == "    return "
    assert single["after"] == "    return " + SINGLE, run["messages"]
    # The first upstream request of the run came from that completion-at-point.
    assert "/v1/fim/completions" in run["paths"]
    assert _prompt_end(run["fim"][0]).endswith("return")
    assert run["auth"] == {f"Bearer {API_KEY}"}


def test_multiline_answer_is_inserted_whole(run: dict[str, Any]) -> None:
    multi = run["steps"]["multi"]
    assert "multi_error" not in run["steps"], run["steps"]["multi_error"]
    assert multi["before"] == "    "
    # Point ends after the inserted text, on its last line.
    assert multi["after"] == "    return result", multi
    tail = "def area(w, h):\n    result = w * h\n    return result\n"
    assert run["steps"]["buffer"].endswith(tail), run["steps"]["buffer"]


def test_eglot_never_gets_an_error(run: dict[str, Any]) -> None:
    status = run["steps"]["status_after"]
    assert status["errors"] == 0, status
    assert "error" not in run["messages"].lower(), run["messages"]


def test_midword_completion_is_offered(run: dict[str, Any]) -> None:
    raw = run["steps"]["midword_raw"]
    assert raw["count"] == 1, raw
    assert run["steps"]["midword"]["after"] == "    ret" + MIDWORD, (raw, run["messages"])


def _prompt_end(body: Any) -> str:
    prompt = body.get("prompt") if isinstance(body, dict) else ""
    return (prompt or "").rsplit("\n", 1)[-1].rstrip()
