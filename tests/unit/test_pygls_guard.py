"""Guard: the pygls internals that codestral_ls/lsp/pygls_fixes.py relies on are still there and
still shaped as it expects. When a pygls upgrade fails this, read pygls_fixes.py override by
override before widening the pin in pyproject.toml."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pygls.io_
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from codestral_ls.lsp.build import build_server
from codestral_ls.lsp.pygls_fixes import CodestralProtocol

ROOT = Path(__file__).resolve().parents[2]


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_installed_pygls_is_the_minor_version_the_pin_allows():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pin = re.search(r'"pygls>=(\d+\.\d+),<(\d+\.\d+)"', pyproject)
    assert pin is not None, "pygls must be pinned to one minor version"
    low, high = pin.groups()
    installed = tuple(int(p) for p in version("pygls").split(".")[:2])
    assert tuple(map(int, low.split("."))) <= installed < tuple(map(int, high.split(".")))


def test_execute_handler_and_its_future_registry():
    # the notification-future leak fix wraps _execute_handler and prunes _request_futures
    assert _parameters(JsonRPCProtocol._execute_handler) == [
        "self",
        "msg_id",
        "handler",
        "callback",
        "args",
        "kwargs",
    ]
    protocol = build_server().protocol
    assert isinstance(protocol, CodestralProtocol)
    assert isinstance(protocol._request_futures, dict)


def test_message_structuring_and_raw_responses():
    assert _parameters(JsonRPCProtocol.structure_message) == ["self", "data"]
    assert _parameters(JsonRPCProtocol._send_response)[:4] == ["self", "msg_id", "result", "error"]


def test_message_dispatch_we_take_over():
    # handle_message is replaced by a field test for request vs notification; it calls these
    assert _parameters(JsonRPCProtocol.handle_message) == ["self", "message"]
    assert _parameters(JsonRPCProtocol._handle_request) == [
        "self",
        "msg_id",
        "method_name",
        "params",
    ]
    assert _parameters(JsonRPCProtocol._handle_notification) == ["self", "method_name", "params"]
    assert JsonRPCProtocol.VERSION == "2.0"
    assert build_server().protocol._shutdown is False


def test_the_builtin_handlers_we_replace_exist_under_these_names():
    # pygls finds built-in handlers by these method names; a rename would silently bring back
    # its whole-text documents and its own command dispatch.
    for name in (
        "lsp_text_document__did_open",
        "lsp_text_document__did_change",
        "lsp_text_document__did_close",
        "lsp_workspace__execute_command",
    ):
        assert callable(getattr(LanguageServerProtocol, name)), name
        assert getattr(CodestralProtocol, name) is not getattr(LanguageServerProtocol, name)
    assert callable(lsp_method)


def test_serving_loop_pieces():
    # serve_stdio/serve_tcp drive pygls' own message loop with our reader
    assert _parameters(pygls.io_.run_async) == [
        "stop_event",
        "reader",
        "protocol",
        "logger",
        "error_handler",
    ]
    assert callable(pygls.io_.StdoutWriter)
    server = build_server()
    # shutdown() sets _stop_event and closes _server: we set both ourselves
    assert hasattr(server, "_stop_event") and hasattr(server, "_server")
    assert "_stop_event" in inspect.getsource(LanguageServer.shutdown)
    assert "stdin" in _parameters(LanguageServer.start_io)
    assert callable(server.protocol.set_writer)
