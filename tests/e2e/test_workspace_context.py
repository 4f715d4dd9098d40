"""Repository context through the real server: the index status, a definition from an imported
workspace file that is not open reaching the FIM prompt the fake upstream receives, a secret
file never reaching it, and updates through didSave and watched-file events."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.session import Session, capabilities, server_fixture
from tests.support.settings import server_settings

LIB = "def send_frame(sock, payload: bytes, *, flush: bool = True) -> int:\n    return 0\n"
MAIN = "from pkg.net import send_frame\n\n\ndef run(sock):\n    send_frame(\n"


def make_workspace(root: Path) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "net.py").write_text(LIB)
    (root / "pkg" / "__init__.py").write_text("")
    # a secret file that defines the same name: it must never be read into a prompt
    (root / "pkg" / "secrets.py").write_text("def run_secret_helper(TOKEN_VALUE_42): ...\n")
    (root / ".env").write_text("def send_frame(ENV_SECRET_VALUE): ...\n")
    (root / "main.py").write_text(MAIN)


@server_fixture(params=["vscode-utf16"])
async def client(lsp_client: LanguageClient, fake, tmp_path: Path):
    make_workspace(tmp_path)
    session = Session(lsp_client, fake, "utf-16")
    registrations: list[Any] = []
    lsp_client.feature("codestral/status")(lambda params: session.statuses.append(params))

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    caps = capabilities("visual-studio-code", ["utf-16"])
    root = tmp_path.as_uri()
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            initialization_options={
                "codestral": server_settings(fake, context={"crossFile": True})
            },
            root_uri=root,
            workspace_folders=[types.WorkspaceFolder(uri=root, name="ws")],
        )
    )
    session.root = tmp_path  # type: ignore[attr-defined]
    session.registrations = registrations  # type: ignore[attr-defined]
    lsp_client.session = session
    for _ in range(250):  # a request, not a notification: session.wait_for would not wake
        if registrations:
            break
        await asyncio.sleep(0.02)
    yield
    await lsp_client.shutdown_session()


async def ready(session: Session) -> dict[str, Any]:
    status: dict[str, Any] = {}

    async def check() -> bool:
        status.update((await session.status())["workspace"])
        return status["state"] == "ready"

    for _ in range(200):
        if await check():
            return status
        await asyncio.sleep(0.02)
    raise AssertionError(f"index not ready: {status}")


async def test_status_counts_indexed_files_never_secret_ones(session: Session) -> None:
    status = await ready(session)
    # main.py, pkg/net.py, pkg/__init__.py; not .env, not pkg/secrets.py
    assert status["files"] == 3
    assert status["definitions"] >= 2
    assert status["skipped"]["secret"] >= 1
    watchers = session.registrations  # type: ignore[attr-defined]
    assert watchers[0].method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES


async def test_definition_of_an_unopened_import_reaches_the_fim_prompt(session: Session) -> None:
    await ready(session)
    uri = (session.root / "main.py").as_uri()  # type: ignore[attr-defined]
    session.open(uri, MAIN)
    await session.inline(uri, 4, len("    send_frame("))
    prompt = session.fim_requests()[-1].json["prompt"]
    assert "+++++ pkg/net.py\ndef send_frame(sock, payload: bytes, *, flush: bool = True)" in prompt
    assert prompt.rstrip().endswith("send_frame(")
    for secret in ("ENV_SECRET_VALUE", "TOKEN_VALUE_42", ".env", "secrets.py"):
        assert secret not in prompt


async def test_saved_and_watched_changes_reach_the_next_prompt(session: Session) -> None:
    await ready(session)
    root: Path = session.root  # type: ignore[attr-defined]
    uri = (root / "main.py").as_uri()
    session.open(uri, MAIN)
    (root / "pkg" / "net.py").write_text("def send_frame(sock, header: dict) -> None:\n    pass\n")
    session.client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=(root / "pkg" / "net.py").as_uri())
        )
    )
    for _ in range(100):
        await session.inline(uri, 4, len("    send_frame("))
        if "header: dict" in session.fim_requests()[-1].json["prompt"]:
            break
        await asyncio.sleep(0.02)
    assert "def send_frame(sock, header: dict)" in session.fim_requests()[-1].json["prompt"]

    wire = root / "pkg" / "wire.py"
    wire.write_text("def pack_header(kind: int, size: int) -> bytes:\n    ...\n")
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=wire.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    for _ in range(100):
        if (await session.status())["workspace"]["files"] == 4:
            break
        await asyncio.sleep(0.02)
    assert (await session.status())["workspace"]["files"] == 4


async def test_explain_gets_the_definitions_the_selection_uses(session: Session) -> None:
    await ready(session)
    uri = (session.root / "main.py").as_uri()  # type: ignore[attr-defined]
    session.open(uri, MAIN + "        sock, b'x')\n")
    selection = {"start": {"line": 3, "character": 0}, "end": {"line": 5, "character": 20}}
    await session.command("codestral.explain", {"uri": uri, "range": selection, "show": False})
    chats = [r for r in session.fake.requests if r.path.endswith("/chat/completions")]
    user = chats[-1].json["messages"][-1]["content"]
    assert "+++++ pkg/net.py\ndef send_frame(sock, payload: bytes, *, flush: bool = True)" in user
    assert "ENV_SECRET_VALUE" not in user
