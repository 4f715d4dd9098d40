"""The benchmarks' settings: the kit's one builder (tests/support/settings.py) with a 5 s
timeout. Sessions are tests/support/session.py's ``open_session`` (pytest-lsp's client driving
``python -m codestral_ls`` over stdio, as an editor would); the fake upstream as its own process
is tests/support/upstream.py's ``fake_process``."""

from __future__ import annotations

from typing import Any

from tests.support.settings import server_settings


def settings_for(base_url: str | None, **completion: Any) -> dict[str, Any]:
<<<<<<< HEAD
    return {
        "route": "direct",
        "baseUrl": base_url,
        "completion": {"debounceMs": 0, "timeoutMs": 5000, "prefetch": False, **completion},
        "context": {"crossFile": False},
    }


def capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf16]
        ),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(),
            synchronization=types.TextDocumentSyncClientCapabilities(),
        ),
    )


class Editor:
    """One editor session: a client plus helpers to open, edit and ask for ghost text."""

    def __init__(self, client: LanguageClient, process: asyncio.subprocess.Process) -> None:
        self.client = client
        self.process = process
        self.versions: dict[str, int] = {}
        self.statuses: list[tuple[float, Any]] = []  # (time.monotonic(), params) per status
        self._ids = 0

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

    @staticmethod
    def inline_params(uri: str, line: int, character: int) -> types.InlineCompletionParams:
        return types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic
            ),
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )

    async def inline(self, uri: str, line: int, character: int) -> str | None:
        result = await self.client.text_document_inline_completion_async(
            self.inline_params(uri, line, character)
        )
        return first_text(result)

    def inline_cancellable(self, uri: str, line: int, character: int):
        """Send the request; returns (message id, future of the raw result)."""
        self._ids += 1
        msg_id = f"bench-{self._ids}"
        future = self.client.protocol.send_request(
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            self.inline_params(uri, line, character),
            msg_id=msg_id,
        )
        return msg_id, asyncio.wrap_future(future)

    def cancel(self, msg_id: str) -> None:
        self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    async def command(self, name: str, *args: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args) or None)
        )


def first_text(result: Any) -> str | None:
    if result is None:
        return None
    items = result.items if isinstance(result, types.InlineCompletionList) else result
    return items[0].insert_text if items else None


@contextlib.asynccontextmanager
async def editor(
    settings: dict[str, Any],
    env: dict[str, str] | None = None,
    command: tuple[str, ...] = ("-m", "codestral_ls"),
) -> AsyncIterator[Editor]:
    client = LanguageClient("bench-editor", "1")
    statuses: list[tuple[float, Any]] = []
    client.feature("codestral/status")(lambda params: statuses.append((time.monotonic(), params)))
    client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: None)
    client.feature(types.WINDOW_LOG_MESSAGE)(lambda params: None)
    full_env = {**os.environ, "CODESTRAL_API_KEY": KEY, **(env or {})}
    await client.start_io(sys.executable, *command, env=full_env)
    assert client._server is not None
    await client.initialize_async(
        types.InitializeParams(
            capabilities=capabilities(),
            initialization_options={"codestral": settings},
            root_uri="file:///work/project",
        )
    )
    client.initialized(types.InitializedParams())
    session = Editor(client, client._server)
    session.statuses = statuses
    try:
        yield session
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_async(None), 5)
            client.exit(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), 5)
        if session.process.returncode is None:
            session.process.kill()


def now() -> float:
    return time.perf_counter()
=======
    return server_settings(base_url, timeout_ms=5000, completion=completion)
>>>>>>> main
