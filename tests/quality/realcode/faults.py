"""What the fake upstream answers for a cut: the truth, or the truth with a fault models make.

Each ``Answer`` says how it is streamed (one chunk, or split in 64) and whether the upstream
says it stopped at ``max_tokens`` (``finish_reason: "length"``), as the real API does. ``expect``
is what a correct server shows:

- ``truth``   the truth, exactly (the fault can be repaired)
- ``prefix``  the truth, or a start of it that still parses, or nothing (the answer was cut by
              the token limit: the rest cannot be saved)
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

from tests.quality.realcode.cuts import Cut

SPECIAL_TOKENS = ("</s>", "<|endoftext|>", "[SUFFIX]", "[PREFIX]", "[MIDDLE]")
FENCE_NAMES = {"javascript": "js", "typescript": "ts", "cpp": "c++"}


@dataclass(frozen=True)
class Answer:
    fault: str
    text: str
    chunks: int = 1  # 1: the whole answer in one chunk; n: split into n pieces
    finish_reason: str = "stop"
    expect: str = "truth"  # "truth" | "prefix"

    def pieces(self) -> list[str]:
        if self.chunks <= 1 or len(self.text) < 2:
            return [self.text]
        n = min(self.chunks, len(self.text))
        bounds = [round(i * len(self.text) / n) for i in range(n + 1)]
        return [self.text[a:b] for a, b in itertools.pairwise(bounds)]


def _suffix_lines(cut: Cut, count: int) -> str:
    """The suffix up to the end of its ``count``-th non-blank line (what a model re-types)."""
    suffix = cut.suffix
    pos, seen = 0, 0
    lines = suffix.split("\n")
    for i, line in enumerate(lines):
        pos += len(line) + (1 if i < len(lines) - 1 else 0)
        if line.strip() and i > 0:
            seen += 1
        if seen >= count:
            return suffix[: pos - (1 if i < len(lines) - 1 else 0)]
    return suffix.rstrip()


_NUMBER = re.compile(r"\d+(?!.*\d)")
_LAST_WORD = re.compile(r"[A-Za-z_]\w*(?!.*[A-Za-z_])")


def _variant(line: str, step: int) -> str | None:
    """The line with its last number counted up, or its last word's last letter moved on;
    None for a line without either (``});``: a model repeats those exactly)."""
    m = _NUMBER.search(line)
    if m:
        return line[: m.start()] + str(int(m.group()) + step) + line[m.end() :]
    m = _LAST_WORD.search(line)
    if not m:
        return None
    word = m.group()
    last = chr((ord(word[-1].lower()) - 97 + step) % 26 + 97) if word[-1].isalpha() else "x"
    return line[: m.start()] + word[:-1] + last + line[m.end() :]


def _last_line_in_file(cut: Cut) -> str:
    """The truth's last line as it sits in the file (with its indentation)."""
    start = cut.original.rfind("\n", 0, cut.end) + 1
    return cut.original[start : cut.end]


def _new_definition(cut: Cut, indent: str) -> str:
    """A run-on: a new definition at ``indent`` (what a model writes after a finished block)."""
    body = indent + ("    " if "\t" not in indent else "\t")
    if cut.lang == "python":
        return f"{indent}def helper(self, value):\n{body}return value\n\n{indent}def other("
    if cut.lang == "lua":
        return f"{indent}local function helper(value)\n{body}return value\n{indent}end\n"
    if cut.lang == "go":
        return f"{indent}func helper(value int) int {{\n{body}return value\n{indent}}}\n"
    if cut.lang == "rust":
        return f"{indent}fn helper(value: i32) -> i32 {{\n{body}value\n{indent}}}\n"
    return f"{indent}function helper(value) {{\n{body}return value;\n{indent}}}\n"


def answers_for(cut: Cut, rng: random.Random) -> list[Answer]:
    truth = cut.truth
    out = [
        Answer("perfect", truth),
        Answer("perfect_stream64", truth, chunks=64),
        Answer("fence", f"```{FENCE_NAMES.get(cut.lang, cut.lang)}\n{truth}\n```"),
        Answer("special_token", _with_special_token(cut, rng)),
    ]
    if _space_is_wrong(cut):
        out.append(Answer("leading_space", " " + truth))
    retyped = truth + _suffix_lines(cut, 2)
    if retyped != truth:
        out.append(Answer("retyped_suffix", retyped))
        out.append(Answer("retyped_suffix_stream64", retyped, chunks=64))
    out.append(_repetition(cut, rng))
    if cut.multiline:
        cut_at = rng.randint(len(truth) // 2, max(len(truth) // 2, len(truth) - 2))
        out.append(Answer("max_tokens", truth[:cut_at], finish_reason="length", expect="prefix"))
        overlong = _overlong(cut)
        if overlong is not None:
            out.append(Answer("overlong", overlong, finish_reason="length"))
    return out


def _space_is_wrong(cut: Cut) -> bool:
    """Where a model's extra leading space is unambiguously wrong: at the indentation of a
    blank line, before a line break, after a space, an opening bracket or a dot. (After
    ``,`` or ``=`` a space is a matter of the file's style.)"""
    before = cut.prefix[cut.prefix.rfind("\n") + 1 :]
    if not before.strip():
        # at a whole level of indentation; at an odd column the space may align the line
        return len(before.expandtabs(4)) % 2 == 0
    if before.endswith(("(", "[")):
        return before[-1] + " " not in cut.prefix[-3000:]  # unless the file writes `( a`
    return cut.truth.startswith("\n") or before.endswith((" ", "\t", "."))


def _with_special_token(cut: Cut, rng: random.Random) -> str:
    token = rng.choice(SPECIAL_TOKENS)
    tail = {
        "[SUFFIX]": _suffix_lines(cut, 1),
        "[PREFIX]": cut.prefix[-80:],
        "[MIDDLE]": cut.truth,
    }.get(token, "\n" + _suffix_lines(cut, 2))
    return cut.truth + token + tail


def _repetition(cut: Cut, rng: random.Random) -> Answer:
    """Runaway repetition up to the token limit: the last line again and again (exactly or
    counting a number or letter up), or on one line ``x = foo = foo = foo``."""
    truth = cut.truth
    if not cut.multiline:
        before = cut.prefix[cut.prefix.rfind("\n") + 1 :]
        words = r"|\bor|\band" if cut.lang in ("python", "lua") else ""
        sep = re.search(rf"\s*(?:=|,|\+|\|\||&&{words})\s*$", before)
        if sep and sep.group().strip():
            run = truth + "".join(sep.group() + truth for _ in range(8))
            return Answer("repetition", run[:300], finish_reason="length")
    last = _last_line_in_file(cut)
    near = rng.random() < 0.5 and _variant(last, 1) is not None
    copies = [(_variant(last, i + 1) or last) if near else last for i in range(12)]
    run = truth + "".join("\n" + c for c in copies)
    return Answer(
        "near_repetition" if near else "repetition",
        run[: len(run) - len(copies[-1]) // 2],  # the token limit cuts the last copy
        finish_reason="length",
    )


def _overlong(cut: Cut) -> str | None:
    """The truth finishes its block; the model re-types the block's end and runs on into a new
    definition until the token limit. None when the truth does not end a block."""
    suffix_lines = [x for x in cut.suffix.split("\n")[1:] if x.strip()]
    line = cut.original[cut.original.rfind("\n", 0, cut.start) + 1 : cut.start]
    # after an opener the block is one level deeper than its line
    level = len(line) - len(line.lstrip()) + 1 if line.strip() else len(line)
    after = suffix_lines[0] if suffix_lines else None
    if after is not None and len(after) - len(after.lstrip()) >= level:
        return None  # the cursor's block goes on after the truth
    closer = after if after is not None and not re.search(r"\w", after.replace("end", "")) else ""
    rest = suffix_lines[1:] if closer else suffix_lines
    # the new definition sits at the first level below the cursor's block, as the next code
    outer = next((x for x in rest if len(x) - len(x.lstrip()) < level), "")
    indent = outer[: len(outer) - len(outer.lstrip())]
    return cut.truth + ("\n" + closer if closer else "") + "\n\n" + _new_definition(cut, indent)
