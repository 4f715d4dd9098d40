"""Bad LSP input: broken framing, unknown methods, wrong params, documents never opened,
positions out of range, huge and binary documents, wrong settings and command arguments.
After every case the same server process still answers a normal request."""

from __future__ import annotations

import dataclasses
import json
import time
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codestral_ls import settings as settings_module
from tests.fakes.mistral import FakeMistral
from tests.support.figures import record
from tests.support.keys import PROVIDER_KEY
from tests.support.settings import direct_settings
from tests.support.upstream import code_of, echo
from tests.support.wire import RpcError, Server

URI = "file:///work/project/bad.py"
INTERNAL_ERROR = -32603
RESPONDER = echo  # the module's ``upstream`` (tests/reliability/conftest.py) echoes chat


def module_settings(fake: FakeMistral) -> dict[str, Any]:
    settings = direct_settings(fake, timeoutMs=3000, redactSecrets=False)
    settings["chat"] = {"maxTokens": 32768}
    return settings


@pytest.fixture(scope="module")
def server(upstream, tmp_path_factory) -> Iterator[Server]:
    log = Path(tmp_path_factory.mktemp("bad")) / "stderr.log"
    srv = Server(stderr_path=log)
    srv.initialize(module_settings(upstream))
    srv.open(URI, "value = \n")
    yield srv
    assert srv.alive(), "the server died"
    srv.stop()
    assert PROVIDER_KEY not in log.read_text("utf-8", "replace")


_TRIED: dict[str, int] = {}


def tried(kind: str, n: int = 1) -> None:
    _TRIED[kind] = _TRIED.get(kind, 0) + n
    record("bad_inputs_tried", dict(_TRIED))


def still_answers(server: Server, allowed_lost: int = 0) -> None:
    """A normal request is answered (a broken frame may swallow a few that follow it)."""
    for _ in range(allowed_lost + 1):
        try:
            status = server.ping(timeout=2 if allowed_lost else 5)
            assert status["route"] == "direct"
            assert server.alive()
            return
        except TimeoutError:
            continue
    raise AssertionError(f"the server stopped answering (alive: {server.alive()})")


def _body(obj: Any) -> bytes:
    return json.dumps(obj).encode()


NOTE = _body({"jsonrpc": "2.0", "method": "$/unknownNote", "params": {}})
FRAMES: dict[str, tuple[bytes, int]] = {
    # name: (raw bytes, requests that may be lost after it)
    "length-not-a-number": (b"Content-Length: abc\r\n\r\n" + NOTE, 0),
    "length-negative": (b"Content-Length: -5\r\n\r\n" + NOTE, 0),
    "length-missing": (b"Content-Type: application/json\r\n\r\n" + NOTE, 0),
    "length-too-short": (b"Content-Length: 7\r\n\r\n" + NOTE, 0),
    "length-too-long": (b"Content-Length: %d\r\n\r\n" % (len(NOTE) + 150) + NOTE, 3),
    "length-absurd": (b"Content-Length: 99999999999999\r\n\r\n" + NOTE, 0),
    "length-zero": (b"Content-Length: 0\r\n\r\n", 0),
    "no-header-at-all": (NOTE + b"\r\n", 0),
    "garbage-line": (b"\x00\xff\xfe garbage \r\n", 0),
    "invalid-json": (b"{not json", 0),
    "json-array": (b"[1, 2, 3]", 0),
    "json-batch": (_body([{"jsonrpc": "2.0", "id": 90, "method": "shutdown"}]), 0),
    "json-number": (b"42", 0),
    "json-string": (b'"hello"', 0),
    "json-null": (b"null", 0),
    "missing-method-with-id": (_body({"jsonrpc": "2.0", "id": 91, "params": {}}), 0),
    "missing-method-no-id": (_body({"jsonrpc": "2.0", "params": {}}), 0),
    "wrong-jsonrpc-version": (_body({"jsonrpc": "1.0", "id": 92, "method": "shutdown"}), 0),
    "no-jsonrpc-field": (_body({"id": 93, "method": "shutdown"}), 0),
    "method-not-a-string": (_body({"jsonrpc": "2.0", "id": 94, "method": 7}), 0),
    "id-an-object": (_body({"jsonrpc": "2.0", "id": {"a": 1}, "method": "x/y"}), 0),
    "body-not-utf8": (b'{"jsonrpc": "2.0", "method": "\xff\xfe"}', 0),
    "response-to-nothing": (_body({"jsonrpc": "2.0", "id": 9999, "result": None}), 0),
    "error-to-nothing": (
        _body({"jsonrpc": "2.0", "id": 9998, "error": {"code": 1, "message": "x"}}),
        0,
    ),
}
# Bodies (not frames) get a correct header; the first group is written as they are.
RAW = {"length-", "no-header", "garbage-line"}


@pytest.mark.parametrize("name", list(FRAMES))
def test_malformed_json_rpc(server, name):
    data, lost = FRAMES[name]
    if not any(name.startswith(p) for p in RAW):
        data = b"Content-Length: %d\r\n\r\n%s" % (len(data), data)
    server.write_raw(data)
    still_answers(server, allowed_lost=lost)
    tried("malformed frames")


def test_unknown_methods_answer_method_not_found(server):
    for method in ("codestral/nothing", "textDocument/noSuchThing", "$/private", ""):
        with pytest.raises(RpcError) as err:
            server.request(method, {"x": 1}, timeout=5)
        assert err.value.code == -32601, (method, err.value)
        server.notify(method, {"x": 1})
    still_answers(server)
    tried("unknown methods", 8)


# (method, params) whose params do not fit the method's type.
WRONG_PARAMS = [
    ("textDocument/inlineCompletion", {"textDocument": 5}),
    ("textDocument/inlineCompletion", {"textDocument": {"uri": URI}, "position": "here"}),
    ("textDocument/inlineCompletion", [1, 2]),
    ("textDocument/inlineCompletion", "text"),
    ("textDocument/completion", {"position": {"line": -1, "character": -1}}),
    ("textDocument/codeAction", {"range": None}),
    ("workspace/executeCommand", {"command": 5}),
    ("workspace/executeCommand", {"command": "codestral.status", "arguments": 5}),
]


@pytest.mark.parametrize(
    ("method", "params"), WRONG_PARAMS, ids=[str(i) for i in range(len(WRONG_PARAMS))]
)
def test_wrong_params_are_answered(server, method, params):
    """JSON-RPC: every request gets an answer; a client must never wait forever."""
    try:
        server.request(method, params, timeout=5)
    except RpcError as err:
        assert err.code != INTERNAL_ERROR, err
    # (shutdown with junk params is accepted, after which only exit is: see the last test.)
    still_answers(server)
    tried("wrong params")


def _inline(server: Server, uri: str, line: int, character: int) -> list[str]:
    return server.inline(uri, line, character, timeout=10)


def test_documents_never_opened(server):
    ghost = "file:///work/project/never_opened.py"
    assert _inline(server, ghost, 0, 0) == []
    completion = server.request(
        "textDocument/completion",
        {"textDocument": {"uri": ghost}, "position": {"line": 0, "character": 0}},
    )
    assert completion is None or completion["items"] == []
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 1}}
    actions = server.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": ghost}, "range": rng, "context": {"diagnostics": []}},
    )
    assert not actions
    server.change(ghost, [{"range": rng, "text": "x"}])
    server.notify("textDocument/didClose", {"textDocument": {"uri": ghost}})
    server.notify("textDocument/didSave", {"textDocument": {"uri": ghost}})
    with pytest.raises(RpcError) as err:
        server.command("codestral.explain", {"uri": ghost, "show": False})
    assert "not open" in err.value.message
    still_answers(server)
    tried("requests for documents never opened", 7)


def test_positions_out_of_range_and_inside_surrogate_pairs(server):
    uri = "file:///work/project/positions.py"
    server.open(uri, "a\U0001d11eb = 1\nsecond\n")
    for line, char in [
        (0, 2),  # between the two UTF-16 halves of U+1D11E
        (0, 10_000),
        (10_000, 0),
        (2**31 - 1, 2**31 - 1),
        (1, 2**31 - 1),
    ]:
        assert isinstance(_inline(server, uri, line, char), list)
        rng = {
            "start": {"line": line, "character": char},
            "end": {"line": line, "character": char},
        }
        server.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": []}},
        )
    # Edits that split a surrogate pair or lie past the end are clamped, never corrupting.
    half = {"line": 0, "character": 2}
    server.change(uri, [{"range": {"start": half, "end": half}, "text": "X"}])
    far = {"line": 99, "character": 99}
    server.change(uri, [{"range": {"start": far, "end": far}, "text": "!"}])
    backwards = {"start": {"line": 1, "character": 3}, "end": {"line": 0, "character": 1}}
    server.change(uri, [{"range": backwards, "text": ""}])
    text = code_of(server.command("codestral.explain", {"uri": uri, "show": False})["markdown"])
    # "X" lands after the pair (a column inside a character rounds up), "!" at the very end,
    # and the backwards range is taken in order.
    assert text == "aond\n!", text
    still_answers(server)
    tried("out-of-range or split positions", 13)


def test_huge_document(server, upstream):
    uri = "file:///work/project/huge.py"
    line = "x = 'a fairly ordinary line of Python source code, repeated'  # 64\n"
    text = line * (20 * 1024 * 1024 // len(line))
    started = time.monotonic()
    server.open(uri, text)
    last = text.count("\n")
    server.insert(uri, last, 0, "value = ")
    assert isinstance(_inline(server, uri, last, 8), list)
    took = time.monotonic() - started
    # Only the window around the cursor goes upstream, never the whole 20 MB.
    fim = [r for r in upstream.requests if r.path.endswith("/fim/completions")]
    assert fim and len(fim[-1].body) < 64 * 1024
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    still_answers(server)
    record("huge_document_open_edit_complete_s", round(took, 2))
    tried("20 MB documents")


def test_binary_documents(server, upstream):
    docs = {
        "nul.py": "a\x00b\x00\x00c = \n\x00",
        "surrogates.py": "lone \ud800 high \udfff low \ud83d = \n",
        "controls.py": "".join(chr(i) for i in range(32)) + " = \n",
        "mixed.py": "\x00\ud800\r\r\n\u2028\x85\ufeff\uffff = \n",
    }
    for name, text in docs.items():
        uri = f"file:///work/project/{name}"
        server.open(uri, text)
        lines = text.count("\n") + text.count("\r") - text.count("\r\n")
        assert isinstance(_inline(server, uri, 0, 3), list)
        assert isinstance(_inline(server, uri, lines, 0), list)
        server.insert(uri, 0, 1, "\x00\udc00")
        explained = server.command("codestral.explain", {"uri": uri, "show": False})
        assert isinstance(explained["markdown"], str)
        still_answers(server)
    # Raw bytes that are not UTF-8 inside an otherwise good didOpen frame.
    body = (
        b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":'
        b'{"uri":"file:///work/project/raw.py","languageId":"python","version":1,'
        b'"text":"\xff\xfe\x00bad"}}}'
    )
    server.write_raw(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    still_answers(server)
    tried("binary documents", len(docs) + 1)


def _wrong_values(annotation: str) -> list[Any]:
    """Values of the wrong type for a setting declared as ``annotation``."""
    if annotation == "bool":
        return ["true", 1, None]
    if annotation in ("int", "float"):
        return ["12", [1], {"n": 1}, True, -(10**12), 1e300]
    if "tuple[str" in annotation:
        return ["*.py", [1, 2], {"a": 1}, 5]
    if "| str" in annotation:
        return [5, True, [1]]  # config: an object or a saved config's id
    if "dict" in annotation:
        return [5, "x", [1]]
    return [5, True, [1], {"a": 1}]  # strings


def _setting_fields() -> list[tuple[str, str, list[Any]]]:
    """Every leaf setting as (section, camelCase key, wrong values), from the dataclasses."""
    out: list[tuple[str, str, list[Any]]] = []

    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(p.title() for p in rest)

    def walk(cls: type, section: str) -> None:
        hints = typing.get_type_hints(cls, vars(settings_module))
        for f in dataclasses.fields(cls):
            if f.name == "problems":
                continue
            hint = hints[f.name]
            if dataclasses.is_dataclass(hint):
                out.append((section, camel(f.name), [5, "x", [1]]))  # a section, not an object
                walk(hint, f"{section}.{camel(f.name)}" if section else camel(f.name))
            else:
                annotation = str(f.type)
                out.append((section, camel(f.name), _wrong_values(annotation)))

    walk(settings_module.Settings, "")
    return out


def _nest(section: str, key: str, value: Any) -> dict[str, Any]:
    leaf: dict[str, Any] = {key: value}
    for part in reversed([p for p in section.split(".") if p]):
        leaf = {part: leaf}
    return leaf


def test_wrong_types_in_every_setting(server, upstream):
    fields = _setting_fields()
    assert len(fields) >= 30, fields
    base = module_settings(upstream)
    uri = "file:///work/project/settings_probe.py"
    server.open(uri, "total = \n")
    tried_values = 0
    for section, key, values in fields:
        name = f"codestral.{section + '.' if section else ''}{key}"
        told = 0
        for value in values:
            before = len(server.shown())
            layer = _nest(section, key, value)
            # route/baseUrl wrong types would leave no usable route: keep them valid elsewhere.
            server.configure({**base, **layer} if not section else _merge(base, layer))
            status = server.ping()
            tried_values += 1
            new = server.shown()[before:]
            assert all(name in m for m in new), (name, value, new)  # naming the setting
            told += len(new)
            assert status["state"] in ("ready", "disabled", "error")
        # Reported (once per distinct problem: a section that is not an object says the same
        # for any wrong value).
        assert told, name
    # After all of that, valid settings give completions again.
    server.configure(base)
    server.insert(uri, 0, 8, "1")
    upstream.default_text = "ok"
    assert _inline(server, uri, 0, 9) == ["ok"]
    for bad in ([], "codestral", 5, None, {"codestral": 5}, {"codestral": [1]}):
        server.notify("workspace/didChangeConfiguration", {"settings": bad})
        still_answers(server)
    server.configure(base)
    still_answers(server)
    tried("wrong setting values", tried_values + 6)
    record("settings_fields_checked", len(fields))


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


BAD_ARGUMENTS: list[tuple[str, list[Any]]] = [
    ("codestral.explain", [5]),
    ("codestral.explain", ["file:///work/project/bad.py"]),
    ("codestral.explain", [None]),
    ("codestral.explain", [[]]),
    ("codestral.explain", [{"uri": 5}]),
    ("codestral.explain", [{"uri": URI, "range": 5, "show": False}]),
    ("codestral.explain", [{"uri": URI, "range": {"start": 1, "end": 2}, "show": False}]),
    (
        "codestral.explain",
        [
            {
                "uri": URI,
                "range": {"start": {"line": "0", "character": True}, "end": {}},
                "show": False,
            }
        ],
    ),
    (
        "codestral.explain",
        [
            {
                "uri": URI,
                "range": {
                    "start": {"line": -1, "character": 0},
                    "end": {"line": 1.5, "character": 0},
                },
                "show": False,
            }
        ],
    ),
    ("codestral.explain", [{"uri": URI, "question": 5, "show": False}]),
    ("codestral.explain", [{"uri": URI, "show": "no"}]),
    ("codestral.chat", [{}]),
    ("codestral.chat", [{"question": ["a"]}]),
    ("codestral.chat", [{"question": "   "}]),
    ("codestral.chat", [{"question": "why?", "uri": 7, "show": False}]),
    ("codestral.chat", [{"question": "why?", "uri": URI, "range": [], "show": False}]),
    ("codestral.status", [1, 2, 3]),
    ("codestral.acceptCompletion", [5]),
    ("codestral.acceptCompletion", [{"id": 5}]),
    ("codestral.acceptCompletion", [{"id": {"nested": 1}}]),
    ("codestral.acceptCompletion", [{"id": ["x"]}]),
    ("codestral.clearCache", [{"anything": 1}]),
    ("codestral.noSuchCommand", []),
    ("", []),
]


@pytest.mark.parametrize(
    ("command", "arguments"), BAD_ARGUMENTS, ids=[str(i) for i in range(len(BAD_ARGUMENTS))]
)
def test_wrong_command_arguments(server, command, arguments):
    try:
        result = server.command(command, *arguments)
    except RpcError as err:
        assert err.code == -32602, err  # invalid params, never an internal error
        assert err.message
    else:
        assert result is None or isinstance(result, dict)
    still_answers(server)
    tried("wrong command arguments")


def test_shutdown_with_junk_params_then_exit(spawn):
    """Last of its kind: a shutdown request, even with junk params, is answered."""
    srv = spawn()
    srv.initialize({"route": "direct", "baseUrl": "http://127.0.0.1:9/v1"})
    try:
        srv.request("shutdown", {"junk": [1, 2]}, timeout=5)
    except RpcError as err:
        assert err.code != INTERNAL_ERROR
    srv.notify("exit")
    assert srv.wait_exit(2) is not None
