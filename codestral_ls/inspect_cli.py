"""``codestral-ls inspect``: the inspector log a running (or past) server wrote, for people.

The server appends one JSON line per completion request to ``inspector.jsonl`` in the cache
directory when ``codestral.inspector.log`` is on (keys already scrubbed); this reads the last N.
Reading a file rather than asking a running server works whichever editor started it, and after
it exited."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from codestral_ls.telemetry.inspector import LOG_NAME, read_log
from codestral_ls.telemetry.ledger import cache_dir

TEXT_PREVIEW = 400


def print_inspector_log(path: str | None, last: int, as_json: bool) -> int:
    log_path = Path(path) if path else cache_dir(os.environ) / LOG_NAME
    try:
        records = read_log(log_path, last)
    except FileNotFoundError:
        print(
            f"codestral-ls: no inspector log at {log_path}; turn on codestral.inspector.log "
            "(or use the editor's Inspect command, which asks the running server)",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        print(f"codestral-ls: cannot read {log_path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for record in records:
        print(json.dumps(record, ensure_ascii=False) if as_json else render(record))
    return 0


def render(r: dict[str, Any]) -> str:
    """One request as readable text (also what the Neovim scratch buffer shows)."""
    t = r.get("timings") or {}
    tokens = r.get("tokens") or {}
    pos = r.get("position") or {}
    lines = [
        f"=== {r.get('file')}:{pos.get('line', 0) + 1}:{pos.get('index', 0) + 1}"
        f"  {r.get('language')}  id={r.get('id')}  outcome={r.get('outcome', '-')}",
        f"source: {r.get('source')}   stage: {r.get('stage')}   route: {r.get('route')}"
        f"   trace: {r.get('traceId')}",
        f"timings: debounce {t.get('debounceMs')} ms, first byte {t.get('firstByteMs')} ms,"
        f" upstream {t.get('upstreamMs')} ms, total {t.get('totalMs')} ms",
        f"tokens: prompt {tokens.get('prompt')}, completion {tokens.get('completion')}"
        + (" (estimated)" if tokens.get("estimated") else ""),
        f"sent: prefix {r.get('prefixChars')} chars, suffix {r.get('suffixChars')} chars,"
        f" multiline {r.get('multiline')}, redactions {r.get('redactions')}",
    ]
    for snippet in (r.get("sent") or {}).get("snippets") or []:
        lines.append(f"  snippet from {snippet['path']} ({snippet['chars']} chars)")
    lines += [
        "--- prefix (end)",
        _preview(str(r.get("prefix") or ""), tail=True),
        "--- suffix (start)",
        _preview(str(r.get("suffix") or "")),
        "--- raw answer",
        str(r.get("raw")),
        f"--- rules that changed it: {', '.join(r.get('rules') or []) or 'none'}",
        "--- shown",
        str(r.get("shown")),
    ]
    if r.get("error"):
        lines.append(f"--- error: {r['error']}")
    return "\n".join(lines) + "\n"


def _preview(text: str, tail: bool = False) -> str:
    if len(text) <= TEXT_PREVIEW:
        return text
    return "…" + text[-TEXT_PREVIEW:] if tail else text[:TEXT_PREVIEW] + "…"
