"""Run the real-code cases through the real server over LSP and score what the editor shows.

One server process (``python -m codestral_ls`` over stdio, driven by pygls' LanguageClient
as an editor would) in front of the fake upstream (``tests/fakes/mistral.py``, real HTTP on
127.0.0.1). For each cut the document with the middle cut out is opened, the fake is told what
to answer, ghost text is asked for at the cursor, and the item is applied as an editor applies
it: ``insertText`` replaces ``range`` (which may cover text after the cursor, a closer).
The cache is off, so asking twice (one chunk, then 64) asks the upstream twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from codestral_ls.privacy import is_secret_file
from tests.fakes.mistral import FakeMistral, Recorded, Reply
from tests.quality.realcode.cuts import Cut, cuts_for
from tests.quality.realcode.faults import Answer, answers_for
from tests.quality.realcode.parsing import checker_missing, parses
from tests.quality.realcode.sources import ORIGINS, missing, pick
from tests.support.keys import PROVIDER_KEY

KEY = PROVIDER_KEY
LANGS = tuple(ORIGINS)


@dataclass(frozen=True)
class Outcome:
    cut: Cut
    answer: Answer
    shown: str  # the inserted text ("" when nothing was shown)
    result: str  # the document after applying the item (the doc itself when nothing shown)
    covered: str  # the text after the cursor the item's range replaced

    @property
    def nothing(self) -> bool:
        return not self.shown and not self.covered

    @property
    def exact(self) -> bool:
        return self.result == self.cut.original

    @property
    def parse_broken(self) -> bool:
        """Something was shown and the file no longer parses (the original did)."""
        return not self.nothing and not self.exact and not parses(self.cut.lang, self.result)

    @property
    def safe_prefix(self) -> bool:
        """A start of the truth that leaves the file parsing (all a cut answer can give)."""
        return (
            not self.covered
            and self.cut.truth.startswith(self.shown)
            and parses(self.cut.lang, self.result)
        )

    @property
    def ok(self) -> bool:
        if self.answer.fault.startswith("perfect"):
            return self.exact
        if self.answer.expect == "prefix":
            return self.exact or self.nothing or self.safe_prefix
        return self.exact or self.nothing

    @property
    def lost(self) -> int:
        """Characters of the truth the user does not get."""
        if self.exact:
            return 0
        n = 0
        for a, b in zip(self.shown, self.cut.truth, strict=False):
            if a != b:
                break
            n += 1
        return len(self.cut.truth) - n


@dataclass
class Corpus:
    cuts: list[Cut] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per language left out, why


def build_corpus(
    files_per_lang: int, cuts_per_kind: int, seed: int, langs: tuple[str, ...] = LANGS
) -> Corpus:
    """Deterministic: the same seed and machine state give the same cuts."""
    corpus = Corpus()
    for lang in langs:
        why = missing(lang) or checker_missing(lang)
        if why:
            corpus.skipped.append(why)
            continue
        rng = random.Random(f"{seed}-{lang}-cuts")
        # the real files a grammar already chokes on (macros, new syntax) cannot be scored, nor
        # those the server never sends upstream by design (privacy: `secrets.py` shows nothing)
        files = [
            f
            for f in pick(lang, files_per_lang * 3, seed)
            if parses(lang, f.text) and not is_secret_file(f.name.replace("!", "/"))
        ]
        for source in files[:files_per_lang]:
            corpus.cuts += cuts_for(lang, source.name, source.text, rng, cuts_per_kind)
    return corpus


def utf16_position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    column = len(text[start:offset].encode("utf-16-le")) // 2
    return types.Position(line=line, character=column)


def utf16_offset(text: str, position: types.Position) -> int:
    start = 0
    for _ in range(position.line):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    line = text[start : len(text) if end < 0 else end]
    units = 0
    for i, ch in enumerate(line):
        if units >= position.character:
            return start + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return start + len(line)


def settings(base_url: str) -> dict[str, object]:
    return {
        "route": "direct",
        "baseUrl": base_url,
        # maxTokens counts the fake's chunks: high enough that only the max_tokens faults stop
        "completion": {"debounceMs": 0, "timeoutMs": 10000, "maxTokens": 4096},
        "context": {"crossFile": False},
        "cache": {"size": 0},  # so the 64-chunk answer is asked for again, not reused
    }


@contextlib.asynccontextmanager
async def server(fake: FakeMistral) -> AsyncIterator[LanguageClient]:
    client = LanguageClient("realcode-harness", "1")
    client.feature("codestral/status")(lambda params: None)
    client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: None)
    client.feature(types.WINDOW_LOG_MESSAGE)(lambda params: None)
    env = {**os.environ, "CODESTRAL_API_KEY": KEY}
    await client.start_io(sys.executable, "-m", "codestral_ls", env=env)
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                general=types.GeneralClientCapabilities(
                    position_encodings=[types.PositionEncodingKind.Utf16]
                ),
                text_document=types.TextDocumentClientCapabilities(
                    inline_completion=types.InlineCompletionClientCapabilities()
                ),
            ),
            initialization_options={"codestral": settings(fake.base_url)},
            root_uri="file:///work/realcode",
        )
    )
    client.initialized(types.InitializedParams())
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_async(None), 5)
            client.exit(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), 5)


def _apply(doc: str, cursor: int, item: types.InlineCompletionItem | None) -> tuple[str, str, str]:
    """(inserted text, document after applying the item, text after the cursor replaced)."""
    if item is None:
        return "", doc, ""
    text = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
    if item.range is None:
        start = end = cursor
    else:
        start, end = utf16_offset(doc, item.range.start), utf16_offset(doc, item.range.end)
    if start != cursor:
        raise AssertionError(f"the item's range starts at {start}, not at the cursor {cursor}")
    return text, doc[:start] + text + doc[end:], doc[cursor:end]


async def run(
    client: LanguageClient, fake: FakeMistral, cuts: list[Cut], seed: int
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for n, cut in enumerate(cuts):
        uri = f"file:///work/realcode/{n}/{cut.source.replace('!', '/')}"
        doc = cut.doc
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=cut.lang, version=1, text=doc
                )
            )
        )
        rng = random.Random(f"{seed}-{cut.id}")
        for answer in answers_for(cut, rng):
            reply = Reply(chunks=answer.pieces(), finish_reason=answer.finish_reason)
            fake.responder = lambda rec, reply=reply: _reply_for(rec, reply)
            result = await client.text_document_inline_completion_async(
                types.InlineCompletionParams(
                    context=types.InlineCompletionContext(
                        trigger_kind=types.InlineCompletionTriggerKind.Automatic
                    ),
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=utf16_position(doc, cut.start),
                )
            )
            items = (
                []
                if result is None
                else result.items
                if isinstance(result, types.InlineCompletionList)
                else result
            )
            shown, after, covered = _apply(doc, cut.start, items[0] if items else None)
            outcomes.append(Outcome(cut, answer, shown, after, covered))
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    return outcomes


def _reply_for(rec: Recorded, reply: Reply) -> Reply:
    return reply


async def run_corpus(corpus: Corpus, seed: int) -> list[Outcome]:
    fake = FakeMistral(api_key=KEY).start()
    try:
        async with server(fake) as client:
            return await run(client, fake, corpus.cuts, seed)
    finally:
        fake.stop()


# --- the report -------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}% ({part}/{whole})" if whole else "   n/a"


def report(corpus: Corpus, outcomes: list[Outcome], seconds: float) -> str:
    lines = [
        f"real-code harness: {len(corpus.cuts)} cuts, {len(outcomes)} answers through the "
        f"real server in {seconds:.1f} s"
    ]
    lines += [f"SKIPPED {why}" for why in corpus.skipped]
    by_lang: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_lang[o.cut.lang].append(o)
    lines.append(
        "perfect answers left intact (target >= 99.5%), single-line | multi-line; "
        "faults repaired (target >= 95%); shown but no longer parses (target 0)"
    )
    for lang, outs in sorted(by_lang.items()):
        lines.append(f"  {lang:<11} {language_line(outs)}")
    lines.append("per fault: ok | exact | nothing shown | broken parse | chars of truth lost")
    by_fault: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_fault[o.answer.fault].append(o)
    for fault, outs in sorted(by_fault.items()):
        lines.append(
            f"  {fault:<24} {_pct(sum(o.ok for o in outs), len(outs))}  "
            f"exact {sum(o.exact for o in outs):>4}  nothing {sum(o.nothing for o in outs):>4}  "
            f"broken {sum(o.parse_broken for o in outs):>3}  lost "
            f"{sum(o.lost for o in outs)}/{sum(len(o.cut.truth) for o in outs)}"
        )
    kinds = Counter(o.cut.kind for o in outcomes if o.answer.fault == "perfect")
    lines.append("cuts per kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    lines.append(f"streaming consistency: {stream_consistency(outcomes)}")
    return "\n".join(lines)


def language_line(outs: list[Outcome]) -> str:
    """One language's figures: intact single | multi-line, faults repaired, broken parse."""
    perfect = [o for o in outs if o.answer.fault.startswith("perfect")]
    single = [o for o in perfect if not o.cut.multiline]
    multi = [o for o in perfect if o.cut.multiline]
    faults = [o for o in outs if not o.answer.fault.startswith("perfect")]
    return (
        f"intact {_pct(sum(o.ok for o in single), len(single))} | "
        f"{_pct(sum(o.ok for o in multi), len(multi))}  repaired "
        f"{_pct(sum(o.ok for o in faults), len(faults))}  broken parse "
        f"{sum(o.parse_broken for o in outs)}"
    )


def stream_consistency(outcomes: list[Outcome]) -> str:
    """Same ghost text for one chunk and for 64 chunks?"""
    seen: dict[tuple[int, str], Outcome] = {}
    same = total = 0
    for o in outcomes:
        base = o.answer.fault.removesuffix("_stream64")
        key = (id(o.cut), base)  # the cut object: pooled seeds may draw the same place twice
        if key in seen:
            total += 1
            same += (seen[key].shown, seen[key].covered) == (o.shown, o.covered)
        else:
            seen[key] = o
    return f"{same}/{total} identical"


def failures(outcomes: list[Outcome], limit: int = 20) -> list[str]:
    out = []
    for o in outcomes:
        if not o.ok or o.parse_broken:
            out.append(
                f"{o.cut.id} [{o.answer.fault}]{' BREAKS-PARSE' if o.parse_broken else ''} "
                f"truth={o.cut.truth!r} "
                f"shown={o.shown!r} covered={o.covered!r}"
            )
    return out[:limit]


def main(
    files_per_lang: int, cuts_per_kind: int, seed: int, show: int, langs: tuple[str, ...] = LANGS
) -> list[Outcome]:
    t0 = time.perf_counter()
    corpus = build_corpus(files_per_lang, cuts_per_kind, seed, langs)
    t1 = time.perf_counter()
    outcomes = asyncio.run(run_corpus(corpus, seed))
    print(f"(corpus built in {t1 - t0:.1f} s)")
    print(report(corpus, outcomes, time.perf_counter() - t1))
    for line in failures(outcomes, show):
        print("FAIL", line)
    return outcomes


def main_pooled(
    files_per_lang: int,
    cuts_per_kind: int,
    seeds: list[int],
    show: int,
    langs: tuple[str, ...] = LANGS,
) -> list[Outcome]:
    """Several seeds: each seed's figures per language, then the pooled report."""
    t0 = time.perf_counter()
    pooled = Corpus()
    outcomes: list[Outcome] = []
    per_seed: list[tuple[int, list[Outcome]]] = []
    for seed in seeds:
        corpus = build_corpus(files_per_lang, cuts_per_kind, seed, langs)
        outs = asyncio.run(run_corpus(corpus, seed))
        pooled.cuts += corpus.cuts
        pooled.skipped = sorted(set(pooled.skipped) | set(corpus.skipped))
        outcomes += outs
        per_seed.append((seed, outs))
        print(f"seed {seed}: {len(outs)} answers", flush=True)
        for line in failures(outs, show):
            print(f"FAIL seed {seed}", line)
    print("per seed and language:")
    for seed, outs in per_seed:
        by_lang: dict[str, list[Outcome]] = defaultdict(list)
        for o in outs:
            by_lang[o.cut.lang].append(o)
        for lang, lang_outs in sorted(by_lang.items()):
            print(f"  seed {seed:<3} {lang:<11} {language_line(lang_outs)}")
    print(f"POOLED over seeds {', '.join(map(str, seeds))}:")
    print(report(pooled, outcomes, time.perf_counter() - t0))
    return outcomes
