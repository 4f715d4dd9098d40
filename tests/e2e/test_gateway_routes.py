"""The gateway route against the fake's Portkey emulation: headers, the three FIM routes, chat.

The same paths run through the real open-source gateway in tests/gateway/."""

from __future__ import annotations

from tests.support.keys import GATEWAY_KEY, PROVIDER_KEY
from tests.support.session import session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/gw.py"


def gateway_settings(fake, fim_route: str, **gateway):
    return server_settings(
        fake,
        "gateway",
        timeout_ms=None,
        completion={"multiline": "always"},
        gateway={"fimRoute": fim_route, "metadata": {"team": "editor"}, **gateway},
    )


client = session_fixture(
    ["vscode-utf16", "nvim011-utf8"],
    lambda fake: gateway_settings(fake, "passthrough"),
    env={"PORTKEY_API_KEY": GATEWAY_KEY},
)


async def test_passthrough_sends_mistral_body_with_portkey_headers(session):
    session.fake.default_text = "return 1"
    session.open(URI, "def f():\n    \n")
    items = await session.inline(URI, 1, 4)
    assert [i.insert_text for i in items] == ["return 1"]
    (req,) = session.fake.requests
    assert req.path == "/gateway/v1/fim/completions"
    h = req.headers
    assert h["x-portkey-api-key"] == GATEWAY_KEY
    assert h["x-portkey-provider"] == "mistral-ai"
    assert h["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert h["x-portkey-metadata"] == '{"team":"editor"}'
    assert h["x-portkey-trace-id"].startswith("codestral-ls-")
    assert req.json["prompt"] == "def f():\n    " and req.json["stop"] == ["\n\n\n"]
    status = await session.status()
    assert status["route"] == "gateway" and status["fimRoute"] == "passthrough"
    assert status["gateway"]["traceId"] == h["x-portkey-trace-id"]
    assert status["gateway"]["provider"] == "mistral-ai"


async def test_fresh_trace_id_per_request(session):
    session.fake.default_text = "x"
    session.open(URI, "a = \nb = \n")
    await session.inline(URI, 0, 4)
    await session.inline(URI, 1, 4)
    ids = [r.headers["x-portkey-trace-id"] for r in session.fake.requests]
    assert len(ids) == 2 and ids[0] != ids[1]


async def test_chat_route_same_suggestion_with_stop_enforced_locally(session):
    session.fake.default_text = "first()\n\n\n\nnever_shown()"
    session.change_settings(gateway_settings(session.fake, "chat"))
    session.open(URI, "def f():\n    \n")
    items = await session.inline(URI, 1, 4)
    assert [i.insert_text for i in items] == ["first()"]
    (req,) = session.fake.requests
    assert req.path == "/gateway/v1/chat/completions"
    assert req.headers["x-portkey-mistral-fim-completion"] == "true"
    assert "stop" not in req.upstream_json  # dropped by the gateway, enforced by us


async def test_completions_route_tells_the_user_to_switch(session):
    session.change_settings(gateway_settings(session.fake, "completions"))
    session.open(URI, "a = \n")
    assert await session.inline(URI, 0, 4) == []
    session.edit(URI, (0, 4), (0, 4), "b")
    assert await session.inline(URI, 0, 5) == []
    messages = [m.message for m in session.client.messages]
    assert len(messages) == 1 and "fimRoute" in messages[0] and "passthrough" in messages[0]


async def test_explain_through_the_gateway_chat_route(session):
    session.fake.default_text = "Explained."
    session.open(URI, "x = 1\n")
    result = await session.command(
        "codestral.explain",
        {
            "uri": URI,
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}},
            "show": False,
        },
    )
    assert result["markdown"] == "Explained."
    (req,) = session.fake.requests
    assert req.path == "/gateway/v1/chat/completions"
    assert "x-portkey-mistral-fim-completion" not in req.headers
    assert req.headers["x-portkey-api-key"] == GATEWAY_KEY


async def test_prompt_library_route(session):
    session.fake.default_text = "From the saved prompt."
    settings = gateway_settings(session.fake, "passthrough")
    settings["chat"] = {"promptId": "pp-explain-42"}
    session.change_settings(settings)
    session.open(URI, "y = 2\n")
    result = await session.command(
        "codestral.chat", {"question": "What is y?", "uri": URI, "show": False}
    )
    assert result["markdown"] == "From the saved prompt."
    (req,) = session.fake.requests
    assert req.path == "/gateway/v1/prompts/pp-explain-42/completions"
    variables = req.json["variables"]
    assert variables == {
        "code": "y = 2\n",
        "language": "python",
        "file_name": "gw.py",
        "question": "What is y?",
    }
