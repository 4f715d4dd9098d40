"""Semantic retrieval (``context.embeddings``): what it costs and, with the fake's vector
model, what it finds that lexical retrieval misses.

1. Recall, embeddings on vs off, on 48 synthetic pairs: a function in the workspace and code at
   the cursor that does the same under other names (synonyms: load/fetch/read, account/user,
   settings/config...), hidden among the real chunks of httpx's, pygls' and lsprotocol's
   sources. Lexical: the workspace index's Jaccard similarity of identifiers (its threshold);
   semantic: the fake's vector model (tests/fakes/mistral.py ``fake_embedding``), which knows
   those synonyms by construction. So this measures the plumbing (chunks, store, search), NOT
   mistral-embed's quality, which cannot be measured offline.
2. Cost: the nearest-neighbour search over 2,000 / 10,000 / 20,000 stored 1,024-dimension
   vectors (run off the keystroke path, when a query embedding arrives), and the keystroke's
   own share (the query's hash and a dictionary lookup) on a 5,000-line document.

Run: .venv/bin/python -m tests.bench.bench_semantic
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
from array import array
from itertools import product

from codestral_ls.documents import Document
from codestral_ls.workspace.embedstore import EmbeddingStore, key_of
from codestral_ls.workspace.semantic import chunk_file, query_text
from tests.bench._common import machine, median_ms, p90_ms, table, time_each
from tests.fakes.mistral import fake_embedding

MODEL = "mistral-embed"
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
MIN_SIMILARITY = 0.12  # the workspace index's (retrieve.MIN_SIMILARITY)
TOP = 4
VERBS = [("load", "fetch"), ("save", "store"), ("remove", "delete"), ("send", "dispatch"),
         ("parse", "decode"), ("check", "validate")]  # fmt: skip
NOUNS = [("account", "user"), ("settings", "config"), ("message", "note"), ("cache", "memo")]
THINGS = ["invoice", "order"]


def haystack() -> list[str]:
    texts: list[str] = []
    for package in ("httpx", "pygls", "lsprotocol"):
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None
        for folder, _dirs, files in os.walk(os.path.dirname(spec.origin)):
            for name in sorted(files):
                if name.endswith(".py"):
                    found = chunk_file(os.path.join(folder, name), MODEL)
                    if found:
                        texts.extend(found[1].values())
    return texts


def pairs() -> list[tuple[str, str]]:
    out = []
    for (v1, v2), (n1, n2), thing in product(VERBS, NOUNS, THINGS):
        target = (
            f"def {v1}_{n1}_{thing}({n1}_key, {thing}_number):\n"
            f'    """{v1.title()} the {thing} of one {n1}."""\n'
            f"    row = backend.{v1}({n1}_key)\n"
            f"    return row.{thing}s[{thing}_number]\n"
        )
        query = (
            f"class Handler:\n    def on_request(self, request):\n"
            f"        {n2}_id = request.args['{n2}']\n"
            f"        return self.{v2}_{n2}_{thing}_for({n2}_id, "
        )
        out.append((target, query))
    return out


def ids(text: str) -> set[str]:
    return set(IDENT.findall(text))


def lexical_top(query: str, chunks: list[set[str]]) -> list[int]:
    q = ids(query)
    scored = []
    for n, c in enumerate(chunks):
        common = len(q & c)
        score = common / (len(q) + len(c) - common) if common else 0.0
        if score >= MIN_SIMILARITY:
            scored.append((score, n))
    return [n for _s, n in sorted(scored, reverse=True)[:TOP]]


def main() -> None:
    print(f"bench_semantic on {machine()}")
    texts = haystack()
    tasks = pairs()
    targets = [t for t, _q in tasks]
    chunks = texts + targets
    store = EmbeddingStore("/nonexistent/bench.bin", MODEL)
    for text in chunks:
        store.add(key_of(text, MODEL), array("f", fake_embedding(text)))
    chunk_ids = [ids(c) for c in chunks]
    slots = list(range(len(chunks)))
    hits = {"off": 0, "on": 0, "semantic only": 0}
    for n, (_target, query) in enumerate(tasks):
        want = len(texts) + n
        lexical = want in lexical_top(query, chunk_ids)
        near = store.nearest(array("f", fake_embedding(query)), slots, TOP)
        semantic = want in [i for score, i in near if score >= 0.35]
        hits["off"] += lexical
        hits["on"] += lexical or semantic
        hits["semantic only"] += semantic
    rows = [(k, f"{v}/{len(tasks)}", round(v / len(tasks), 2)) for k, v in hits.items()]
    table(
        f"Recall@{TOP}: the paraphrased function among {len(chunks):,} chunks "
        "(with the fake's vector model)",
        ["embeddings", "found", "recall"],
        rows,
    )

    rng = random.Random(7)
    rows = []
    base = [array("f", fake_embedding(t)) for t in chunks[:2000]]
    for size in (2000, 10_000, 20_000):
        big = EmbeddingStore("/nonexistent/big.bin", MODEL)
        for n in range(size):
            big.add(n.to_bytes(16, "little"), base[rng.randrange(len(base))])
        query = array("f", fake_embedding(tasks[0][1]))
        candidates = list(range(size))
        samples = time_each(lambda b=big, c=candidates, q=query: b.nearest(q, c, 12), 30)
        rows.append((f"{size:,}", round(median_ms(samples), 2), round(p90_ms(samples), 2)))
    table("Nearest-neighbour search (off the keystroke path)", ["vectors", "median ms", "p90 ms"],
          rows)  # fmt: skip

    text = "".join(f"    value_{n} = compute(value_{n - 1}, {n})\n" for n in range(5000))
    doc = Document("file:///bench.py", "python", 1, text)
    line = 4000
    samples = time_each(lambda: hash(query_text(doc, line, 10)), 2000)
    table("Keystroke share: query text + hash (5,000-line document)", ["median ms", "p90 ms"],
          [(round(median_ms(samples), 4), round(p90_ms(samples), 4))])  # fmt: skip


if __name__ == "__main__":
    main()
