"""Where the upstream calls of an editor benchmark run went (``--calls``): for each FIM call the
fake received while typing, the key it followed, the pause around it, the cursor context, whether
it was a prefetch (its prompt runs past what was typed), whether the upstream streamed anything
before the server let go of it, and whether ghost text appeared before the next key."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.fakes.mistral import Recorded


def _prompt(rec: Recorded) -> str:
    body = rec.json or {}
    return str(body.get("prompt", ""))


def call_log(
    requests: list[Recorded],
    key_times: list[float],
    keys: list[dict[str, Any]],
    start_text: str,
    events: list[list[Any]],
    offset_ms: float = 0.0,
) -> list[dict[str, Any]]:
    """``key_times``/``events`` in ms on a clock that is ``offset_ms`` behind time.monotonic()
    (0 for Neovim's uv.hrtime)."""
    typed = [start_text]
    for key in keys:
        typed.append(typed[-1] + key["text"])
    rows = []
    for rec in requests:
        if not rec.path.endswith("/fim/completions"):
            continue
        t = rec.t_received * 1000 - offset_ms
        k = max((i for i, kt in enumerate(key_times) if kt <= t), default=0)
        if k >= len(keys):
            continue
        prompt = _prompt(rec)
        # A clock offset known only to some ms (VS Code): the key whose text the prompt ends
        # with, if one is that close.
        for j in (k, k - 1, k + 1, k - 2):
            if 0 <= j < len(keys) and prompt and typed[j + 1].endswith(prompt[-60:]):
                k = j
                break
        t_key = key_times[k]
        t_next = key_times[k + 1] if k + 1 < len(key_times) else t_key + 1500
        text = typed[k + 1]
        prefetch = not text.endswith(prompt[-60:]) if prompt else False
        before = (prompt if prefetch else text).rsplit("\n", 1)[-1][-12:]
        finished = (rec.t_finished or rec.t_received) * 1000 - offset_ms
        shown = any(e[1] and max(t, finished - 5) <= e[0] < t_next for e in events)
        rows.append(
            {
                "key": k,
                "after_key_ms": round(t - t_key),
                "pause_ms": round(t_next - t_key),
                "gap_before_ms": keys[k]["gap_ms"],
                "before": before,
                "kind": "prefetch" if prefetch else "typed",
                "streamed": rec.chunks_sent > 0,
                "ms": round(finished - t),
                "shown_before_next_key": shown,
            }
        )
    return rows


def context_class(line: str) -> str:
    if not line.strip():
        return "line start"
    ch = line[-1]
    if ch in " \t":
        return "after space"
    if ch.isalnum() or ch == "_":
        return "after word char"
    return f"after {ch!r}"


def print_log(label: str, rows: list[dict[str, Any]], pause_ms: float) -> None:
    print(f"\n{label}: {len(rows)} upstream calls while typing")
    for r in rows:
        pause = "PAUSE" if r["pause_ms"] >= pause_ms else "     "
        print(
            f"  key {r['key']:3d} {pause} +{r['after_key_ms']:4d} ms of {r['pause_ms']:5d} ms "
            f"{r['kind']:8s} before={r['before']!r:16s} streamed={int(r['streamed'])} "
            f"{r['ms']:4d} ms shown={int(r['shown_before_next_key'])}"
        )
    summary = Counter(
        (
            r["kind"],
            "pause" if r["pause_ms"] >= pause_ms else "no pause",
            context_class(r["before"]),
        )
        for r in rows
    )
    for (kind, pause, ctx), n in sorted(summary.items()):
        print(f"  {n:3d} x {kind}, {pause}, {ctx}")
