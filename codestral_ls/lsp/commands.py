"""workspace/executeCommand: explain, chat, status, acceptCompletion, partialAccept, inspect,
clearCache.

Arguments are structured into typed classes with lsprotocol's converter (made strict about
JSON types: a number is not a URI, "no" is not false), so a malformed call gets one clear
invalid-params error naming the field.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from lsprotocol import converters, types
from pygls.exceptions import JsonRpcInvalidParams

from codestral_ls.lsp.server import CodestralServer
from codestral_ls.upstream import UpstreamError

log = logging.getLogger(__name__)

EXPLAIN = "codestral.explain"
CHAT = "codestral.chat"
STATUS = "codestral.status"
ACCEPT = "codestral.acceptCompletion"
CLEAR_CACHE = "codestral.clearCache"
PARTIAL_ACCEPT = "codestral.partialAccept"
INSPECT = "codestral.inspect"
COMMANDS = (EXPLAIN, CHAT, STATUS, ACCEPT, CLEAR_CACHE, PARTIAL_ACCEPT, INSPECT)
INSPECT_MAX = 50
PROGRESS_EVERY_CHARS = 200

T = TypeVar("T")


@attrs.define
class AskArguments:
    """codestral.explain and codestral.chat."""

    uri: str | None = None
    range: types.Range | None = None
    question: str | None = None
    show: bool = True


@attrs.define
class AcceptArguments:
    id: str | None = None


@attrs.define
class PartialAcceptArguments:
    """The part of suggestion ``id`` accepted so far: its ``text``, or ``acceptedLength`` in
    the position encoding negotiated at initialize (UTF-16 code units for VS Code)."""

    id: str
    acceptedLength: int | None = None  # the wire name
    text: str | None = None


@attrs.define
class InspectArguments:
    limit: int = 10


def _strict(kind: type, name: str) -> Callable[[Any, type], Any]:
    def structure(value: Any, _type: type) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {name}, got {type(value).__name__}")
        return value

    return structure


@functools.cache
def _converter() -> cattrs.Converter:
    # A converter of our own: lsprotocol's coerces (str(42), bool("no")); the hooks must be
    # registered before the first structure, as cattrs bakes them into generated functions.
    # Built on the first command, not at start-up (about 20 ms).
    converter = converters.get_converter()
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    return converter


def _arguments(params: types.ExecuteCommandParams, cls: type[T]) -> T:
    args = params.arguments or []
    raw = args[0] if args else {}
    if not isinstance(raw, dict):
        raise JsonRpcInvalidParams(
            f"{params.command} takes one object argument, got {type(raw).__name__}"
        )
    try:
        return _converter().structure(raw, cls)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path="argument"))
        raise JsonRpcInvalidParams(f"{params.command}: {problems}") from None


async def run_command(server: CodestralServer, params: types.ExecuteCommandParams) -> Any:
    handler = _HANDLERS.get(params.command)
    if handler is None:
        raise JsonRpcInvalidParams(
            f"unknown command {params.command!r}; known: {', '.join(COMMANDS)}"
        )
    return await handler(server, params)


async def _status(server: CodestralServer, params: types.ExecuteCommandParams) -> dict[str, Any]:
    return server.service.status()


async def _clear_cache(server: CodestralServer, params: types.ExecuteCommandParams) -> None:
    server.service.clear_cache()


async def _accept(server: CodestralServer, params: types.ExecuteCommandParams) -> None:
    item_id = _arguments(params, AcceptArguments).id
    if item_id is not None:
        server.service.accept(item_id)


async def _partial_accept(server: CodestralServer, params: types.ExecuteCommandParams) -> bool:
    arg = _arguments(params, PartialAcceptArguments)
    if arg.acceptedLength is None and arg.text is None:
        raise JsonRpcInvalidParams(f"{PARTIAL_ACCEPT} needs 'acceptedLength' or 'text'")
    if arg.acceptedLength is not None and arg.acceptedLength < 0:
        raise JsonRpcInvalidParams(f"{PARTIAL_ACCEPT}: 'acceptedLength' must not be negative")
    return server.service.partial_accept(
        arg.id, length=arg.acceptedLength, text=arg.text, encoding=server.encoding
    )


async def _inspect(server: CodestralServer, params: types.ExecuteCommandParams) -> dict[str, Any]:
    limit = _arguments(params, InspectArguments).limit
    if not 1 <= limit <= INSPECT_MAX:
        raise JsonRpcInvalidParams(f"{INSPECT}: 'limit' must be from 1 to {INSPECT_MAX}")
    return server.service.inspect(limit)


def _selection(server: CodestralServer, arg: AskArguments, required: bool) -> tuple[str, str, str]:
    """(code, language, file name) for the uri/range in ``arg``."""
    if arg.uri is None:
        if required:
            raise JsonRpcInvalidParams("'uri' must be the document's URI (a string)")
        return "", "text", ""
    service = server.service
    doc = service.document(arg.uri)
    if doc is None:
        raise JsonRpcInvalidParams(f"the document {arg.uri} is not open in the server")
    refusal = service.refusal(doc)
    if refusal is not None and refusal.kind == "secret_file":
        raise JsonRpcInvalidParams(f"not sent to Codestral: {refusal.message}")
    if arg.range is None:
        code = doc.text
    else:
        encoding = server.encoding
        start = doc.clamp(arg.range.start.line, arg.range.start.character, encoding)
        end = doc.clamp(arg.range.end.line, arg.range.end.character, encoding)
        code = doc.text_between(start, end)
    return code, doc.language_id, service.file_name(doc)


async def _explain(server: CodestralServer, params: types.ExecuteCommandParams) -> dict[str, str]:
    return await _ask(server, params, explain=True)


async def _chat(server: CodestralServer, params: types.ExecuteCommandParams) -> dict[str, str]:
    return await _ask(server, params, explain=False)


async def _ask(
    server: CodestralServer, params: types.ExecuteCommandParams, explain: bool
) -> dict[str, str]:
    arg = _arguments(params, AskArguments)
    if not explain and not (arg.question or "").strip():
        raise JsonRpcInvalidParams("codestral.chat needs a non-empty 'question'")
    code, language, file_name = _selection(server, arg, required=explain)

    token = params.work_done_token
    progress = server.work_done_progress if token is not None else None
    if progress is not None and token is not None:
        progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="Codestral",
                message="Explaining…" if explain else "Thinking…",
                cancellable=False,
            ),
        )
    reported = [0]

    def on_text(text: str) -> None:
        if progress is None or token is None:
            return
        if len(text) - reported[0] >= PROGRESS_EVERY_CHARS:
            reported[0] = len(text)
            progress.report(token, types.WorkDoneProgressReport(message=f"{len(text)} characters"))

    try:
        markdown = await server.service.ask(
            arg.question, code, language, file_name, on_text, uri=arg.uri
        )
    except UpstreamError as exc:
        markdown = f"**Codestral could not answer.** {server.service.last_error or exc.detail}"
    finally:
        if progress is not None and token is not None:
            progress.end(token, types.WorkDoneProgressEnd(message="Done"))
    if arg.show:
        await _show(server, markdown, file_name)
    return {"markdown": markdown}


async def _show(server: CodestralServer, markdown: str, file_name: str) -> None:
    if server.supports("window.show_document.support"):
        folder = Path(tempfile.gettempdir()) / "codestral-ls"
        folder.mkdir(exist_ok=True)
        stem = Path(file_name).name or "answer"
        path = folder / f"{stem}.{uuid.uuid4().hex[:8]}.md"
        path.write_text(markdown, encoding="utf-8")
        try:
            result = await server.window_show_document_async(
                types.ShowDocumentParams(uri=path.as_uri(), take_focus=True)
            )
            if result is not None and result.success:
                return
        except Exception as exc:  # fall back to a message
            log.info("showDocument failed: %s", exc)
    server.window_show_message(
        types.ShowMessageParams(type=types.MessageType.Info, message=markdown)
    )


_HANDLERS: dict[str, Callable[[CodestralServer, types.ExecuteCommandParams], Awaitable[Any]]] = {
    EXPLAIN: _explain,
    CHAT: _chat,
    STATUS: _status,
    ACCEPT: _accept,
    CLEAR_CACHE: _clear_cache,
    PARTIAL_ACCEPT: _partial_accept,
    INSPECT: _inspect,
}
