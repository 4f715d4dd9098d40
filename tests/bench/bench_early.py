"""The early reveal on real code: how often the text shown before an answer has finished
streaming is a start of the final suggestion, and how much sooner it is on screen.

    python -m tests.bench.bench_early [--seeds 1-5] [--files 12] [--cuts 3]

For every case of the real-code harness (``tests/quality/realcode``: real files cut at real
cursor positions, the upstream answering the truth or the truth with a model's fault), the
answer is streamed line by line through the same pure functions the server uses
(``codestral_ls.early``, ``answer_settled``, ``apply_rules``) with the server's own cursor
window and line decision. Reported per language:

- ``revealed``: answers shown early (a complete line in before the answer was settled);
- ``grew``: the final suggestion goes on from the early text (the ghost text only grows);
- ``changed``: it does not (the ghost text changes or disappears once the answer is complete:
  the cost of showing early, target as near 0 as can be);
- ``tokens sooner``: median and p90 of the answer's tokens (4 characters each) the early text
  saves waiting for, i.e. x 10 ms at Codestral's pace.

Baseline in the same run: waiting for the whole answer (0 tokens sooner, 0 changed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections import defaultdict

from codestral_ls.context import cursor_window
from codestral_ls.documents import Document
from codestral_ls.early import early_text
from codestral_ls.multiline import decide_multiline
from codestral_ls.postprocess import answer_settled, postprocess
from tests.bench.bench_realcode import seed_list
from tests.quality.realcode.cuts import Cut
from tests.quality.realcode.faults import answers_for
from tests.quality.realcode.runner import build_corpus

PREFIX_CHARS, SUFFIX_CHARS = 4500, 1500  # the settings' defaults
CHARS_PER_TOKEN = 4


def windows(cut: Cut) -> tuple[str, str, bool]:
    doc = Document.from_text("file:///x", cut.lang, 1, cut.doc)
    before = cut.doc[: cut.start]
    line = before.count("\n")
    index = len(before) - (before.rfind("\n") + 1)
    w = cursor_window(doc, line, index, PREFIX_CHARS, SUFFIX_CHARS)
    return w.prefix, w.suffix, decide_multiline(w.prefix, w.suffix, cut.lang, "auto")


def stream(
    raw: str, prefix: str, suffix: str, multiline: bool, lang: str, truncated: bool
) -> tuple[str, int, str]:
    """(early text or "", its offset in raw, final text) as the engine would see the stream
    line by line."""

    def shown(text: str, cut: bool = False) -> str:
        return postprocess(
            text,
            prefix=prefix,
            suffix=suffix,
            multiline=multiline,
            language_id=lang,
            truncated=cut,
        )

    pos = raw.find("\n")
    while 0 <= pos < len(raw) - 1:
        so_far = raw[: pos + 1]
        settled = answer_settled(
            so_far, prefix=prefix, suffix=suffix, multiline=multiline, language_id=lang
        )
        if settled and shown(so_far):
            return "", 0, shown(so_far)  # the stream closes here: nothing to show early
        early = early_text(so_far, lambda t: shown(t, True))
        if early:
            return early, pos, shown(raw, truncated)
        pos = raw.find("\n", pos + 1)
    return "", 0, shown(raw, truncated)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=seed_list, default=seed_list("1-3"))
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--cuts", type=int, default=3)
    parser.add_argument("--show", type=int, default=10, help="changed cases to print")
    args = parser.parse_args(argv)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sooner: dict[str, list[int]] = defaultdict(list)
    shown_changes = 0
    by_fault: dict[str, int] = defaultdict(int)
    for seed in args.seeds:
        corpus = build_corpus(args.files, args.cuts, seed)
        for cut in corpus.cuts:
            prefix, suffix, multiline = windows(cut)
            rng = random.Random(f"{seed}-{cut.id}")
            for answer in answers_for(cut, rng):
                if answer.chunks > 1:
                    continue  # the same text as its one-chunk twin
                c = counts[cut.lang]
                c["answers"] += 1
                c["perfect"] += answer.fault == "perfect"
                raw = answer.text
                truncated = answer.finish_reason == "length"
                early, at, final = stream(raw, prefix, suffix, multiline, cut.lang, truncated)
                if answer.fault == "perfect" and "\n" in final.strip("\n"):
                    c["perfect_multi"] += 1
                if not early:
                    continue
                c["revealed"] += 1
                if answer.fault == "perfect":
                    c["perfect_revealed"] += 1
                if final.startswith(early):
                    c["grew"] += 1
                    sooner[cut.lang].append((len(raw) - at) // CHARS_PER_TOKEN)
                else:
                    c["changed"] += 1
                    by_fault[answer.fault] += 1
                    if shown_changes < args.show:
                        shown_changes += 1
                        print(f"--- {cut.id} ({answer.fault}): early {early!r}")
                        print(f"    final {final!r}")
    seeds = f"{args.seeds[0]}-{args.seeds[-1]}"
    print(f"\nearly reveal, seeds {seeds}: python -m tests.bench.bench_early --seeds {seeds}")
    head = f"{'language':<12}{'answers':>9}{'revealed':>10}{'grew':>8}{'changed':>9}"
    print(head + f"{'tokens sooner p50':>19}{'p90':>6}")
    total: dict[str, int] = defaultdict(int)
    for lang, c in sorted(counts.items()):
        for k, v in c.items():
            total[k] += v
        s = sorted(sooner[lang]) or [0]
        p90 = s[int(0.9 * (len(s) - 1))]
        print(
            f"{lang:<12}{c['answers']:>9}{c['revealed']:>10}{c['grew']:>8}{c['changed']:>9}"
            f"{statistics.median(s):>19g}{p90:>6}"
        )
    every = sorted(x for v in sooner.values() for x in v) or [0]
    p90 = every[int(0.9 * (len(every) - 1))]
    print(
        f"{'all':<12}{total['answers']:>9}{total['revealed']:>10}{total['grew']:>8}"
        f"{total['changed']:>9}{statistics.median(every):>19g}{p90:>6}"
    )
    print("changed, by the answer's fault:", dict(sorted(by_fault.items(), key=lambda kv: -kv[1])))
    print(
        f"perfect answers revealed early: {total['perfect_revealed']} of {total['perfect']}"
        f" ({total['perfect_multi']} shown as several lines)"
    )
    print("baseline (wait for the whole answer): 0 tokens sooner, 0 changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
