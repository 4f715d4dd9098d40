"""First text early: a single-line answer is shown as soon as its line is complete.

    .venv/bin/python -m tests.bench.bench_first_text

The fake upstream streams 64 tokens at 15 ms each (about 0.95 s for the whole generation); the
first line of the answer is complete after 4 tokens. The cursor is at the end of a line
(``return |``), so the server wants one line: it answers as soon as that line is complete and
closes the stream then. Baselines from the same run, waiting for the whole generation:

* ``completion.multiline: "always"`` -- the same stream read to its end;
* ``completion.stream: false`` -- a non-streamed answer, which the real API sends only once the
  generation is over (the fake is told to wait 63 token delays before answering).

Target: time to the answer <= 0.3x the baseline.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from tests.bench._common import machine, table
from tests.bench._first_text import CURSOR, DOC, FIRST_LINE, TOKEN_DELAY, chunks
from tests.bench._lsp import settings_for
from tests.fakes.mistral import FakeMistral, Recorded, Reply
from tests.support.keys import PROVIDER_KEY
from tests.support.session import open_session

URI = "file:///work/project/first_text.py"
ROUNDS = 5


def responder(rec: Recorded) -> Reply:
    tokens = chunks()
    if rec.json.get("stream"):
        return Reply(chunks=tokens, token_delay=TOKEN_DELAY)
    # Non-streamed: the whole generation happens before the answer is sent.
    return Reply(chunks=tokens, delay=TOKEN_DELAY * (len(tokens) - 1))


async def measure(fake: FakeMistral, label: str, **completion) -> dict:
    async with open_session(settings_for(fake.base_url, **completion)) as ed:
        ed.open(URI, DOC)
        took, answers = [], set()
        for _ in range(ROUNDS):
            await ed.command("codestral.clearCache")
            before = len(fake.requests)
            t0 = time.perf_counter()
            text = await ed.inline_text(URI, *CURSOR)
            took.append((time.perf_counter() - t0) * 1000)
            answers.add(text.split("\n", 1)[0] if text else text)
            rec = fake.wait_for_requests(before + 1, finished=True, timeout=5)[before]
        return {
            "label": label,
            "ms": statistics.median(took),
            "first_line": answers,
            "closed_early": rec.closed_early,
            "chunks": rec.chunks_sent if rec.streamed else "-",
        }


async def main() -> None:
    print(f"machine: {machine()}")
    fake = FakeMistral(api_key=PROVIDER_KEY).start()
    fake.responder = responder
    try:
        early = await measure(fake, "single line, streamed (ours)")
        whole = await measure(fake, 'multiline "always", streamed', multiline="always")
        plain = await measure(fake, "stream: false", stream=False)
    finally:
        fake.stop()
    for result in (early, whole, plain):
        assert result["first_line"] == {FIRST_LINE}, result
    rows = [
        [r["label"], r["ms"], r["chunks"], r["closed_early"], f"{early['ms'] / r['ms']:.3f}"]
        for r in (early, whole, plain)
    ]
    table(
        f"time to the answer, median ms over {ROUNDS} requests (64 tokens x 15 ms)",
        ["mode", "ms", "chunks sent", "stream closed early", "ours / this"],
        rows,
    )
    print(
        f"\nratio vs whole generation: {early['ms'] / whole['ms']:.3f} (streamed), "
        f"{early['ms'] / plain['ms']:.3f} (non-streamed); target <= 0.3"
    )


if __name__ == "__main__":
    asyncio.run(main())
