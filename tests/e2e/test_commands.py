"""Explain/chat commands, the code action, status, and the completion-popup fallback."""

from __future__ import annotations

import ast

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from tests.support.session import session_fixture

URI = "file:///work/project/src/calc.py"
CODE = "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n"
RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 16}}


client = session_fixture(["vscode-utf16", "nvim011-utf8"])
# A client without inline completion: the popup is its only way to see suggestions.
popup_client = session_fixture(["nvim011-utf8"], inline=False)


def chat_requests(session):
    return [r for r in session.fake.requests if r.path.endswith("/chat/completions")]


async def test_code_action_offers_explain_on_a_selection(session):
    session.open(URI, CODE)
    actions = await session.code_actions(URI, (0, 0), (1, 16))
    assert [a.title for a in actions] == ["Explain with Codestral"]
    # lsprotocol's client-side hook structures any {"command": ...} as a Command, turning our
    # CodeAction's nested command object into its repr; read it back from that.
    nested = actions[0].command
    command = ast.literal_eval(nested) if isinstance(nested, str) else nested
    assert command["command"] == "codestral.explain"
    assert command["arguments"][0]["uri"] == URI
    empty = await session.code_actions(URI, (0, 3), (0, 3))
    assert not empty


async def test_explain_returns_markdown_and_sends_the_selection(session):
    session.fake.default_text = "It **adds** two numbers."
    session.open(URI, CODE)
    result = await session.command("codestral.explain", {"uri": URI, "range": RANGE, "show": False})
    assert result["markdown"] == "It **adds** two numbers."
    (req,) = chat_requests(session)
    body = req.json
    assert body["model"] == "codestral-latest" and body["stream"] is True
    user = body["messages"][-1]["content"]
    assert "def add(a, b):\n    return a + b\n" in user and "print(add" not in user
    assert "src/calc.py" in user
    assert session.client.shown_documents == [] and session.client.messages == []


async def test_explain_shows_the_answer_when_asked(session):
    session.fake.default_text = "Shown answer."
    session.open(URI, CODE)
    await session.command("codestral.explain", {"uri": URI, "range": RANGE})
    shown = session.client.shown_documents + session.client.messages
    assert shown, "the answer was not shown"
    if session.client.shown_documents:
        doc = session.client.shown_documents[0]
        assert doc.uri.endswith(".md")
        from urllib.parse import urlsplit

        with open(urlsplit(doc.uri).path, encoding="utf-8") as handle:
            assert handle.read() == "Shown answer."
    else:
        assert session.client.messages[0].message == "Shown answer."


async def test_chat_with_question_and_progress(session):
    session.fake.default_text = "Use a list comprehension. " * 20
    session.open(URI, CODE)
    token = "chat-progress-1"
    session.client.progress_reports.setdefault(token, [])
    result = await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="codestral.chat",
            arguments=[
                {
                    "question": "How would you make this faster?",
                    "uri": URI,
                    "range": RANGE,
                    "show": False,
                }
            ],
            work_done_token=token,
        )
    )
    assert result["markdown"].startswith("Use a list comprehension.")
    user = chat_requests(session)[0].json["messages"][-1]["content"]
    assert user.startswith("How would you make this faster?")
    kinds = [type(r).__name__ for r in session.client.progress_reports[token]]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"


@pytest.mark.parametrize(
    ("command", "argument", "message"),
    [
        ("codestral.explain", {"uri": 42}, "uri"),
        ("codestral.explain", {"uri": "file:///nope.py"}, "not open"),
        ("codestral.explain", "not-an-object", "one object argument"),
        ("codestral.chat", {"question": ""}, "non-empty"),
        ("codestral.explain", {"uri": URI, "range": {"start": {"line": -1}}}, "range.start"),
    ],
)
async def test_bad_command_arguments_are_clear_errors(session, command, argument, message):
    session.open(URI, CODE)
    with pytest.raises(JsonRpcInvalidParams, match=message):
        await session.command(command, argument)
    assert (await session.status())["state"] in ("ready", "working")  # still alive


async def test_explain_refuses_a_secret_file(session):
    uri = "file:///work/project/.env"
    session.open(uri, "API_TOKEN=abc\n")
    with pytest.raises(JsonRpcInvalidParams, match="secret"):
        await session.command("codestral.explain", {"uri": uri, "show": False})
    assert session.fake.requests == []


async def test_status_reports_counts(session):
    session.fake.default_text = "1"
    session.open(URI, "x = \n")
    await session.inline(URI, 0, 4)
    await session.inline(URI, 0, 4)
    status = await session.status()
    for key in (
        "route",
        "baseUrl",
        "model",
        "keySources",
        "requests",
        "upstreamCalls",
        "cacheHits",
        "accepted",
        "errors",
        "lastError",
        "latencyMs",
    ):
        assert key in status
    assert status["requests"] == 2 and status["upstreamCalls"] == 1 and status["cacheHits"] == 1
    assert status["latencyMs"]["p50"] is not None


async def test_popup_fallback_respects_the_invocation_policy(popup_client):
    session = popup_client.session
    session.fake.default_text = "total + 1"
    session.open(URI, "x = \n")

    async def popup(kind):
        return await session.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=URI),
                position=types.Position(line=0, character=4),
                context=types.CompletionContext(trigger_kind=kind),
            )
        )

    automatic = await popup(types.CompletionTriggerKind.TriggerForIncompleteCompletions)
    assert list(automatic.items) == [] and session.fake.requests == []
    invoked = await popup(types.CompletionTriggerKind.Invoked)
    (item,) = invoked.items
    assert item.text_edit.new_text in ("total + 1",)
    assert item.text_edit.range.start == types.Position(line=0, character=4)
    assert item.filter_text is None
    # now cached: an automatic popup may show it without a call
    again = await popup(types.CompletionTriggerKind.TriggerForIncompleteCompletions)
    assert [i.label for i in again.items] == ["total + 1"]
    assert len(session.fim_requests()) == 1


async def test_inline_clients_get_no_popup_calls(session):
    session.open(URI, "x = \n")
    result = await session.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=0, character=4),
            context=types.CompletionContext(trigger_kind=types.CompletionTriggerKind.Invoked),
        )
    )
    assert list(result.items) == [] and session.fake.requests == []
