"""One editor session on pytest-lsp's client: the real server (``python -m codestral_ls``) as a
subprocess over stdio, the fake upstream behind it, and helpers to type in a buffer (``Session``).

In pytest, a module declares its server fixture with one of:

- ``session_fixture(params, settings)``: the session is started before the test (``.session``
  on the client; tests/e2e/conftest.py's ``session`` fixture hands it over);
- ``lazy_session_fixture(params)``: the test starts it itself with ``start_session``;
- ``server_fixture(params)``: the bare pytest-lsp fixture both are built on.

Outside pytest (the benchmarks): ``open_session(settings)``. Either way the client is
pytest-lsp's ``LanguageClient``, whose own records are used as they are: ``messages``
(window/showMessage), ``log_messages``, ``shown_documents``, ``wait_for_notification``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.fakes.mistral import FakeMistral
from tests.support.keys import PROVIDER_KEY, SERVER_ENV
from tests.support.settings import server_settings
from tests.support.upstream import fim_requests

SERVER = ("-m", "codestral_ls")
STATUS = "codestral/status"  # the server's status notification
UPDATED = "codestral/suggestionUpdated"  # a suggestion shown early grew (codestral_ls/early.py)
ROOT = "file:///work/project"

# client name: (editor capability preset, position encodings the client offers)
CLIENTS: dict[str, tuple[str | None, list[str]]] = {
    "vscode-utf16": ("visual-studio-code", ["utf-16"]),
    "nvim011-utf8": ("neovim@v0.11.0", ["utf-8", "utf-16"]),
    "nvim011-utf16": ("neovim@v0.11.0", ["utf-16"]),
}
BARE = "bare-utf16"  # no editor preset: only what inline completion needs (the benchmarks)
_ALL_CLIENTS = {**CLIENTS, BARE: (None, ["utf-16"])}


def capabilities(
    preset: str | None, encodings: list[str], inline: bool = True
) -> types.ClientCapabilities:
    if preset is None:
        caps = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                synchronization=types.TextDocumentSyncClientCapabilities()
            )
        )
    else:
        caps = client_capabilities(preset)
    caps.general = caps.general or types.GeneralClientCapabilities()
    caps.general.position_encodings = [types.PositionEncodingKind(e) for e in encodings]
    if inline:
        caps.text_document = caps.text_document or types.TextDocumentClientCapabilities()
        caps.text_document.inline_completion = types.InlineCompletionClientCapabilities()
    return caps


def inline_params(uri: str, line: int, character: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Automatic
        ),
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
    )


def items_of(result: Any) -> list[types.InlineCompletionItem]:
    """The items of an inlineCompletion answer (a list, a list object, or null)."""
    if result is None:
        return []
    return list(result.items if isinstance(result, types.InlineCompletionList) else result)


def first_text(result: Any) -> str | None:
    """The first suggestion's text in an inlineCompletion answer, if any."""
    items = items_of(result)
    return items[0].insert_text if items else None


def texts(items: list[types.InlineCompletionItem]) -> list[str]:
    """The suggestions' texts."""
    return [i.insert_text for i in items]  # type: ignore[misc]


def messages(session: Session) -> list[str]:
    """window/showMessage texts so far."""
    return session.shown()


@dataclass
class Session:
    """One editor session: the client, the fake upstream, and helpers to type in a buffer."""

    client: LanguageClient
    fake: FakeMistral | None
    encoding: str
    statuses: list[Any] = field(default_factory=list)  # codestral/status notifications
    updates: list[Any] = field(default_factory=list)  # codestral/suggestionUpdated
    versions: dict[str, int] = field(default_factory=dict)
    server_capabilities: types.ServerCapabilities | None = None
    _ids: int = 0

    @property
    def pid(self) -> int:
        assert self.client._server is not None
        return self.client._server.pid

    # --- documents ------------------------------------------------------------------------

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

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    # --- requests -------------------------------------------------------------------------

    async def inline(self, uri: str, line: int, character: int) -> list[types.InlineCompletionItem]:
        return items_of(
            await self.client.text_document_inline_completion_async(
                inline_params(uri, line, character)
            )
        )

    async def inline_text(self, uri: str, line: int, character: int) -> str | None:
        """The first suggestion's text, if any."""
        return first_text(await self.inline(uri, line, character))

    def request_then_cancel(self, method: str, params: Any) -> tuple[Callable[[], None], Any]:
        """Send a request; returns (cancel, awaitable answer). cancel sends $/cancelRequest."""
        msg_id, answer = self.send_request(method, params)
        return (lambda: self.cancel(msg_id)), answer

    def send_request(self, method: str, params: Any) -> tuple[str, asyncio.Future[Any]]:
        """Send a request without waiting; returns (message id, future of the raw result)."""
        self._ids += 1
        msg_id = f"cancellable-{self._ids}"
        future = self.client.protocol.send_request(method, params, msg_id=msg_id)
        return msg_id, asyncio.wrap_future(future)

    def inline_cancellable(self, uri: str, line: int, character: int):
        """An inlineCompletion request sent without waiting: (message id, future)."""
        return self.send_request(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, line, character)
        )

    def cancel(self, msg_id: str) -> None:
        self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    async def code_actions(
        self, uri: str, start: tuple[int, int], end: tuple[int, int]
    ) -> list[Any] | None:
        return await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(
                    start=types.Position(line=start[0], character=start[1]),
                    end=types.Position(line=end[0], character=end[1]),
                ),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )

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

    # --- what the server said -------------------------------------------------------------

    def shown(self) -> list[str]:
        """window/showMessage texts so far."""
        return [m.message for m in self.client.messages]

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        methods: Sequence[str] = (types.WINDOW_SHOW_MESSAGE, STATUS),
        timeout: float = 5.0,
    ) -> None:
        """Until ``predicate()`` holds, wait for the server's next notification among
        ``methods`` (window/showMessage, recorded in ``client.messages``, or codestral/status,
        recorded in ``statuses``), with pytest-lsp's ``wait_for_notification``."""

        async def until() -> None:
            while not predicate():
                waits = [
                    asyncio.ensure_future(self.client.wait_for_notification(m)) for m in methods
                ]
                try:
                    # Let the waiters register, then look again: a notification that came in
                    # between the look above and the registration would otherwise be missed.
                    await asyncio.sleep(0)
                    if predicate():
                        return
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for wait in waits:
                        wait.cancel()
                await asyncio.sleep(0)  # the client's own handler has recorded it by now

        try:
            await asyncio.wait_for(until(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError("condition not met in time") from None

    def fim_requests(self) -> list[Any]:
        assert self.fake is not None
        return fim_requests(self.fake)


async def start_session(
    lsp_client: LanguageClient,
    fake: FakeMistral | None,
    client: str,
    settings: dict[str, Any] | None = None,
    inline: bool = True,
    workspace: bool = True,
    client_options: dict[str, Any] | None = None,
) -> Session:
    """``initialize`` (with ``settings`` as initializationOptions, and ``client_options`` as
    their ``client`` entry) and ``initialized``."""
    preset, encodings = _ALL_CLIENTS[client]
    session = Session(lsp_client, fake, encodings[0])
    lsp_client.feature(STATUS)(lambda params: session.statuses.append(params))
    lsp_client.feature(UPDATED)(lambda params: session.updates.append(params))
    # The server registers file watchers with clients that can (like VS Code): accept them.
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    if settings is None:
        assert fake is not None
        settings = server_settings(fake)
    folders = [types.WorkspaceFolder(uri=ROOT, name="project")] if workspace else None
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(preset, encodings, inline),
            initialization_options={
                "codestral": settings,
                **({"client": client_options} if client_options else {}),
            },
            root_uri=ROOT,
            workspace_folders=folders,
        )
    )
    session.server_capabilities = result.capabilities
    return session


def server_config(
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    command: Sequence[str] = SERVER,
    base_env: Mapping[str, str] = SERVER_ENV,
) -> ClientServerConfig:
    """The server over stdio; its whole environment is ``base_env`` plus ``env``."""
    return ClientServerConfig(
        server_command=[sys.executable, *command, *args],
        server_env={**base_env, **(env or {})},
    )


def server_fixture(
    params: list[str] | None = None,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    base_env: Mapping[str, str] = SERVER_ENV,
    parametrized: bool = True,
):
    """A pytest-lsp fixture running the real server over stdio, parametrized over ``params``
    (default: every client in ``CLIENTS``), or not at all (``parametrized=False``)."""
    config = server_config(args, env, base_env=base_env)
    if not parametrized:
        return pytest_lsp.fixture(config=config)
    return pytest_lsp.fixture(config=config, params=params or list(CLIENTS))


def session_fixture(
    params: list[str] | None = None,
    settings: Callable[[FakeMistral], dict[str, Any]] | None = None,
    *,
    client: str | None = None,
    inline: bool = True,
    configuration: Callable[[FakeMistral], dict[str, Any]] | None = None,
    client_options: dict[str, Any] | None = None,
    **server: Any,
):
    """A pytest-lsp fixture (see ``server_fixture``, which takes ``server``) whose client holds
    a started ``Session`` as ``.session``, initialized with ``settings(fake)`` (default:
    ``server_settings(fake)``) against the ``fake`` fixture. Parametrized over ``params``
    clients, or always the one ``client``. ``configuration(fake)``: the ``codestral`` section
    the client answers workspace/configuration with. ``client_options``: what the client
    declares at initialize (``initializationOptions.client``)."""
    if client is not None:
        server["parametrized"] = False

    @server_fixture(params, **server)
    async def started(lsp_client: LanguageClient, request: Any, fake: FakeMistral):
        if configuration is not None:
            lsp_client.set_configuration({"codestral": configuration(fake)})
        name = client or request.param
        initial = None if settings is None else settings(fake)
        lsp_client.session = await start_session(  # type: ignore[attr-defined]
            lsp_client, fake, name, initial, inline, client_options=client_options
        )
        yield
        await lsp_client.shutdown_session()

    return started


async def end_session(lsp_client: LanguageClient) -> None:
    """shutdown/exit, if a session was started (``start_session``) on this client."""
    if lsp_client.capabilities is not None:
        await lsp_client.shutdown_session()


def lazy_session_fixture(params: list[str] | None = None, **server: Any):
    """A pytest-lsp fixture (see ``server_fixture``) for tests that start their session
    themselves (``start_session``), so that the first request already runs with their own
    settings; it is ended afterwards if it was started."""

    @server_fixture(params, **server)
    async def unstarted(lsp_client: LanguageClient):
        yield
        await end_session(lsp_client)

    return unstarted


@contextlib.asynccontextmanager
async def open_session(
    settings: dict[str, Any],
    fake: FakeMistral | None = None,
    client: str = BARE,
    env: dict[str, str] | None = None,
    command: Sequence[str] = SERVER,
) -> AsyncIterator[Session]:
    """A session outside pytest's fixtures (the benchmarks): the server inherits this process'
    environment, with the test keys on top."""
    base_env = {**os.environ, "CODESTRAL_API_KEY": PROVIDER_KEY}
    lsp_client = await server_config(env=env, command=command, base_env=base_env).start()
    assert isinstance(lsp_client, LanguageClient)
    session = await start_session(lsp_client, fake, client, settings, workspace=False)
    try:
        yield session
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(lsp_client.shutdown_async(None), 5)
            lsp_client.exit(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(lsp_client.stop(), 5)
        process = lsp_client._server
        if process is not None and process.returncode is None:
            process.kill()
