"""Recall of repository context: is the callee's signature in the prompt at a call site?

    .venv/bin/python -m tests.bench.bench_context [--sites N] [--seed S]

On real code available on this machine (the source trees of installed Python packages, and the
JavaScript of npm itself), it picks call sites ``name(`` of functions defined in another file of
the same tree (a name defined in exactly one file, a ``def``/``function`` line), puts the cursor
right after the ``(``, and checks whether the definition's first line is in the text the model
is sent (``Job.model_prompt``), with the default budget (``context.crossFileChars`` 1500).

- workspace: ``Codestral.build_job`` with the workspace index of the tree (built in the
  background, waited for), the current file open;
- baseline (imports open): the pipeline before the index (cross-file windows from open
  documents only) with the current file and three other files open: the files it imports from
  the same tree first (what a developer tends to have open), then random files of the tree;
- baseline (random open): the same with three random other files of the tree;
- baseline (callee's file open): the callee's own file and two random ones, the most the
  open-documents pipeline could see.

Target: workspace recall >= 0.8 and >= 2x the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import site
import sys
import time
from dataclasses import dataclass

from codestral_ls.context import build_job as bare_build_job
from codestral_ls.crossfile import SnippetIndex
from codestral_ls.service import Codestral
from codestral_ls.workspace.files import Discovery, discover, language_of
from codestral_ls.workspace.imports import head, parse_imports
from codestral_ls.workspace.symbols import definitions
from tests.bench._common import machine, table

LANGUAGE_IDS = {"python": "python", "javascript": "javascript", "typescript": "typescript"}


def trees() -> list[tuple[str, str]]:
    packages = site.getsitepackages()[0]
    found = [
        (name, os.path.join(packages, folder))
        for name, folder in (
            ("httpx", "httpx"),
            ("pygls", "pygls"),
            ("lsprotocol", "lsprotocol"),
            ("attrs", "attr"),
            ("hypothesis", "hypothesis"),
        )
    ]
    for name, folder in (("npm (js)", "/usr/lib/node_modules/npm/lib"),):
        found.append((name, folder))
    return [(n, f) for n, f in found if os.path.isdir(f)]


@dataclass(frozen=True)
class Site:
    path: str  # the file with the call
    line: int
    column: int  # right after "("
    signature: str  # the callee's definition line, stripped
    imports: tuple[str, ...]  # files of the tree the file imports
    callee_file: str


def _read(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines(keepends=True)


def call_sites(root: str, count: int, rng: random.Random) -> list[Site]:
    files = [os.path.join(root, rel) for rel in discover(root, (), Discovery())]
    lines_of = {path: _read(path) for path in files}
    defined: dict[str, list[tuple[str, str]]] = {}
    for path, lines in lines_of.items():
        language = language_of(path)
        for d in definitions(lines, language or ""):
            if d.kind == "function" and len(d.name) > 3 and not d.name.startswith("__"):
                defined.setdefault(d.name, []).append((path, lines[d.line].strip()))
    unique = {name: spots[0] for name, spots in defined.items() if len(spots) == 1}
    call = re.compile(r"\b([A-Za-z_$][\w$]*)\(")
    sites: list[Site] = []
    for path, lines in lines_of.items():
        local = {d.name for d in definitions(lines, language_of(path) or "")}
        imports = _imported_files(path, root, lines, files)
        for number, text in enumerate(lines):
            stripped = text.lstrip()
            if stripped.startswith(("def ", "async def ", "function ", "#", "//", "*")):
                continue
            for match in call.finditer(text):
                name = match.group(1)
                spot = unique.get(name)
                if spot is None or spot[0] == path or name in local:
                    continue
                sites.append(Site(path, number, match.end(), spot[1], imports, spot[0]))
    rng.shuffle(sites)
    return sites[:count]


def _imported_files(path: str, root: str, lines: list[str], files: list[str]) -> tuple[str, ...]:
    display = os.path.relpath(path, root)
    stems = {os.path.splitext(os.path.relpath(f, root))[0]: f for f in files}
    out: list[str] = []
    for imp in parse_imports(head(lines), language_of(path) or "", display):
        for key in imp.keys:
            for stem, full in stems.items():
                if (stem == key or stem.endswith("/" + key) or stem == key + "/__init__") and (
                    full != path and full not in out
                ):
                    out.append(full)
    return tuple(out)


async def workspace_recall(root: str, sites: list[Site]) -> tuple[float, float]:
    service = Codestral(env={"CODESTRAL_API_KEY": "bench"})
    service.set_root(root)
    service.set_folders([root])
    service.apply_settings()
    started = time.monotonic()
    service.start_workspace()
    while service.status()["workspace"]["state"] != "ready":
        await asyncio.sleep(0.01)
    seconds = time.monotonic() - started
    hits = 0
    for n, s in enumerate(sites):
        uri = f"file://{s.path}"
        language = LANGUAGE_IDS.get(language_of(s.path) or "", "python")
        doc = service.open_document(uri, language, 1, "".join(_read(s.path)), path=s.path)
        job = service.build_job(doc, s.line, s.column)
        hits += s.signature in job.model_prompt
        service.close_document(uri)
        del n
    return hits / max(1, len(sites)), seconds


def baseline_recall(root: str, sites: list[Site], rng: random.Random, mode: str) -> float:
    """``mode``: which three other files are open: "imports", "random" or "callee" (the
    callee's own file and two random ones: the most the open-documents pipeline could see)."""
    service = Codestral(env={"CODESTRAL_API_KEY": "bench"})
    service.set_root(root)
    service.apply_settings()
    files = [os.path.join(root, rel) for rel in discover(root, (), Discovery())]
    hits = 0
    for s in sites:
        others = {"imports": list(s.imports[:3]), "callee": [s.callee_file]}.get(mode, [])
        pool = [f for f in files if f != s.path and f not in others]
        others += rng.sample(pool, min(len(pool), 3 - len(others)))
        docs = []
        for path in [s.path, *others]:
            language = LANGUAGE_IDS.get(language_of(path) or "", "python")
            docs.append(
                service.open_document(f"file://{path}", language, 1, "".join(_read(path)), path)
            )
        doc = docs[0]
        built = bare_build_job(
            doc, s.line, s.column, service.settings, docs[1:], service.relative_path,
            SnippetIndex(),
        )  # fmt: skip
        hits += s.signature in built.job.model_prompt
        for d in docs:
            service.close_document(d.uri)
    return hits / max(1, len(sites))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    print(f"bench_context: {machine()}")
    rows = []
    totals = [0.0, 0.0, 0.0, 0, 0.0]
    for name, root in trees():
        rng = random.Random(args.seed)
        sites = call_sites(root, args.sites, rng)
        if not sites:
            continue
        recall, seconds = asyncio.run(workspace_recall(root, sites))
        base_imports = baseline_recall(root, sites, random.Random(args.seed), "imports")
        base_random = baseline_recall(root, sites, random.Random(args.seed), "random")
        base_callee = baseline_recall(root, sites, random.Random(args.seed), "callee")
        rows.append((name, len(sites), recall, base_imports, base_random, base_callee, seconds))
        totals[0] += recall * len(sites)
        totals[1] += base_imports * len(sites)
        totals[2] += base_random * len(sites)
        totals[3] += len(sites)
        totals[4] += base_callee * len(sites)
    n = max(1, int(totals[3]))
    overall = (totals[0] / n, totals[1] / n, totals[2] / n, totals[4] / n)
    rows.append(("all", n, *overall, 0.0))
    table(
        "callee signature in the prompt at call sites (cursor after '(')",
        ["tree", "sites", "workspace", "baseline: imports open", "random open",
         "callee's file open", "index s"],
        rows,
    )  # fmt: skip
    ratio = overall[0] / overall[1] if overall[1] else float("inf")
    print(
        f"\nrecall {overall[0]:.2f} vs baseline {overall[1]:.2f} (imports open; "
        f"{overall[2]:.2f} random open, {overall[3]:.2f} with the callee's file open): "
        f"{ratio:.1f}x; target >= 0.8 and >= 2x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
