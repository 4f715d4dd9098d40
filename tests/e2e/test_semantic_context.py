"""Semantic retrieval (``context.embeddings``) through the real server against the fake's
embeddings endpoint: off by default; on, the workspace is embedded in the background and a
restart re-embeds nothing (requests counted at the fake); code that means the same under other
names, which lexical retrieval misses, reaches the FIM prompt; a failing endpoint leaves
completions alone and is told once; token use is in status; a model change re-embeds."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.fakes.mistral import FakeMistral, Reply
from tests.support.session import Session, capabilities, server_config
from tests.support.settings import server_settings

CACHE = tempfile.mkdtemp(prefix="codestral-ls-embeddings-")  # XDG_CACHE_HOME of these servers

ACCOUNTS = '''"""Account storage."""


def load_account_profile(account_id):
    """Read one account's record from storage."""
    record = store.read(account_id)
    return record.profile
'''
CHART = '''"""Drawing."""


def render_chart(points, width):
    """Draw points as a chart of the given width."""
    scale = width / max(points)
    return [round(p * scale) for p in points]
'''
MAIN = '''"""The web handlers."""


def fetch_user_profile(user_id):
    """Get this user's data."""
    '''
CURSOR = (5, 4)


def make_workspace(root: Path) -> None:
    (root / "storage").mkdir()
    (root / "storage" / "accounts.py").write_text(ACCOUNTS)
    (root / "chart.py").write_text(CHART)
    (root / "main.py").write_text(MAIN)


def settings(fake: FakeMistral, **context: Any) -> dict[str, Any]:
    return server_settings(fake, context={"crossFile": True, "embeddings": True, **context})


def embedding_calls(fake: FakeMistral) -> list[Any]:
    return [r for r in fake.requests if r.path.endswith("/embeddings")]


def chunk_calls(fake: FakeMistral) -> list[Any]:
    """Background batches (a query embeds one text that starts with the open file's code)."""
    return [r for r in embedding_calls(fake) if '"""The web handlers."""' not in r.body.decode()]


@contextlib.asynccontextmanager
async def server(fake: FakeMistral, root: Path, init: dict[str, Any]) -> AsyncIterator[Session]:
    client = await server_config(env={"XDG_CACHE_HOME": CACHE}).start()
    assert isinstance(client, LanguageClient)
    session = Session(client, fake, "utf-16")
    client.feature("codestral/status")(lambda params: session.statuses.append(params))
    client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    uri = root.as_uri()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities("visual-studio-code", ["utf-16"]),
            initialization_options={"codestral": init},
            root_uri=uri,
            workspace_folders=[types.WorkspaceFolder(uri=uri, name="ws")],
        )
    )
    try:
        yield session
    finally:
        await client.shutdown_session()


async def embeddings_status(session: Session, until: str = "ready") -> dict[str, Any]:
    status: dict[str, Any] = {}
    for _ in range(400):
        status = (await session.status())["workspace"]["embeddings"]
        if status["state"] == until and (until != "ready" or not status["pending"]):
            return status
        await asyncio.sleep(0.025)
    raise AssertionError(f"embeddings never {until}: {status}")


async def test_off_by_default_nothing_is_embedded(fake: FakeMistral, tmp_path: Path) -> None:
    make_workspace(tmp_path)
    init = server_settings(fake, context={"crossFile": True})
    async with server(fake, tmp_path, init) as session:
        for _ in range(200):
            if (await session.status())["workspace"]["state"] == "ready":
                break
            await asyncio.sleep(0.02)
        uri = (tmp_path / "main.py").as_uri()
        session.open(uri, MAIN)
        await session.inline(uri, *CURSOR)
        await asyncio.sleep(0.6)
        await session.inline(uri, *CURSOR)
        status = (await session.status())["workspace"]["embeddings"]
    assert status["enabled"] is False and status["state"] == "off"
    assert embedding_calls(fake) == []


async def test_similar_code_under_other_names_reaches_the_prompt_and_a_restart_reembeds_nothing(
    fake: FakeMistral, tmp_path: Path
) -> None:
    make_workspace(tmp_path)
    uri = (tmp_path / "main.py").as_uri()
    async with server(fake, tmp_path, settings(fake)) as session:
        status = await embeddings_status(session)
        assert status["chunks"] == 3 and status["embedded"] == 3 and status["storeHits"] == 0
        assert status["promptTokens"] > 0 and status["totalTokens"] >= status["promptTokens"]
        batches = chunk_calls(fake)
        assert batches and all(r.json["model"] == "mistral-embed" for r in batches)
        assert all(set(r.json) == {"model", "input"} for r in batches)

        session.open(uri, MAIN)
        await session.inline(uri, *CURSOR)
        lexical = session.fim_requests()[-1].json["prompt"]
        assert "load_account_profile" not in lexical  # no identifier in common: lexical misses it
        for _ in range(200):  # the query is embedded once the cursor settles, off the keystroke
            if (await session.status())["workspace"]["embeddings"]["queries"]:
                break
            await asyncio.sleep(0.02)
        await session.inline(uri, *CURSOR)
        prompt = session.fim_requests()[-1].json["prompt"]
        assert "+++++ storage/accounts.py\n" in prompt
        assert "def load_account_profile(account_id):" in prompt
        assert "render_chart" not in prompt  # unrelated code stays out
        assert prompt.endswith(MAIN)
        used = (await session.status())["workspace"]["embeddings"]["promptTokens"]
        assert used > status["promptTokens"]  # the query's tokens are counted too
    before = len(chunk_calls(fake))

    async with server(fake, tmp_path, settings(fake)) as again:
        status = await embeddings_status(again)
    assert len(chunk_calls(fake)) == before  # the restart read every vector from the store
    assert status["storeHits"] == 3 and status["embedded"] == 0 and status["requests"] == 0

    (tmp_path / "chart.py").write_text(CHART.replace("Drawing", "Drawing, in colour"))
    async with server(fake, tmp_path, settings(fake)) as changed:
        status = await embeddings_status(changed)
    assert status["storeHits"] == 2 and status["embedded"] == 1  # only the changed chunk

    async with server(fake, tmp_path, settings(fake, embeddingsModel="codestral-embed")) as other:
        status = await embeddings_status(other)
    assert status["embedded"] == 3 and status["storeHits"] == 0  # another model: never mixed
    assert chunk_calls(fake)[-1].json["model"] == "codestral-embed"


async def test_a_failing_embeddings_endpoint_leaves_completions_alone_and_is_told_once(
    fake: FakeMistral, tmp_path: Path
) -> None:
    make_workspace(tmp_path)
    fake.default_text = "return db.profile(user_id)"
    fake.enqueue(*[Reply(status=503) for _ in range(40)], path="/embeddings")
    uri = (tmp_path / "main.py").as_uri()
    async with server(fake, tmp_path, settings(fake)) as session:
        status = await embeddings_status(session, until="paused")
        assert status["errors"] >= 1 and "503" in status["lastError"]
        session.open(uri, MAIN)
        for _ in range(3):
            assert await session.inline_text(uri, *CURSOR) == "return db.profile(user_id)"
            await asyncio.sleep(0.4)
        shown = [m for m in session.shown() if "Semantic context" in m]
        top = await session.status()
    assert len(shown) == 1 and "Completions go on without it" in shown[0]
    assert top["lastError"] is None and top["errors"] == 0  # completions never saw it
