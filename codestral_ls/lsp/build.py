"""The composition root: builds the language server from its parts. The only module that
knows them all, so none of them needs to import another's caller."""

from __future__ import annotations

import functools

from codestral_ls.lsp import commands, handlers
from codestral_ls.lsp.server import CodestralServer


def build_server() -> CodestralServer:
    server = CodestralServer()
    handlers.register(server)
    server.run_command = functools.partial(commands.run_command, server)
    return server
