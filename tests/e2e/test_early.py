"""The early reveal (codestral_ls/early.py): a client that asks again when told
(``initializationOptions.client.suggestionUpdates``) gets the complete lines of a multi-line
answer while the rest still streams, then ``codestral/suggestionUpdated``; asking again gives
the whole suggestion from the cache. Any other client gets the whole answer only. The real
server over stdio, the fake upstream streaming a token every 40 ms."""

from __future__ import annotations

import asyncio

from tests.fakes.mistral import Reply
from tests.support.session import UPDATED, session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/early.py"
DOC = "def area(w, h):\n    \n"
CURSOR = (1, 4)
WHOLE = "w = abs(w)\n    h = abs(h)\n    scale = 2 * w\n    return w * h * scale\n"
SHOWN = WHOLE.rstrip("\n")  # what post-processing shows of it
TOKEN_DELAY = 0.04


def slow_answer() -> Reply:
    words = [w + " " for w in WHOLE.split(" ")]
    words[-1] = words[-1].rstrip(" ")
    return Reply(chunks=words, token_delay=TOKEN_DELAY)


def settings(fake):
    return server_settings(fake, timeout_ms=5000)


client = session_fixture(["vscode-utf16"], settings, client_options={"suggestionUpdates": True})


async def test_lines_are_shown_before_the_answer_ends_and_the_rest_follows(client):
    session = client.session
    session.fake.responder = lambda rec: slow_answer()
    session.open(URI, DOC)
    (first,) = await session.inline(URI, *CURSOR)
    # The early text: whole lines, a start of the suggestion, not all of it.
    assert first.insert_text != SHOWN and SHOWN.startswith(first.insert_text)
    assert first.insert_text.startswith("w = abs(w)")
    assert not session.updates  # the answer is still streaming
    assert len(session.fim_requests()) == 1

    await session.wait_for(lambda: bool(session.updates), (UPDATED,))
    (update,) = session.updates
    assert update.textDocument.uri == URI
    assert (update.position.line, update.position.character) == CURSOR

    (whole,) = await session.inline(URI, *CURSOR)
    assert whole.insert_text == SHOWN
    assert len(session.fim_requests()) == 1  # asked again from the cache
    # One suggestion shown, not one shown and one dismissed.
    acceptance = (await session.status())["acceptance"]
    assert (acceptance["shown"], acceptance["dismissed"]) == (1, 0)


async def test_typing_something_else_stops_the_answer_and_tells_nothing(client):
    session = client.session
    session.fake.responder = lambda rec: slow_answer()
    session.open(URI, DOC)
    (first,) = await session.inline(URI, *CURSOR)
    assert first.insert_text != SHOWN
    session.fake.responder = lambda rec: Reply(text="")
    session.edit(URI, CURSOR, CURSOR, "z")
    assert await session.inline(URI, 1, 5) == []
    # Long enough for the first answer to have ended had it gone on.
    await asyncio.sleep(len(WHOLE.split(" ")) * TOKEN_DELAY + 0.3)
    assert not session.updates
    first_call = session.fim_requests()[0]
    assert first_call.json["prompt"].endswith("    ")
    assert first_call.closed_early  # nobody wanted the rest: it was not paid for
    assert first_call.chunks_sent < len(slow_answer().chunks or [])


plain = session_fixture(["vscode-utf16"], settings)


async def test_a_client_that_does_not_declare_it_gets_the_whole_answer(plain):
    session = plain.session
    session.fake.responder = lambda rec: slow_answer()
    session.open(URI, DOC)
    (item,) = await session.inline(URI, *CURSOR)
    assert item.insert_text == SHOWN
    await asyncio.sleep(0.2)
    assert not session.updates


async def test_typing_the_early_line_through_waits_for_the_rest_of_the_same_answer(client):
    session = client.session
    session.fake.responder = lambda rec: slow_answer()
    session.open(URI, DOC)
    (first,) = await session.inline(URI, *CURSOR)
    assert first.insert_text == "w = abs(w)"  # the first line, while the rest streams
    session.edit(URI, CURSOR, CURSOR, first.insert_text)
    # At the end of the typed line the early text has nothing left to show: the request waits
    # for the next lines of the same call instead of paying for another one, and the rest
    # follows as an update.
    (rest,) = await session.inline(URI, 1, 4 + len(first.insert_text))
    whole_rest = SHOWN[len(first.insert_text) :]
    assert whole_rest.startswith(rest.insert_text) and rest.insert_text.strip()
    if rest.insert_text != whole_rest:
        await session.wait_for(lambda: bool(session.updates), (UPDATED,))
        (grown,) = await session.inline(URI, 1, 4 + len(first.insert_text))
        assert grown.insert_text == whole_rest
    assert len(session.fim_requests()) == 1


async def test_accepting_the_early_text_shows_the_lines_streamed_since_at_once(client):
    # The user read the first line while the next one streamed in: after the accept, that
    # line is shown without waiting for the end of the answer.
    session = client.session
    session.fake.responder = lambda rec: slow_answer()
    session.open(URI, DOC)
    (first,) = await session.inline(URI, *CURSOR)
    assert first.insert_text == "w = abs(w)"
    await asyncio.sleep(6 * TOKEN_DELAY)  # "h = abs(h)" and its line break are in
    session.edit(URI, CURSOR, CURSOR, first.insert_text)
    (rest,) = await session.inline(URI, 1, 4 + len(first.insert_text))
    assert rest.insert_text.startswith("\n    h = abs(h)")
    assert session.fim_requests()[0].t_finished is None  # the answer is still streaming
    await session.wait_for(lambda: bool(session.updates), (UPDATED,))
    (grown,) = await session.inline(URI, 1, 4 + len(first.insert_text))
    assert grown.insert_text == SHOWN[len(first.insert_text) :]
    assert len(session.fim_requests()) == 1


def prefetching_settings(fake):
    return server_settings(fake, timeout_ms=5000, completion={"prefetch": True})


prefetching = session_fixture(
    ["vscode-utf16"], prefetching_settings, client_options={"suggestionUpdates": True}
)


async def test_what_follows_the_grown_suggestion_is_fetched_before_the_client_asks_again(
    prefetching,
):
    session = prefetching.session
    session.fake.responder = lambda rec: (
        slow_answer() if rec.json["prompt"].endswith(DOC[:-1]) else Reply(text="")
    )
    session.open(URI, DOC)
    (first,) = await session.inline(URI, *CURSOR)
    assert first.insert_text != SHOWN
    await session.wait_for(lambda: bool(session.updates), (UPDATED,))
    # Without any new request from the client, the continuation of the whole suggestion is
    # asked for (the user may accept it as soon as it is on screen).
    session.fake.wait_for_requests(2, finished=True)
    prompts = [r.json["prompt"] for r in session.fim_requests()]
    assert prompts[1].endswith(DOC[:-1] + SHOWN), prompts


async def test_what_follows_an_early_suggestion_that_did_not_grow_is_fetched_too(prefetching):
    # The rest of the answer adds nothing shown (the next definition is cut): no update for
    # the client, but the user may accept what is on screen, so its continuation is asked for.
    session = prefetching.session
    answer = "return w * h\n\ndef other():\n    return 1\n"
    words = [w + " " for w in answer.split(" ")]
    session.fake.responder = lambda rec: (
        Reply(chunks=words, token_delay=TOKEN_DELAY)
        if rec.json["prompt"].endswith(DOC[:-1])
        else Reply(text="")
    )
    session.open(URI, DOC)
    (first,) = await session.inline(URI, *CURSOR)
    assert first.insert_text == "return w * h"
    assert not session.fim_requests()[0].t_finished  # shown while the answer still streams
    session.fake.wait_for_requests(2, finished=True)
    prompts = [r.json["prompt"] for r in session.fim_requests()]
    assert prompts[1].endswith(DOC[:-1] + "return w * h"), prompts
    assert not session.updates
