"""Keystroke-to-ghost-text in real Neovim 0.12, against a Codestral-like upstream.

    .venv/bin/python -m tests.bench.bench_editor_nvim [--chars 90] [--seed 3] [--accepts 4]
        [--only LABEL ...] [--runs N] [--files F ...] [--calls]

Real Neovim 0.12 (the Debian sid chroot under .cache/nvim-sid, ``bash .ci/setup-nvim.sh --sid``;
needs root for chroot) runs the plugin (editors/nvim) connected over TCP to the real server
outside the chroot (``codestral-ls --tcp``), which calls the fake Mistral API on 127.0.0.1. A
Lua driver (``nvim_latency.lua``) types real code from ``replay_code/`` through real insert mode
with human gaps (the ``bench_replay`` model: 60-250 ms between keys; here a pause of 0.8-1.2 s
after Enter + indentation and, with probability 0.5, after a finished word, so that one run
holds enough pauses) and polls the ghost text's extmark every 1 ms.

The upstream is a model that knows the true continuation of the file (as in ``bench_replay``),
with Codestral-like timing: 150 ms to the first token, then 10 ms per token (about a word).
``--line-model``: it knows only the rest of the cursor's line, so the suggestion after an Enter
always needs a fresh call (the true-continuation model lets most pauses be answered by the rest
of a suggestion being typed through).

For each pause (a key followed by >= 0.6 s without a key): ``visible`` = ms from that key to the
first ghost text shown before the next key. ``floor`` = what a fresh upstream call made at that
key needs to reach the end of the first line it would show: 150 ms + 10 ms per further word of
that line. Reported: p50/p90 of (visible - floor) (negative when an answer already known, such
as the rest of a suggestion being typed through, beats a fresh call), pauses with no ghost text,
upstream calls per typed character, flicker (ghost text that disappears and comes back as the
same suggestion, less what was typed meanwhile) and, after the typing, accept cycles: accept the
suggestion shown, ms until the next one is visible at the new cursor.

Runs, same keys, one after the other (never in parallel: the machine has two cores):
  - ``plugin ghost``: the plugin's own ghost text (``inline = "ghost"``), default settings
  - ``native 0.12``: ``vim.lsp.inline_completion`` (``inline = "native"``); its runtime asks
    200 ms after each change (a fixed ``vim.defer_fn(..., 200)`` in
    ``lua/vim/lsp/inline_completion.lua``, ``Completor:automatic_request``)
  - ``fixed N ms``: the plugin's ghost text with a fixed client debounce of N = 75, 150, 350 ms
    (what peers use) and the server's debounce off (``debounceMs: 0``)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench._calls import call_log, print_log
from tests.bench._common import machine, table
from tests.fakes.mistral import FakeMistral, Recorded, Reply, split_words
from tests.support.keys import PROVIDER_KEY

ROOT = Path(__file__).resolve().parents[2]
SID = Path(os.environ.get("CODESTRAL_SID_ROOT", ROOT / ".cache" / "nvim-sid"))
CODE = Path(__file__).with_name("replay_code")
KEY = PROVIDER_KEY
FIRST_TOKEN = 0.150
PER_TOKEN = 0.010
PAUSE_S = 0.6
# The latency table's columns (bench_editor_vscode prints the same table).
COLUMNS = [
    "run",
    "shown/pauses",
    "visible p50",
    "over floor p50",
    "over floor p90",
    "calls/char",
    "flicker",
    "after accept p50 (n)",
]


# --- the model -------------------------------------------------------------------------------


def continuation(files: dict[str, str], prompt: str, max_words: int = 64) -> str:
    # The prompt may start with cross-file snippets (other open files): near the top of a
    # file its last 300 characters reach into them, so shorter tails are tried after it.
    for size in (300, 150, 60):
        tail = prompt[-size:]
        for text in files.values():
            found = text.find(tail) if tail else -1
            if found >= 0:
                rest = text[found + len(tail) :]
                return "".join(split_words(rest)[:max_words])
    return ""


def model(files: dict[str, str], line_only: bool = False):
    def respond(rec: Recorded) -> Reply:
        body = rec.json or {}
        text = continuation(files, body.get("prompt", ""), body.get("max_tokens") or 64)
        if line_only:  # right about the line at the cursor only: every new line needs a call
            body_start = len(text) - len(text.lstrip("\n"))
            text = text[: body_start + len(text[body_start:].split("\n", 1)[0])]
        return Reply(chunks=split_words(text), delay=FIRST_TOKEN, token_delay=PER_TOKEN)

    return respond


def floor_ms(rest: str) -> float:
    """Time for a fresh call to stream up to the end of the first non-blank line of ``rest``."""
    words = split_words(rest)
    seen = ""
    for i, word in enumerate(words):
        seen += word
        if "\n" in word and seen.strip():
            return (FIRST_TOKEN + PER_TOKEN * i) * 1000
    return (FIRST_TOKEN + PER_TOKEN * max(0, len(words) - 1)) * 1000


# --- the typing plan -------------------------------------------------------------------------


@dataclass
class Plan:
    name: str
    start_text: str
    target: str
    keys: list[dict[str, Any]] = field(default_factory=list)


def _word_ends(previous: str, ch: str) -> bool:
    return (previous[-1:].isalnum() or previous[-1:] == "_") and not (ch.isalnum() or ch == "_")


def make_plan(name: str, chars: int, rng: random.Random) -> Plan:
    target = (CODE / name).read_text()
    lines = target.splitlines(keepends=True)
    first = rng.randrange(len(lines) // 4, len(lines) * 3 // 4)
    while first < len(lines) and not lines[first].strip():
        first += 1
    start = sum(len(line) for line in lines[:first])
    end = start
    for n, line in enumerate(lines[first:], first):
        end += len(line)
        # End where the code goes on (a next line that is not blank): something to accept.
        if end - start >= chars and n + 1 < len(lines) and lines[n + 1].strip():
            break
    # ... and type Enter and its indentation too: the accept cycles start there.
    following = lines[n + 1] if n + 1 < len(lines) else ""
    typed = target[start:end] + following[: len(following) - len(following.lstrip(" \t"))]
    keys: list[dict[str, Any]] = []
    i, previous = 0, "\n"
    while i < len(typed):
        ch = typed[i]
        text = ch
        if ch == "\n":
            j = i + 1
            while j < len(typed) and typed[j] in " \t":
                j += 1
            text = typed[i:j]
        gap = min(0.25, max(0.06, rng.lognormvariate(math.log(0.11), 0.35)))
        # A key text holding "\n" is Enter + indentation: the user pauses on the new line.
        if "\n" in previous or (_word_ends(previous, ch) and rng.random() < 0.5):
            gap += rng.uniform(0.8, 1.2)
        keys.append({"text": text, "gap_ms": round(gap * 1000), "at": i})
        previous = text
        i += len(text)
    return Plan(name, target[:start], target, keys)


# --- one run ---------------------------------------------------------------------------------


@dataclass
class Variant:
    label: str
    inline: str  # "ghost" | "native"
    client_debounce_ms: int
    server: dict[str, Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, deadline: float) -> None:
    # Without connecting: the server serves a single TCP client.
    hexport = f":{port:04X}"
    while time.monotonic() < deadline:
        with open("/proc/net/tcp") as f:
            rows = [line.split() for line in f.readlines()[1:]]
        if any(r[1].endswith(hexport) and r[3] == "0A" for r in rows):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the server did not listen on {port}")


def run_variant(variant: Variant, plan: Plan, base_url: str, accepts: int) -> dict[str, Any]:
    work_rel = Path("tmp") / f"codestral-bench.{os.getpid()}.{variant.label.replace(' ', '_')}"
    work = SID / work_rel
    shutil.rmtree(work, ignore_errors=True)
    (work / "home").mkdir(parents=True)
    (work / "drivers").mkdir()
    shutil.copytree(ROOT / "editors" / "nvim", work / "plugin")
    for lua in ("driver.lua", "minimal_init.lua"):
        shutil.copy(ROOT / "tests" / "editors" / "nvim" / lua, work / "drivers" / lua)
    shutil.copy(Path(__file__).with_name("nvim_latency.lua"), work / "drivers")
    src = work / plan.name
    src.write_text(plan.start_text + "\n")  # the cursor line: an empty last line
    settings = {"route": "direct", "baseUrl": base_url, **variant.server}
    (work / "settings.json").write_text(json.dumps(settings))
    port = free_port()
    env = {**os.environ, "CODESTRAL_API_KEY": KEY, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "codestral_ls",
            "--tcp",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--settings",
            str(work / "settings.json"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, time.monotonic() + 15)
        root = f"/{work_rel}"
        cfg = {
            "plugin_dir": f"{root}/plugin",
            "result_path": f"{root}/result.json",
            "timeout_ms": 120000,
            "tcp": {"host": "127.0.0.1", "port": port},
            "setup": {
                "settings": settings,
                "inline": variant.inline,
                "ghost": {"debounce_ms": variant.client_debounce_ms},
            },
            "plan": {"file": f"{root}/{plan.name}", "keys": plan.keys, "accepts": accepts},
        }
        (work / "cfg.json").write_text(json.dumps(cfg))
        subprocess.run(
            [
                "chroot",
                str(SID),
                "/usr/bin/env",
                "-i",
                f"HOME={root}/home",
                "TERM=dumb",
                "LANG=C.UTF-8",
                "PATH=/usr/bin:/bin",
                f"CODESTRAL_NVIM_TEST={root}/cfg.json",
                f"TMPDIR={root}",
                "/usr/bin/nvim",
                "--headless",
                "-u",
                f"{root}/drivers/minimal_init.lua",
                "-i",
                "NONE",
                "-n",
                "-c",
                f"luafile {root}/drivers/nvim_latency.lua",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=180,
            check=False,
        )
        result = json.loads((work / "result.json").read_text())
        if os.environ.get("BENCH_DUMP"):
            shutil.copy(work / "result.json", os.environ["BENCH_DUMP"])
    finally:
        server.terminate()
        server.wait(5)
        shutil.rmtree(work, ignore_errors=True)
    if not result.get("ok"):
        raise RuntimeError(f"{variant.label}: {result.get('error')}")
    return result["steps"]


# --- analysis --------------------------------------------------------------------------------


def events_between(events: list[list[Any]], t0: float, t1: float) -> list[list[Any]]:
    return [e for e in events if t0 <= e[0] < t1]


def shown_at(events: list[list[Any]], t: float) -> str | None:
    text = None
    for when, value in events:
        if when > t:
            break
        text = value or None
    return text


def analyse(steps: dict[str, Any], plan: Plan) -> dict[str, Any]:
    events, times, keys = steps["events"], steps["key_times"], plan.keys
    typed_before = plan.start_text
    latencies, over_floor, missing, pause_log = [], [], 0, []
    for k, key in enumerate(keys):
        typed_before += key["text"]
        t0 = times[k]
        t1 = times[k + 1] if k + 1 < len(times) else t0 + 1500
        if t1 - t0 < PAUSE_S * 1000:
            continue
        visible = next(
            (e[0] for e in events_between(events, t0, t1) if e[1]),
            t0 if shown_at(events, t0) else None,
        )
        if visible is None:
            missing += 1
            pause_log.append((k, None, None))
            continue
        rest = plan.target[len(typed_before) :]
        latencies.append(visible - t0)
        over_floor.append(visible - t0 - floor_ms(rest))
        pause_log.append((k, round(latencies[-1]), round(over_floor[-1])))
    return {
        "pauses": len(latencies) + missing,
        "missing": missing,
        "latency": latencies,
        "over_floor": over_floor,
        "flicker": len(flickers := flicker_log(events, times, keys)),
        "flicker_log": flickers,
        "pause_log": pause_log,  # (key, visible ms, over floor ms) per pause
        "accepts": [a["ms"] for a in steps["accepts"] if isinstance(a["ms"], (int, float))],
        # While typing (the accept cycles after it make calls of their own).
        "calls": steps["status_typing"]["upstreamCalls"],
        "chars": sum(len(k["text"].strip()) or 1 for k in keys),
    }


def flicker_log(
    events: list[list[Any]], times: list[float], keys: list[dict[str, Any]]
) -> list[tuple[str, str, str]]:
    """Ghost text that disappeared while typing and came back as the same suggestion, less
    what was typed in between: (shown before, typed meanwhile, shown after) each."""
    found: list[tuple[str, str, str]] = []
    last_text: str | None = None
    hidden_at: float | None = None
    end = times[-1] if times else 0
    for when, value in events:
        if when > end:
            break
        if value:
            if hidden_at is not None and last_text is not None:
                typed = "".join(
                    k["text"] for k, t in zip(keys, times, strict=True) if hidden_at <= t <= when
                )
                if last_text.startswith(typed + value) or last_text == typed + value:
                    found.append((last_text, typed, value))
            last_text, hidden_at = value, None
        elif last_text is not None:
            hidden_at = when
    return found


def pct(data: list[float], q: float) -> float | None:
    if not data:
        return None
    ordered = sorted(data)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:+.0f}" if v < 0 else f"{v:.0f}"


# --- main ------------------------------------------------------------------------------------

VARIANTS = [
    Variant("plugin ghost", "ghost", 0, {}),
    Variant("native 0.12", "native", 0, {}),
    Variant("fixed 75 ms", "ghost", 75, {"completion": {"debounceMs": 0}}),
    Variant("fixed 150 ms", "ghost", 150, {"completion": {"debounceMs": 0}}),
    Variant("fixed 350 ms", "ghost", 350, {"completion": {"debounceMs": 0}}),
]


def row_for(label: str, merged: dict[str, Any]) -> list[Any]:
    lat, over, acc = merged["latency"], merged["over_floor"], merged["accepts"]
    return [
        label,
        f"{merged['pauses'] - merged['missing']}/{merged['pauses']}",
        fmt(pct(lat, 0.5)),
        fmt(pct(over, 0.5)),
        fmt(pct(over, 0.9)),
        f"{merged['calls'] / merged['chars']:.3f}",
        merged["flicker"],
        fmt(pct(acc, 0.5)) + f" ({len(acc)})",
    ]


def pool(into: dict[str, Any], got: dict[str, Any]) -> None:
    for key, value in got.items():
        into[key] = into.get(key, 0 if not isinstance(value, list) else []) + value


def run_plans(args: argparse.Namespace) -> list[list[Plan]]:
    """The typing plans of each run (``--runs``): seeds seed, seed+1, ..., every file each."""
    return [
        [make_plan(name, args.chars, rng) for name in args.files]
        for rng in (random.Random(args.seed + r) for r in range(args.runs))
    ]


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments both editor benchmarks take."""
    parser.add_argument("--chars", type=int, default=90, help="characters typed per file")
    parser.add_argument("--files", nargs="*", default=["inventory.py"])
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="typing plans (seeds seed, seed+1, ...): a table per run and one pooled",
    )
    parser.add_argument("--accepts", type=int, default=4)
    parser.add_argument("--only", nargs="*", help="run only these variant labels")
    parser.add_argument(
        "--no-prefetch",
        action="store_true",
        help="completion.prefetch false in every run (so a new line needs a fresh call)",
    )
    parser.add_argument(
        "--line-model",
        action="store_true",
        help="the model knows only the rest of the cursor's line (more fresh calls)",
    )
    parser.add_argument(
        "--calls", action="store_true", help="print every upstream call made while typing"
    )


def without_prefetch(server: dict[str, Any]) -> dict[str, Any]:
    return {**server, "completion": {**server.get("completion", {}), "prefetch": False}}


def print_tables(
    title: str, runs: list[list[list[Any]]], pooled: dict[str, dict[str, Any]]
) -> None:
    for n, rows in enumerate(runs, 1):
        table(f"{title}, run {n} of {len(runs)}" if len(runs) > 1 else title, COLUMNS, rows)
    if len(runs) > 1:
        table(
            f"{title}, {len(runs)} runs pooled", COLUMNS, [row_for(k, v) for k, v in pooled.items()]
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_editor_nvim")
    add_run_arguments(parser)
    args = parser.parse_args()
    if not (SID / "usr" / "bin" / "nvim").exists():
        print(f"no Neovim 0.12 chroot at {SID}: run bash .ci/setup-nvim.sh --sid")
        return 77
    all_plans = run_plans(args)
    files = {p.name: p.target for plans in all_plans for p in plans}
    fake = FakeMistral(api_key=KEY).start()
    fake.responder = model(files, args.line_model)
    print(
        f"machine: {machine()}; Neovim 0.12 (chroot); {sum(len(p.keys) for p in all_plans[0])} "
        f"keys in {len(all_plans[0])} file(s) per run, {args.runs} run(s); upstream "
        f"{FIRST_TOKEN * 1000:.0f} ms + {PER_TOKEN * 1000:.0f} ms/token"
    )
    runs: list[list[list[Any]]] = []
    pooled: dict[str, dict[str, Any]] = {}
    try:
        for plans in all_plans:
            rows = []
            for variant in VARIANTS:
                if args.only and variant.label not in args.only:
                    continue
                if args.no_prefetch:
                    variant = Variant(
                        variant.label,
                        variant.inline,
                        variant.client_debounce_ms,
                        without_prefetch(variant.server),
                    )
                merged: dict[str, Any] = {}
                for plan in plans:
                    before = len(fake.requests)
                    steps = run_variant(variant, plan, fake.base_url, args.accepts)
                    got = analyse(steps, plan)
                    pool(merged, got)
                    if args.calls:
                        typing_end = steps["key_times"][-1] + 1500
                        rows_log = call_log(
                            [r for r in fake.requests[before:] if r.t_received * 1000 < typing_end],
                            steps["key_times"],
                            plan.keys,
                            plan.start_text,
                            steps["events"],
                        )
                        print_log(f"{variant.label} ({plan.name})", rows_log, PAUSE_S * 1000)
                        print("  pauses (key, visible, over floor):", got["pause_log"])
                        for flick in got["flicker_log"]:
                            print("  flicker (shown, typed, shown again):", flick)
                pool(pooled.setdefault(variant.label, {}), merged)
                rows.append(row_for(variant.label, merged))
            runs.append(rows)
    finally:
        fake.stop()
    print_tables("keystroke to visible ghost text after a pause, ms", runs, pooled)
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
