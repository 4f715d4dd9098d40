"""workspace/executeCommand: explain, chat, status, acceptCompletion, clearCache."""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from codestral_ls.documents import line_content
from codestral_ls.upstream import UpstreamError

if TYPE_CHECKING:
    from codestral_ls.server import CodestralServer

log = logging.getLogger(__name__)

COMMANDS = (
    "codestral.explain",
    "codestral.chat",
    "codestral.status",
    "codestral.acceptCompletion",
    "codestral.clearCache",
)
PROGRESS_EVERY_CHARS = 200


def _invalid(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message)


def _argument(params: types.ExecuteCommandParams) -> dict[str, Any]:
    args = params.arguments or []
    if not args:
        return {}
    if not isinstance(args[0], dict):
        raise _invalid(f"{params.command} takes one object argument, got {type(args[0]).__name__}")
    return args[0]


def _position(raw: Any, what: str) -> tuple[int, int]:
    if not isinstance(raw, dict):
        raise _invalid(f"range.{what} must be an object with line and character")
    line, char = raw.get("line"), raw.get("character")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, char)):
        raise _invalid(f"range.{what} needs non-negative integer line and character")
    return line, char


def _selection(server: CodestralServer, arg: dict[str, Any], required: bool):
    """(code, language, file name) for the uri/range in ``arg``."""
    uri = arg.get("uri")
    if uri is None and not required:
        return None, "text", ""
    if not isinstance(uri, str):
        raise _invalid("'uri' must be the document's URI (a string)")
    doc = server.service.documents.get(uri)
    if doc is None:
        raise _invalid(f"the document {uri} is not open in the server")
    refusal = server.service.refusal(doc)
    if refusal and "secret" in refusal:
        raise _invalid(f"not sent to Codestral: {refusal}")
    raw_range = arg.get("range")
    encoding = server.encoding
    if raw_range is None:
        code = doc.text
    else:
        if not isinstance(raw_range, dict):
            raise _invalid("'range' must be an object with start and end")
        s_line, s_index = doc.clamp(*_position(raw_range.get("start"), "start"), encoding)
        e_line, e_index = doc.clamp(*_position(raw_range.get("end"), "end"), encoding)
        if (e_line, e_index) < (s_line, s_index):
            s_line, s_index, e_line, e_index = e_line, e_index, s_line, s_index
        if s_line == e_line:
            code = line_content(doc.lines[s_line])[s_index:e_index]
        else:
            code = (
                doc.lines[s_line][s_index:]
                + "".join(doc.lines[s_line + 1 : e_line])
                + doc.lines[e_line][:e_index]
            )
    return code, doc.language_id, server.service.file_name(doc)


async def run_command(server: CodestralServer, params: types.ExecuteCommandParams) -> Any:
    name = params.command
    service = server.service
    if name == "codestral.status":
        return service.status()
    if name == "codestral.clearCache":
        service.engine.clear()
        return None
    if name == "codestral.acceptCompletion":
        arg = _argument(params)
        item_id = arg.get("id")
        if isinstance(item_id, str) and item_id in server.shown_ids:  # not any JSON value
            server.shown_ids.pop(item_id)
            service.engine.stats.accepted += 1
        return None
    if name in ("codestral.explain", "codestral.chat"):
        return await _ask(server, params, explain=name == "codestral.explain")
    raise _invalid(f"unknown command {name!r}; known: {', '.join(COMMANDS)}")


async def _ask(server: CodestralServer, params: types.ExecuteCommandParams, explain: bool):
    arg = _argument(params)
    question = arg.get("question")
    if question is not None and not isinstance(question, str):
        raise _invalid("'question' must be a string")
    if not explain and not (question or "").strip():
        raise _invalid("codestral.chat needs a non-empty 'question'")
    show = arg.get("show", True)
    if not isinstance(show, bool):
        raise _invalid("'show' must be true or false")
    code, language, file_name = _selection(server, arg, required=explain)

    token = params.work_done_token
    progress = server.work_done_progress if token is not None else None
    if progress is not None:
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
        if progress is not None and len(text) - reported[0] >= PROGRESS_EVERY_CHARS:
            reported[0] = len(text)
            progress.report(token, types.WorkDoneProgressReport(message=f"{len(text)} characters"))

    try:
        markdown = await server.service.ask(question, code, language, file_name, on_text)
    except UpstreamError as exc:
        markdown = f"**Codestral could not answer.** {server.service.last_error or exc.detail}"
    finally:
        if progress is not None:
            progress.end(token, types.WorkDoneProgressEnd(message="Done"))
    if show:
        await _show(server, markdown, file_name)
    return {"markdown": markdown}


async def _show(server: CodestralServer, markdown: str, file_name: str) -> None:
    if server.client_supports("window", "show_document", "support"):
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
