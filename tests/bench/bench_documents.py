"""Keystrokes on a big file: one-character edits and FIM context extraction.

    .venv/bin/python -m tests.bench.bench_documents

A 10 MB, 250,000-line document. At the start, middle and end of the file:

* edit: one-character incremental ``didChange`` -- our ``Document.apply_change`` against
  pygls' ``TextDocument.apply_change`` (the baseline, measured in the same run);
* context: the FIM context at the cursor -- our ``Document.clamp`` + ``cursor_window`` (and the
  whole ``Codestral.build_job``: windows, redaction, multi-line decision) against pygls'
  ``offset_at_position`` + slicing ``source`` around the offset.

Targets: edit <= 0.5 ms, context <= 1 ms, both at least 50x faster than pygls.
"""

from __future__ import annotations

import random

from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from codestral_ls.context import cursor_window
from codestral_ls.documents import UTF16, Document, line_content
from codestral_ls.service import Codestral
from tests.bench._common import machine, median_ms, table, time_each
from tests.support.keys import PROVIDER_KEY

LINES = 250_000
TARGET_BYTES = 10 * 1024 * 1024
PREFIX_CHARS, SUFFIX_CHARS = 4500, 1500  # the defaults of codestral.completion.*

_WORDS = ["value", "count", "result", "item", "index", "total", "name", "data", "key", "node"]


def big_text(seed: int = 7) -> str:
    """Code-like lines of about 42 bytes (10 MB / 250,000 lines), some non-ASCII (accents, CJK,
    emoji) so UTF-16 columns need converting."""
    rng = random.Random(seed)
    lines = []
    for i in range(LINES):
        indent = "    " * rng.randint(0, 2)
        a, b = rng.choice(_WORDS), rng.choice(_WORDS)
        if i % 50 == 0:
            body = f"# note {i}: café – 日本語 😀 {a} {b} and {a}"
        elif i % 7 == 0:
            body = f"def {a}_{i}({b}, {a}_limit=None) -> int:"
        else:
            body = f"{a}_{i % 97} = {b}[{i % 13}] + {a}({rng.randint(0, 999)}) * 2"
        lines.append(indent + body)
    return "\n".join(lines) + "\n"


def measure(
    ours: Document, theirs: TextDocument, service: Codestral, line: int
) -> dict[str, float]:
    """Median ms of each operation at ``line`` (mid-line cursor, typing advances it)."""
    column = len(line_content(ours.lines[line])) // 2
    state = {"c": column}

    def our_edit() -> None:
        c = state["c"]
        ours.apply_change((line, c), (line, c), "x", UTF16)
        state["c"] = c + 1

    def their_edit() -> None:
        c = state["c"]
        at = types.Position(line=line, character=c)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=at, end=at), text="x"
        )
        theirs.apply_change(change)
        state["c"] = c + 1

    def our_context() -> None:
        ln, index = ours.clamp(line, column, UTF16)
        cursor_window(ours, ln, index, PREFIX_CHARS, SUFFIX_CHARS)

    def our_job() -> None:
        ln, index = ours.clamp(line, column, UTF16)
        service.build_job(ours, ln, index)

    def their_context() -> None:
        offset = theirs.offset_at_position(types.Position(line=line, character=column))
        source = theirs.source
        source[max(0, offset - PREFIX_CHARS) : offset]
        source[offset : offset + SUFFIX_CHARS]

    result = {"edit_ours": median_ms(time_each(our_edit, 3000))}
    state["c"] = column
    result["edit_pygls"] = median_ms(time_each(their_edit, 9))
    result["ctx_ours"] = median_ms(time_each(our_context, 3000))
    result["job_ours"] = median_ms(time_each(our_job, 1000))
    result["ctx_pygls"] = median_ms(time_each(their_context, 9))
    return result


def main() -> None:
    text = big_text()
    size_mb = len(text.encode()) / 1024 / 1024
    service = Codestral(env={"CODESTRAL_API_KEY": PROVIDER_KEY})
    ours = service.open_document("file:///big.py", "python", 1, text)
    theirs = TextDocument("file:///big.py", text, 1, "python", position_codec=PositionCodec())
    n_lines = ours.line_count - 1
    print(f"document: {size_mb:.1f} MB, {n_lines} lines; machine: {machine()}")

    where = {"start": 3, "middle": n_lines // 2 + 1, "end": n_lines - 3}
    rows = []
    worst = {"edit": float("inf"), "ctx": float("inf"), "job": float("inf")}
    slowest = {"edit": 0.0, "ctx": 0.0, "job": 0.0}
    for label, line in where.items():
        m = measure(ours, theirs, service, line)
        ratio_edit = m["edit_pygls"] / m["edit_ours"]
        ratio_ctx = m["ctx_pygls"] / m["ctx_ours"]
        ratio_job = m["ctx_pygls"] / m["job_ours"]
        for key, ratio, ms in (
            ("edit", ratio_edit, m["edit_ours"]),
            ("ctx", ratio_ctx, m["ctx_ours"]),
            ("job", ratio_job, m["job_ours"]),
        ):
            worst[key] = min(worst[key], ratio)
            slowest[key] = max(slowest[key], ms)
        rows.append(
            [
                label,
                m["edit_ours"],
                m["edit_pygls"],
                f"{ratio_edit:.0f}x",
                m["ctx_ours"],
                m["job_ours"],
                m["ctx_pygls"],
                f"{ratio_ctx:.0f}x",
                f"{ratio_job:.0f}x",
            ]
        )
    table(
        "median ms per operation (pygls = baseline, same run)",
        [
            "where",
            "edit ours",
            "edit pygls",
            "edit ratio",
            "ctx ours",
            "build_job",
            "ctx pygls",
            "ctx ratio",
            "job ratio",
        ],
        rows,
    )
    print(
        f"\nslowest: edit {slowest['edit']:.4f} ms (target <= 0.5), context "
        f"{slowest['ctx']:.4f} ms (target <= 1), build_job {slowest['job']:.3f} ms"
    )
    print(
        f"worst ratios vs pygls: edit {worst['edit']:.0f}x, context {worst['ctx']:.0f}x, "
        f"build_job {worst['job']:.0f}x (target >= 50x)"
    )


if __name__ == "__main__":
    main()
