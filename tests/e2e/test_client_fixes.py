"""A message names the fix of the client at hand: a client that declares its "set key" command
at initialize (initializationOptions.client, as the VS Code extension does) is told to run it and
offered it as an action; any other client keeps the generic fix (environment, settings)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.session import CLIENTS, ROOT, capabilities, lazy_session_fixture
from tests.support.settings import server_settings

NO_KEY = {"CODESTRAL_API_KEY": "", "MISTRAL_API_KEY": ""}
SET_KEY = {"setKey": {"title": "Set API Key", "command": "Codestral: Set API Key"}}

client = lazy_session_fixture(params=["vscode-utf16"], env=NO_KEY)


async def _initialize(lsp_client: LanguageClient, init: dict[str, Any]) -> None:
    preset, encodings = CLIENTS["vscode-utf16"]
    requests: list[types.ShowMessageRequestParams] = []

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: types.ShowMessageRequestParams) -> None:
        requests.append(params)

    lsp_client.requests = requests  # type: ignore[attr-defined]
    # The server registers file watchers with clients that can (like VS Code): accept them.
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(preset, encodings),
            initialization_options=init,
            root_uri=ROOT,
        )
    )


async def _wait(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


async def test_client_with_set_key_command_is_offered_it(client: LanguageClient, fake):
    settings = server_settings(fake)
    await _initialize(client, {"codestral": settings, "client": SET_KEY})
    requests: list[types.ShowMessageRequestParams] = client.requests  # type: ignore[attr-defined]
    await _wait(lambda: bool(requests))
    await asyncio.sleep(0.2)
    no_key = [r for r in requests if "no Codestral API key" in r.message]
    assert no_key, requests
    first = no_key[0]
    assert first.type == types.MessageType.Error
    assert 'run "Codestral: Set API Key"' in first.message
    assert "codestral.apiKey" not in first.message
    assert [a.title for a in first.actions or []] == ["Set API Key"]
    # Not also as a plain message, and the "client" key is no bad setting.
    texts = [m.message for m in client.messages]
    assert not [t for t in texts if "no Codestral API key" in t], texts
    assert not [t for t in texts if "Invalid setting" in t], texts


async def test_flat_settings_with_client_key_are_not_a_bad_setting(client: LanguageClient, fake):
    settings = server_settings(fake)
    await _initialize(client, {**settings, "client": SET_KEY})
    requests: list[types.ShowMessageRequestParams] = client.requests  # type: ignore[attr-defined]
    await _wait(lambda: bool(requests))
    await asyncio.sleep(0.2)
    assert not [m.message for m in client.messages if "Invalid setting" in m.message]


async def test_other_clients_keep_the_generic_fix(client: LanguageClient, fake):
    settings = server_settings(fake)
    await _initialize(client, {"codestral": settings})
    await _wait(lambda: any("no Codestral API key" in m.message for m in client.messages))
    text = next(m.message for m in client.messages if "no Codestral API key" in m.message)
    assert "CODESTRAL_API_KEY" in text and "codestral.apiKey" in text
    assert not client.requests  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [None, "x", {"setKey": "x"}, {"setKey": {"title": ""}}])
def test_malformed_client_info_is_ignored(bad: Any) -> None:
    from codestral_ls.lsp.fixes import ClientFixes
    from codestral_ls.messages import NO_KEY_FIX

    fixes = ClientFixes.from_init_options({"client": bad})
    assert fixes.adapt(f"no key: {NO_KEY_FIX}.") == (f"no key: {NO_KEY_FIX}.", [])
