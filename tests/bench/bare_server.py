"""A bare pygls language server: the baseline for bench_startup (same pygls, same stdio loop,
no features beyond what pygls does itself, incremental document sync)."""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare", "1", text_document_sync_kind=types.TextDocumentSyncKind.Incremental)

if __name__ == "__main__":
    server.start_io()
