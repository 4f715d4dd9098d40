"""Suggestion quality on real code: the full run of the real-code harness.

Real files from this machine that nobody here wrote (the Python standard library, npm packages'
JavaScript/TypeScript, Neovim's Lua runtime, C headers, the JDK's Java sources, Debian's Go and
Rust standard library sources), cut at realistic cursor positions; the fake upstream answers
the truth and the truth with the faults models make; the ghost text comes through the real
server over LSP and is applied as an editor applies it. Reports per language and per fault:
perfect answers left intact (target >= 99.5%), faults repaired (>= 95%), shown answers that
break the parse (target 0), characters of the truth lost, and whether streaming in 64 chunks
gives the same text as one chunk. See tests/quality/realcode/ for how cases are made.

    python -m tests.bench.bench_realcode [--files 12] [--cuts 3] [--seed 1] [--show 20]
    python -m tests.bench.bench_realcode --seeds 16-25   # several draws: per seed, then pooled
    python -m tests.bench.bench_realcode --seeds 1-5 --langs cpp,c   # some languages only
"""

from __future__ import annotations

import argparse
import sys

from tests.quality.realcode.runner import LANGS, main_pooled
from tests.quality.realcode.runner import main as run_harness


def seed_list(spec: str) -> list[int]:
    """``16-25`` or ``1,3,5`` or ``1-3,7``."""
    seeds: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=12, help="files per language")
    parser.add_argument("--cuts", type=int, default=3, help="cuts per kind per file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--seeds", type=seed_list, help="several draws, pooled (16-25 or 1,3,5); overrides --seed"
    )
    parser.add_argument("--show", type=int, default=20, help="failures to print")
    parser.add_argument(
        "--langs", default=",".join(LANGS), help=f"languages, comma-separated ({','.join(LANGS)})"
    )
    args = parser.parse_args(argv)
    langs = tuple(lang for lang in args.langs.split(",") if lang)
    unknown = set(langs) - set(LANGS)
    if unknown:
        parser.error(f"unknown language(s): {', '.join(sorted(unknown))}")
    if args.seeds:
        outcomes = main_pooled(args.files, args.cuts, args.seeds, args.show, langs)
    else:
        outcomes = run_harness(args.files, args.cuts, args.seed, args.show, langs)
    return 0 if outcomes else 1


if __name__ == "__main__":
    sys.exit(main())
