"""Thin LSP handlers: read params, call the service, build lsprotocol results."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from lsprotocol import types

from codestral_ls.documents import Document, line_content
from codestral_ls.lsp.commands import ACCEPT, COMMANDS, EXPLAIN
from codestral_ls.lsp.fixes import ClientFixes
from codestral_ls.lsp.growth import takes_updates, tell_when_grown
from codestral_ls.lsp.server import CodestralServer, path_of
from codestral_ls.service import Suggested

log = logging.getLogger(__name__)

_WORD_END = re.compile(r"\w*$")


@dataclass(frozen=True)
class Cursor:
    """The document, the cursor as (line, index) clamped inside it, and that cursor in the
    client's units."""

    doc: Document
    line: int
    index: int
    at: types.Position


def _accept_command(item_id: str) -> types.Command:
    return types.Command(title="Accept", command=ACCEPT, arguments=[{"id": item_id}])


def register(server: CodestralServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: CodestralServer, params: types.InitializeParams) -> None:
        ls.service.set_root(_root_path(params))
        ls.fixes = ClientFixes.from_init_options(params.initialization_options)
        ls.takes_updates = takes_updates(params.initialization_options)
        ls.service.set_folders(_folder_paths(params))
        if params.initialization_options is not None:
            ls.service.set_layer("init", params.initialization_options)
        else:
            ls.service.apply_settings()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CodestralServer, params: types.InitializedParams) -> None:
        ls.mark_initialized()
        await _pull_configuration(ls)
        ls.service.warm_up()
        ls.service.start_workspace()
        await _watch_files(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: CodestralServer, params: types.DidSaveTextDocumentParams) -> None:
        path = path_of(params.text_document.uri)
        if path:
            ls.service.files_changed([(path, True)])

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: CodestralServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        changes = []
        for event in params.changes:
            path = path_of(event.uri)
            if path:
                changes.append((path, event.type != types.FileChangeType.Deleted))
        ls.service.files_changed(changes)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: CodestralServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("codestral"), dict):
            ls.service.set_layer("client", settings["codestral"])
        else:
            # The "pull" style: the notification only says something changed.
            await _pull_configuration(ls)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: CodestralServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        cursor = _locate(ls, params.text_document.uri, params.position)
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        found = cursor and await _suggest(
            ls, cursor, True, invoked, prefetch=True, early=ls.takes_updates
        )
        if not cursor or not found:
            return types.InlineCompletionList(items=[])
        if found.growing is not None:
            tell_when_grown(ls, params.text_document.uri, params.position, found.growing)
        item = types.InlineCompletionItem(
            insert_text=found.text,
            range=types.Range(start=cursor.at, end=_covered_end(ls, cursor, found.text)),
            command=_accept_command(found.id),
        )
        return types.InlineCompletionList(items=[item])

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions())
    async def completion(
        ls: CodestralServer, params: types.CompletionParams
    ) -> types.CompletionList:
        policy = ls.service.settings.completion.popup
        invoked = params.context is None or (
            params.context.trigger_kind == types.CompletionTriggerKind.Invoked
        )
        # Clients with ghost text never need the popup to cost a request; see README.
        has_inline = ls.supports("text_document.inline_completion")
        ask_upstream = policy == "always" or (policy == "invoked" and invoked and not has_inline)
        if policy == "never" or (has_inline and policy != "always"):
            return types.CompletionList(is_incomplete=False, items=[])
        cursor = _locate(ls, params.text_document.uri, params.position)
        found = cursor and await _suggest(ls, cursor, ask_upstream, invoked)
        if not cursor or not found:
            return types.CompletionList(is_incomplete=True, items=[])
        word, start = _word_before(ls, cursor)
        end = _covered_end(ls, cursor, found.text)
        item = _popup_item(ls, word + found.text, start, end, found.id)
        return types.CompletionList(is_incomplete=True, items=[item])

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION)
    def code_action(ls: CodestralServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        r = params.range
        if (r.start.line, r.start.character) == (r.end.line, r.end.character):
            return []
        if ls.service.document(params.text_document.uri) is None:
            return []
        args = {
            "uri": params.text_document.uri,
            "range": {
                "start": {"line": r.start.line, "character": r.start.character},
                "end": {"line": r.end.line, "character": r.end.character},
            },
        }
        return [
            types.CodeAction(
                title="Explain with Codestral",
                kind=types.CodeActionKind.Empty,
                command=types.Command(
                    title="Explain with Codestral", command=EXPLAIN, arguments=[args]
                ),
            )
        ]

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: CodestralServer, *args: object) -> None:
        await ls.service.aclose()

    for name in COMMANDS:
        # Registered so pygls advertises them; CodestralProtocol dispatches them itself.
        server.command(name)(_advertised_only)


def _advertised_only(*args: object) -> None:  # pragma: no cover - never dispatched
    return None


async def _pull_configuration(ls: CodestralServer) -> None:
    if not ls.supports("workspace.configuration"):
        return
    try:
        result = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="codestral")])
            ),
            timeout=5,
        )
    except Exception as exc:  # a client that fails this must not stop the server
        log.warning("workspace/configuration failed: %s", exc)
        return
    if result and isinstance(result[0], dict):
        ls.service.set_layer("client", result[0])


WATCHED_GLOB = (
    "**/*.{py,pyi,js,jsx,mjs,cjs,ts,tsx,mts,cts,go,rs,java,kt,c,h,cc,cpp,hpp,cs,rb,php,lua,"
    "swift,scala}"
)


async def _watch_files(ls: CodestralServer) -> None:
    """Ask the client to tell us of source files changed on disk (when it can register
    watchers dynamically); saves come through didSave either way."""
    if not ls.supports("workspace.did_change_watched_files.dynamic_registration"):
        return
    registration = types.Registration(
        id="codestral-workspace-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=WATCHED_GLOB)]
        ),
    )
    try:
        await asyncio.wait_for(
            ls.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            ),
            timeout=5,
        )
    except Exception as exc:  # a client that refuses keeps didSave updates
        log.info("file watcher registration failed: %s", exc)


def _locate(ls: CodestralServer, uri: str, position: types.Position) -> Cursor | None:
    """The cursor in the document; None for a document never opened."""
    doc = ls.service.document(uri)
    if doc is None:
        return None
    encoding = ls.encoding
    line, index = doc.clamp(position.line, position.character, encoding)
    at_line, at_column = doc.position_of(line, index, encoding)
    return Cursor(doc, line, index, types.Position(line=at_line, character=at_column))


async def _suggest(
    ls: CodestralServer,
    cursor: Cursor,
    ask_upstream: bool,
    invoked: bool,
    prefetch: bool = False,
    early: bool = False,
) -> Suggested | None:
    try:
        return await ls.service.suggest(
            cursor.doc,
            cursor.line,
            cursor.index,
            upstream=ask_upstream,
            invoked=invoked,
            prefetch=prefetch,
            early=early,
        )
    except Exception:
        # A bug of ours must not become an LSP error on every keystroke: log it, show nothing.
        log.exception("completion failed at %s:%d:%d", cursor.doc.uri, cursor.line, cursor.index)
        return None


def _covered_end(ls: CodestralServer, cursor: Cursor, text: str) -> types.Position:
    """The end of what the suggestion replaces: the cursor, or past the closers after it that
    the suggestion types itself (``foo(|)`` + ``a, b)``)."""
    covered = ls.service.closers_covered(cursor.doc, cursor.line, cursor.index, text)
    if not covered:
        return cursor.at
    line, column = cursor.doc.position_of(cursor.line, cursor.index + covered, ls.encoding)
    return types.Position(line=line, character=column)


def _word_before(ls: CodestralServer, cursor: Cursor) -> tuple[str, types.Position]:
    """The identifier characters just before the cursor, and where they start.

    The popup item replaces that word with word + suggestion: clients filter items by the word
    before the cursor (Eglot, Helix, VS Code) or insert the label from the edit's start
    (Neovim), and both then see the whole word."""
    doc, line, index = cursor.doc, cursor.line, cursor.index
    before = line_content(doc.lines[line])[max(0, index - 200) : index]
    match = _WORD_END.search(before)
    word = match.group() if match else ""
    if not word:
        return "", cursor.at
    start_line, start_column = doc.position_of(line, index - len(word), ls.encoding)
    return word, types.Position(line=start_line, character=start_column)


def _popup_item(
    ls: CodestralServer, text: str, start: types.Position, at: types.Position, item_id: str
) -> types.CompletionItem:
    # The label is the first line as it will be inserted, leading space included: Neovim 0.11
    # inserts the label itself for a snippet item whose text is at least as long.
    first = text.split("\n", 1)[0]
    label = first if first.strip() else text.strip().split("\n", 1)[0]
    snippets = ls.supports("text_document.completion.completion_item.snippet_support")
    if snippets:
        # Some clients (Neovim 0.11) cut plain text at the first space; a snippet inserts whole.
        new_text = text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")
        fmt = types.InsertTextFormat.Snippet
    else:
        new_text, fmt = text, types.InsertTextFormat.PlainText
    return types.CompletionItem(
        label=label[:80],
        kind=types.CompletionItemKind.Text,
        detail="Codestral",
        documentation=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=f"```\n{text}\n```"
        ),
        insert_text_format=fmt,
        text_edit=types.TextEdit(range=types.Range(start=start, end=at), new_text=new_text),
        sort_text="0",
        command=_accept_command(item_id),
    )


def _folder_paths(params: types.InitializeParams) -> list[str]:
    uris = [f.uri for f in params.workspace_folders or []]
    if not uris and params.root_uri:
        uris = [params.root_uri]
    paths = [path_of(uri) for uri in uris]
    if not uris and params.root_path:
        paths = [params.root_path]
    return [p for p in paths if p]


def _root_path(params: types.InitializeParams) -> str | None:
    if params.workspace_folders:
        return path_of(params.workspace_folders[0].uri)
    if params.root_uri:
        return path_of(params.root_uri)
    return params.root_path
