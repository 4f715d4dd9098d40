"""Speed behaviour seen from the editor and the upstream (no timings asserted: see tests/bench).

A single-line answer is sent as soon as its line is complete, and the stream is closed then,
instead of waiting for the whole generation."""

from __future__ import annotations

from tests.bench._first_text import CURSOR, DOC, FIRST_LINE, TOKEN_DELAY, chunks
from tests.fakes.mistral import Reply
from tests.support.session import session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/speed.py"


client = session_fixture(["vscode-utf16"], server_settings)


async def test_single_line_answer_closes_the_stream_when_its_line_is_complete(session):
    tokens = chunks()
    assert len(tokens) == 64 and "".join(tokens).startswith(FIRST_LINE + "\n")
    session.fake.enqueue(Reply(chunks=tokens, token_delay=TOKEN_DELAY))
    session.open(URI, DOC)

    items = await session.inline(URI, *CURSOR)

    assert [i.insert_text for i in items] == [FIRST_LINE]
    (req,) = session.fake.wait_for_requests(1, finished=True, timeout=5)
    assert req.json["stream"] is True
    assert req.closed_early, "the stream should be dropped once the first line is complete"
    assert req.chunks_sent < len(tokens) // 2


async def test_multiline_answer_reads_the_stream_to_its_end(session):
    """The contrast: where a block is wanted the whole generation is read (no early close)."""
    session.change_settings(
        {
            **server_settings(session.fake),
            "completion": {"debounceMs": 0, "timeoutMs": 3000, "multiline": "always"},
        }
    )
    tokens = chunks()
    session.fake.enqueue(Reply(chunks=tokens, token_delay=0.001))
    session.open(URI, DOC)

    items = await session.inline(URI, *CURSOR)

    # the whole stream is read; post-processing then stops where the model runs on into new
    # definitions outside the cursor's block (postprocess block_end)
    assert [i.insert_text for i in items] == [FIRST_LINE]
    (req,) = session.fake.wait_for_requests(1, finished=True, timeout=5)
    assert not req.closed_early and req.chunks_sent == len(tokens)
