"""Fewest upstream calls: a typing replay through the real server.

    .venv/bin/python -m tests.bench.bench_replay [--full] [--scale 0.25] [--seed 1]

A person writes code in five languages (``tests/bench/replay_code/``: Python, TypeScript, Go,
Rust, Lua; 376 lines). On every keystroke the editor sends ``didChange`` and
``textDocument/inlineCompletion``, and ``$/cancelRequest`` for its previous request if that is
still pending, as VS Code does. The upstream is a "model that answers the true continuation":
the fake finds the request's prompt in the file being written and streams the true text that
follows (up to ``max_tokens`` words, ending at a blank line), after a model-like latency.

Timing model (seeded RNG; real-time figures, multiplied by ``--scale``):

* a key every 60-250 ms (log-normal, median 110 ms, clipped);
* a pause of 0.5-2 s before starting a new line, and with probability 0.25 a pause of
  0.5-1.2 s after finishing a token (a space or punctuation after a word);
* Enter is one keystroke that also inserts the next line's indentation (editor auto-indent);
* the upstream answers after 250 ms, then one word every 15 ms (streamed).

By default the replay types a sample: in each file a seeded run of lines (about 170 characters)
after the lines above it are already there, at 0.25x the recorded gaps, with ``debounceMs``
scaled the same way (120 -> 30 ms) and the upstream latency too; ``--full`` types every file
from the first line (several minutes). Time scaling is not perfectly neutral: TypingPace's
absolute thresholds (gaps over 1 s ignored, a 1 s upstream p50 as "slow") see shorter gaps.

Measured: upstream calls per typed character, cache hit rate, share of requests answered
without an upstream call, and the share of keystrokes after which the right suggestion (a
non-empty prefix of the true remaining text) is showing just before the next key. Baseline,
same keystrokes in the same run: ``cache.size: 0`` and ``debounceMs: 0``.

Targets: <= 0.1 calls/char, >= 5x fewer than the baseline, right suggestion after >= 50% of
keystrokes.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench._common import machine, table
from tests.bench._lsp import settings_for
from tests.fakes.mistral import FakeMistral, Recorded, Reply, split_words
from tests.support.keys import PROVIDER_KEY
from tests.support.session import Session, first_text, open_session

CODE = Path(__file__).with_name("replay_code")
LANGUAGES = {
    ".py": "python",
    ".ts": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".lua": "lua",
}
LATENCY = 0.25  # seconds to the first token, real time
TOKEN = 0.015  # seconds per streamed word, real time
DEBOUNCE_MS = 120  # the default codestral.completion.debounceMs
SAMPLE_CHARS = 170


# --- the files and the keystrokes ------------------------------------------------------------


def targets() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(CODE.iterdir()) if p.suffix in LANGUAGES}


@dataclass
class Key:
    text: str  # what this keystroke inserts at the cursor
    gap: float  # seconds (real time) since the previous keystroke


def keystrokes(typed: str, rng: random.Random, after_newline: bool) -> list[Key]:
    keys: list[Key] = []
    i = 0
    previous = "\n" if after_newline else ""
    while i < len(typed):
        ch = typed[i]
        text = ch
        if ch == "\n":  # Enter + auto-indent of the next line
            j = i + 1
            while j < len(typed) and typed[j] in " \t":
                j += 1
            text = typed[i:j]
        gap = min(0.25, max(0.06, rng.lognormvariate(math.log(0.11), 0.35)))
        if previous.endswith("\n"):
            gap += rng.uniform(0.5, 2.0)
        elif (
            previous
            and (previous[-1].isalnum() or previous[-1] == "_")
            and not (ch.isalnum() or ch == "_")
            and rng.random() < 0.25
        ):
            gap += rng.uniform(0.5, 1.2)  # a pause after finishing a token
        keys.append(Key(text, gap))
        previous = text
        i += len(text)
    return keys


@dataclass
class Plan:
    uri: str
    language: str
    target: str
    start: int  # characters of the target already in the document
    keys: list[Key]


def plans(full: bool, seed: int) -> list[Plan]:
    rng = random.Random(seed)
    out = []
    for name, target in targets().items():
        if full:
            start, end = 0, len(target)
        else:
            lines = target.splitlines(keepends=True)
            first = rng.randrange(len(lines) // 4, len(lines) * 3 // 4)
            start = sum(len(line) for line in lines[:first])
            end = start
            for line in lines[first:]:
                end += len(line)
                if end - start >= SAMPLE_CHARS:
                    break
        keys = keystrokes(target[start:end], rng, after_newline=start > 0)
        uri = f"file:///work/project/{name}"
        out.append(Plan(uri, LANGUAGES[Path(name).suffix], target, start, keys))
    return out


# --- the model that knows the true continuation ----------------------------------------------


def true_model(files: dict[str, str], scale: float):
    def respond(rec: Recorded) -> Reply:
        body = rec.json or {}
        prompt: str = body.get("prompt", "")
        max_tokens = body.get("max_tokens") or 64
        at = -1
        for text in files.values():
            if text.startswith(prompt):
                at, target = len(prompt), text
                break
            tail = prompt[-300:]
            found = text.find(tail)
            if tail and found >= 0:
                at, target = found + len(tail), text
                break
        rest = "" if at < 0 else target[at:]
        blank = rest.find("\n\n")
        if blank >= 0:
            rest = rest[:blank]
        words = split_words(rest)[:max_tokens]
        return Reply(chunks=words, delay=LATENCY * scale, token_delay=TOKEN * scale)

    return respond


# --- the editor ------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    keystrokes: int = 0
    chars: int = 0
    showing_right: int = 0
    showing_any: int = 0
    answered: int = 0
    cancelled: int = 0
    status: dict[str, Any] = field(default_factory=dict)
    fake_calls: int = 0
    seconds: float = 0.0


def position(text: str) -> tuple[int, int]:
    line = text.count("\n")
    return line, len(text) - (text.rfind("\n") + 1)


async def replay(label: str, settings: dict[str, Any], work: list[Plan], scale: float) -> Run:
    files = {p.uri: p.target for p in work}
    fake = FakeMistral(api_key=PROVIDER_KEY).start()
    fake.responder = true_model(files, scale)
    run = Run(label)
    settings = {**settings, "baseUrl": fake.base_url}
    t_start = time.perf_counter()
    try:
        async with open_session(settings) as ed:
            for plan in work:
                await type_file(ed, plan, run, scale)
            run.status = await ed.command("codestral.status")
    finally:
        fake.stop()
    run.fake_calls = len([r for r in fake.requests if r.path.endswith("/fim/completions")])
    run.seconds = time.perf_counter() - t_start
    return run


async def type_file(ed: Session, plan: Plan, run: Run, scale: float) -> None:
    loop = asyncio.get_running_loop()
    doc = plan.target[: plan.start]
    ed.open(plan.uri, doc, plan.language)
    shown: str | None = None  # the ghost text the editor shows now
    pending: tuple[str, asyncio.Future, int] | None = None
    version = 0
    answers: dict[int, str | None] = {}

    def on_answer(number: int, future: asyncio.Future) -> None:
        if future.cancelled() or future.exception() is not None:
            run.cancelled += 1
            return
        answers[number] = first_text(future.result())

    next_time = loop.time()
    for key in plan.keys:
        next_time += key.gap * scale
        await asyncio.sleep(max(0.0, next_time - loop.time()))
        # Just before this key: is the right suggestion showing?
        if version:
            shown = current_ghost(answers, version, shown)
            truth = plan.target[len(doc) :]
            if shown:
                run.showing_any += 1
                if truth.startswith(shown):
                    run.showing_right += 1
        if pending is not None and not pending[1].done():
            ed.cancel(pending[0])
        line, col = position(doc)
        ed.edit(plan.uri, (line, col), (line, col), key.text)
        doc += key.text
        version += 1
        run.keystrokes += 1
        run.chars += len(key.text.rstrip(" \t")) or 1
        # The editor keeps showing a ghost text the user types through (VS Code does).
        shown = shown[len(key.text) :] if shown and shown.startswith(key.text) else None
        shown = shown or None
        msg_id, future = ed.inline_cancellable(plan.uri, *position(doc))
        future.add_done_callback(lambda f, n=version: on_answer(n, f))
        pending = (msg_id, future, version)
    await asyncio.sleep(0.3 * scale + LATENCY * scale * 2)
    shown = current_ghost(answers, version, shown)
    if shown:
        run.showing_any += 1
        if plan.target[len(doc) :].startswith(shown):
            run.showing_right += 1
    run.answered += len(answers)
    ed.close(plan.uri)


def current_ghost(answers: dict[int, str | None], version: int, shown: str | None) -> str | None:
    """The answer to the request for the current text wins; until it comes, what was shown."""
    if version in answers:
        return answers[version] or None
    return shown


# --- main ------------------------------------------------------------------------------------


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_replay")
    parser.add_argument("--full", action="store_true", help="type every file from line 1")
    parser.add_argument("--scale", type=float, default=0.25, help="time scale (1 = real time)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = plans(args.full, args.seed)
    scale = args.scale
    n_keys = sum(len(p.keys) for p in work)
    print(
        f"machine: {machine()}; {n_keys} keystrokes in {len(work)} files, time x{scale}, "
        f"{'full files' if args.full else 'a sample of each file'}, seed {args.seed}"
    )
    ours_settings = settings_for(None, debounceMs=round(DEBOUNCE_MS * scale), timeoutMs=5000)
    base_settings = settings_for(None, debounceMs=0, timeoutMs=5000)
    base_settings["cache"] = {"size": 0}
    ours, base = await asyncio.gather(
        replay("ours (cache, debounce)", ours_settings, work, scale),
        replay("baseline (cache.size 0, debounce 0)", base_settings, work, scale),
    )
    rows = []
    for r in (ours, base):
        s = r.status
        req = max(1, s["requests"])
        rows.append(
            [
                r.label,
                r.keystrokes,
                r.fake_calls,
                f"{r.fake_calls / r.chars:.3f}",
                f"{s['cacheHits'] / req:.1%}",
                f"{s['typedThrough'] / req:.1%}",
                f"{s['sharedCalls'] / req:.1%}",
                f"{1 - s['upstreamCalls'] / req:.1%}",
                f"{r.showing_right / r.keystrokes:.1%}",
                f"{r.seconds:.1f}",
            ]
        )
    table(
        "typing replay",
        [
            "run",
            "keys",
            "upstream calls",
            "calls/char",
            "cache hits",
            "typed-through",
            "shared",
            "no upstream call",
            "right suggestion",
            "wall s",
        ],
        rows,
    )
    fewer = base.fake_calls / max(1, ours.fake_calls)
    print(
        f"\n{ours.chars} characters typed; ours {ours.fake_calls / ours.chars:.3f} calls/char "
        f"(target <= 0.1), {fewer:.1f}x fewer calls than the baseline (target >= 5x), right "
        f"suggestion after {ours.showing_right / ours.keystrokes:.0%} of keystrokes "
        f"(target >= 50%; baseline {base.showing_right / base.keystrokes:.0%})"
    )


if __name__ == "__main__":
    asyncio.run(main())
