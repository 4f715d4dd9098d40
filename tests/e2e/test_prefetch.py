"""The next suggestion ready on accept: prefetch of the continuation while a suggestion is shown,
and the later lines of a multi-line answer after a line-accept, seen from the editor and the
upstream (the real server over stdio, the fake upstream answering by prompt)."""

from __future__ import annotations

from tests.fakes.mistral import Recorded, Reply
from tests.support.session import session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/prefetch.py"
DOC = "def area(w, h):\n    \n"
CURSOR = (1, 4)
FIRST = "w = abs(w)"
# What the fake "model" answers after each prompt ending (the continuation of the code).
ANSWERS = {
    "def area(w, h):\n    ": FIRST + "\n",
    "def area(w, h):\n    w = abs(w)": "\n    return w * abs(h)\n",
}


def by_prompt(delay: float = 0.0):
    def respond(rec: Recorded) -> Reply:
        prompt = rec.json["prompt"]
        for ending, text in ANSWERS.items():
            if prompt.endswith(ending):
                return Reply(text=text, delay=delay)
        return Reply(text="")

    return respond


def settings(fake, **completion):
    return server_settings(fake, completion={"prefetch": True, **completion})


client = session_fixture(["vscode-utf16"], settings)


def fim_prompts(session) -> list[str]:
    return [r.json["prompt"] for r in session.fim_requests()]


async def test_the_suggestion_after_an_accept_is_fetched_while_the_first_is_shown(session):
    session.fake.responder = by_prompt()
    session.open(URI, DOC)
    (item,) = await session.inline(URI, *CURSOR)
    assert item.insert_text == FIRST

    # While the user reads it, the server asks for what follows it: prompt = prefix + suggestion.
    session.fake.wait_for_requests(2, finished=True)
    assert fim_prompts(session)[1].endswith("    " + FIRST)

    # Accept: the editor inserts the suggestion and asks at the new cursor.
    session.edit(URI, CURSOR, CURSOR, FIRST)
    (after,) = await session.inline(URI, 1, 4 + len(FIRST))
    assert after.insert_text == "\n    return w * abs(h)"
    # The accept cost nothing upstream: every call after the first was a prefetch (the
    # suggestion now shown gets its own continuation fetched in turn).
    status = await session.status()
    assert status["prefetches"] == 2 and status["upstreamCalls"] == 1 + status["prefetches"]
    session.fake.wait_for_requests(3)
    assert fim_prompts(session)[2].endswith("return w * abs(h)")


async def test_an_accept_before_the_prefetch_answered_joins_its_call(session):
    session.fake.responder = by_prompt(delay=0.4)
    session.open(URI, DOC)
    (item,) = await session.inline(URI, *CURSOR)
    session.fake.wait_for_requests(2)  # the prefetch is in flight
    session.edit(URI, CURSOR, CURSOR, item.insert_text)
    (after,) = await session.inline(URI, 1, 4 + len(FIRST))
    assert after.insert_text == "\n    return w * abs(h)"
    status = await session.status()
    assert status["sharedCalls"] >= 1 and status["upstreamCalls"] == 1 + status["prefetches"]


async def test_typing_something_else_drops_the_prefetch_and_closes_its_call(session):
    session.open(URI, DOC)
    session.fake.enqueue(Reply(text=FIRST + "\n"))  # the first answer comes at once
    session.fake.set_default(Reply(text="ignored\n", delay=1.0))
    (item,) = await session.inline(URI, *CURSOR)
    assert item.insert_text == FIRST
    session.fake.wait_for_requests(2)  # the prefetch is in flight

    session.edit(URI, CURSOR, CURSOR, "x")  # not what was suggested
    await session.inline(URI, 1, 5)
    requests = session.fake.wait_for_requests(3, finished=True, timeout=5)
    prefetch = requests[1]
    assert prefetch.json["prompt"].endswith(FIRST)
    assert prefetch.closed_early and prefetch.status in (0, 200)


async def test_prefetch_false_asks_for_nothing_more(session):
    session.change_settings(settings(session.fake, prefetch=False))
    await session.status()  # the settings change is applied before the next request
    session.fake.responder = by_prompt()
    session.open(URI, DOC)
    (item,) = await session.inline(URI, *CURSOR)
    assert item.insert_text == FIRST
    status = await session.status()
    assert status["upstreamCalls"] == 1 and status["prefetches"] == 0
    assert len(session.fim_requests()) == 1


async def test_after_a_line_accept_the_later_lines_are_answered_without_a_call(session):
    session.change_settings(settings(session.fake, prefetch=False))
    await session.status()
    doc = "def area(w, h):\n"
    lines = "    if w < 0:\n        raise ValueError(w)\n    return w * h\n"
    session.fake.enqueue(Reply(text=lines))
    session.open(URI, doc)
    (item,) = await session.inline(URI, 1, 0)
    assert item.insert_text == lines.rstrip("\n")

    # Accept one line, as VS Code's "accept line" and the Neovim plugin's accept-line do.
    session.edit(URI, (1, 0), (1, 0), "    if w < 0:")
    (rest,) = await session.inline(URI, 1, len("    if w < 0:"))
    assert rest.insert_text == "\n        raise ValueError(w)\n    return w * h"
    assert len(session.fim_requests()) == 1
