"""Settings from every source, bad values, keys, secret files and disabled languages."""

from __future__ import annotations

import asyncio
import json

from lsprotocol import types

from tests.support.keys import PROVIDER_KEY
from tests.support.session import session_fixture
from tests.support.settings import server_settings

URI = "file:///work/project/settings.py"


client = session_fixture(
    ["nvim011-utf8"],
    lambda fake: server_settings(
        fake,
        completion={
            "debounceMs": "fast",
            "maxTokens": -3,
            "disabledLanguages": ["markdown"],
            "exclude": ["**/private/*.py"],
        },
        route="sideways",
    ),
)


async def test_bad_values_reported_once_and_defaults_used(session):
    await session.wait_for(lambda: len(session.client.messages) >= 3)
    texts = sorted(m.message for m in session.client.messages)
    assert any("codestral.completion.debounceMs" in t for t in texts)
    assert any("codestral.completion.maxTokens" in t for t in texts)
    assert any("codestral.route" in t and "'sideways'" in t for t in texts)
    session.fake.default_text = "fine"
    session.open(URI, "a = \n")
    assert [i.insert_text for i in await session.inline(URI, 0, 4)] == ["fine"]
    assert session.fim_requests()[0].json["max_tokens"] == 64  # the default, not -3
    # the same bad settings again: not repeated
    count = len(session.client.messages)
    session.change_settings(
        server_settings(session.fake, completion={"debounceMs": "fast"}, route="sideways")
    )
    await asyncio.sleep(0.2)
    assert len(session.client.messages) == count


async def test_secret_files_and_excluded_paths_are_never_sent(session):
    for uri in (
        "file:///work/project/.env",
        "file:///work/project/config/.env.production",
        "file:///work/project/certs/server.pem",
        "file:///work/project/keys/id_rsa",
        "file:///work/project/private/keys.py",
        "file:///work/project/.netrc",
    ):
        session.open(uri, "SECRET_TOKEN=abc\n")
        assert await session.inline(uri, 0, 3) == []
    session.open("file:///work/project/README.md", "# title\n", language="markdown")
    assert await session.inline("file:///work/project/README.md", 0, 7) == []
    assert session.fake.requests == []


async def test_secret_strings_are_redacted_from_the_prompt(session):
    session.fake.default_text = "connect()"
    text = 'password = "hunter2-very-secret"\naws = "AKIAABCDEFGHIJKLMNOP"\nx = \n'
    session.open(URI, text)
    await session.inline(URI, 2, 4)
    prompt = session.fim_requests()[0].json["prompt"]
    assert "hunter2-very-secret" not in prompt and "AKIAABCDEFGHIJKLMNOP" not in prompt
    assert 'password = "<redacted>"' in prompt
    assert (await session.status())["redactions"] == 2


async def test_disable_completions_by_setting(session):
    session.change_settings(server_settings(session.fake, completion={"enable": False}))
    await session.wait_for(lambda: session.statuses and session.statuses[-1].state == "disabled")
    session.open(URI, "b = \n")
    assert await session.inline(URI, 0, 4) == []
    assert session.fake.requests == []


async def test_status_never_shows_the_key(session):
    status = await session.status()
    text = json.dumps(status)
    assert PROVIDER_KEY not in text
    assert status["keySources"]["provider"] == "environment CODESTRAL_API_KEY"


# --- settings pulled with workspace/configuration, and --settings FILE ---------------------


# No initializationOptions: everything comes from workspace/configuration.
pulling_client = session_fixture(
    settings=lambda fake: {},
    client="vscode-utf16",
    configuration=lambda fake: server_settings(fake, model="from-configuration"),
)


async def test_workspace_configuration_is_used(pulling_client):
    session = pulling_client.session
    await session.wait_for(lambda: session.client.messages == [] or True)
    await asyncio.sleep(0.2)
    status = await session.status()
    assert status["model"] == "from-configuration"
    session.fake.default_text = "pulled"
    session.open(URI, "c = \n")
    assert [i.insert_text for i in await session.inline(URI, 0, 4)] == ["pulled"]


file_client = session_fixture(
    settings=lambda fake: {"baseUrl": fake.base_url},
    client="vscode-utf16",
    args=("--settings", "tests/e2e/data/settings-file.json"),
    base_env={"PYTHONUNBUFFERED": "1"},  # no key in the environment at all
)


async def test_settings_file_layer_and_missing_key(file_client):
    session = file_client.session
    status = await session.status()
    assert status["model"] == "model-from-file"  # from the file
    assert status["baseUrl"] == session.fake.base_url  # initializationOptions win over the file
    await session.wait_for(lambda: session.client.messages)
    message = session.client.messages[0]
    assert message.type == types.MessageType.Error
    assert "CODESTRAL_API_KEY" in message.message
    session.open(URI, "d = \n")
    assert await session.inline(URI, 0, 4) == []
    assert session.fake.requests == []
