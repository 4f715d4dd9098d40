"""End-to-end: the real server as a subprocess over stdio, driven by pytest-lsp, in front of
the fake Mistral upstream (a real HTTP server on 127.0.0.1). The kit is in tests/support/:
each module declares its ``client`` with ``session_fixture``; ``fake`` is tests/conftest.py's."""

from __future__ import annotations

import pytest

<<<<<<< HEAD
from tests.fakes.mistral import FakeMistral

# Recognisable so the secrets tests can grep every output for it; not a real key.
FAKE_KEY = "sk-test-CODESTRAL-0000-KEY-must-never-leak"
SERVER_ENV = {"CODESTRAL_API_KEY": FAKE_KEY, "PYTHONUNBUFFERED": "1"}

# (editor capability preset, position encodings the client offers)
CLIENTS = {
    "vscode-utf16": ("visual-studio-code", ["utf-16"]),
    "nvim011-utf8": ("neovim@v0.11.0", ["utf-8", "utf-16"]),
    "nvim011-utf16": ("neovim@v0.11.0", ["utf-16"]),
}


def capabilities(
    preset: str, encodings: list[str], inline: bool = True
) -> types.ClientCapabilities:
    caps = client_capabilities(preset)
    caps.general = caps.general or types.GeneralClientCapabilities()
    caps.general.position_encodings = [types.PositionEncodingKind(e) for e in encodings]
    if inline:
        caps.text_document = caps.text_document or types.TextDocumentClientCapabilities()
        caps.text_document.inline_completion = types.InlineCompletionClientCapabilities()
    return caps


@dataclass
class Session:
    """One editor session: the client, the fake upstream, and helpers to type in a buffer."""

    client: LanguageClient
    fake: FakeMistral
    encoding: str
    statuses: list[dict[str, Any]] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def open(self, uri: str, text: str, language: str = "python") -> None:
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )

    def edit(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=start[0], character=start[1]),
                            end=types.Position(line=end[0], character=end[1]),
                        ),
                        text=text,
                    )
                ],
            )
        )

    async def inline(self, uri: str, line: int, character: int) -> list[types.InlineCompletionItem]:
        result = await self.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Automatic
                ),
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        )
        if result is None:
            return []
        return list(result.items if isinstance(result, types.InlineCompletionList) else result)

    def request_then_cancel(self, method: str, params: Any) -> tuple[Callable[[], None], Any]:
        """Send a request; returns (cancel, awaitable answer). cancel sends $/cancelRequest."""
        msg_id = f"cancellable-{len(self.versions)}-{id(params)}"
        future = self.client.protocol.send_request(method, params, msg_id=msg_id)

        def cancel() -> None:
            self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

        return cancel, asyncio.wrap_future(future)

    async def command(self, name: str, *args: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args) or None)
        )

    async def status(self) -> dict[str, Any]:
        return await self.command("codestral.status")

    def change_settings(self, settings: dict[str, Any]) -> None:
        self.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"codestral": settings})
        )

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.01)

    def fim_requests(self) -> list[Any]:
        return [r for r in self.fake.requests if r.path.endswith("/fim/completions")]


def base_settings(fake: FakeMistral, **extra: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "route": "direct",
        "baseUrl": fake.base_url,
        # No prefetch: these tests count upstream calls per request (tests/e2e/test_prefetch.py
        # covers it).
        "completion": {"debounceMs": 0, "timeoutMs": 3000, "prefetch": False},
        "context": {"crossFile": False},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}
        else:
            settings[key] = value
    return settings


async def start_session(
    lsp_client: LanguageClient,
    fake: FakeMistral,
    client: str,
    settings: dict[str, Any] | None = None,
    inline: bool = True,
) -> Session:
    preset, encodings = CLIENTS[client]
    session = Session(lsp_client, fake, encodings[0])
    lsp_client.feature("codestral/status")(lambda params: session.statuses.append(params))
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(preset, encodings, inline),
            initialization_options={"codestral": settings or base_settings(fake)},
            root_uri="file:///work/project",
            workspace_folders=[types.WorkspaceFolder(uri="file:///work/project", name="project")],
        )
    )
    session.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    return session


def server_fixture(params: list[str] | None = None, env: dict[str, str] | None = None):
    """A pytest-lsp fixture running the real server over stdio, parametrized over clients."""
    return pytest_lsp.fixture(
        config=ClientServerConfig(
            server_command=[sys.executable, "-m", "codestral_ls"],
            server_env={**SERVER_ENV, **(env or {})},
        ),
        params=params or list(CLIENTS),
    )
=======
from tests.support.session import Session
>>>>>>> main


@pytest.fixture
def session(client) -> Session:
    """The started session of the module's ``client`` fixture."""
    return client.session
