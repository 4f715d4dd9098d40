"""Hypothesis over the real server's stdio.

(a) The message layer: thousands of random JSON-RPC messages (methods from lsprotocol's list,
    random or nearly-right params) over one connection; every request is answered and the
    server is alive and answering at the end.
(b) The document model: random edit sequences sent as ``didChange`` (in UTF-8, UTF-16 and
    UTF-32 positions) against a reference text kept here; the server's text, read back through
    ``codestral.explain`` with an upstream that echoes the prompt, equals the reference.
    (The explain route needs no debug-only command in the product, and it also proves the text
    that would be sent upstream is the document as the editor has it.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from tests.support.figures import record
from tests.support.settings import direct_settings
from tests.support.upstream import code_of, echo
from tests.support.wire import RpcError, Server

RESPONDER = echo  # the module's ``upstream`` (tests/reliability/conftest.py) echoes chat

# --- (a) the message layer ------------------------------------------------------------------

# Never sent at random: they end the session on purpose (tested in test_shutdown.py).
ENDING = {"exit", "shutdown"}
METHODS = sorted(m for m in types.METHOD_TO_TYPES if m not in ENDING)
OPEN_URI = "file:///work/project/fuzz_open.py"
URIS = [OPEN_URI, "file:///work/project/other.py", "untitled:Untitled-1", "", "not a uri"]
KEYS = [
    "textDocument",
    "uri",
    "position",
    "line",
    "character",
    "range",
    "start",
    "end",
    "command",
    "arguments",
    "settings",
    "codestral",
    "contentChanges",
    "text",
    "version",
    "languageId",
    "context",
    "triggerKind",
    "id",
    "items",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(URIS)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=16,
)
numbers = st.integers(0, 40) | st.integers(0, 2**31 - 1) | st.integers(-(2**33), 2**33)
positions = st.fixed_dictionaries({"line": numbers, "character": numbers})
ranges = st.fixed_dictionaries({"start": positions, "end": positions})
doc_ids = st.fixed_dictionaries({"uri": st.sampled_from(URIS)})
# Params close to right: the right keys with values that may or may not fit.
near_params = st.one_of(
    st.fixed_dictionaries({"textDocument": doc_ids, "position": positions}),
    st.fixed_dictionaries(
        {
            "textDocument": doc_ids,
            "position": positions,
            "context": st.fixed_dictionaries({"triggerKind": st.integers(0, 3)}) | json_values,
        }
    ),
    st.fixed_dictionaries(
        {"textDocument": doc_ids, "range": ranges, "context": st.just({"diagnostics": []})}
    ),
    st.fixed_dictionaries(
        {
            "textDocument": st.fixed_dictionaries(
                {"uri": st.sampled_from(URIS), "version": st.integers(-5, 10**6)}
            ),
            "contentChanges": st.lists(
                st.fixed_dictionaries({"range": ranges, "text": st.text(max_size=8)})
                | st.fixed_dictionaries({"text": st.text(max_size=30)}),
                max_size=3,
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "command": st.sampled_from(
                [
                    "codestral.status",
                    "codestral.clearCache",
                    "codestral.acceptCompletion",
                    "codestral.explain",
                    "codestral.chat",
                    "other",
                ]
            ),
            "arguments": st.lists(json_values, max_size=2),
        }
    ),
    st.fixed_dictionaries({"settings": st.fixed_dictionaries({"codestral": json_values})}),
    st.fixed_dictionaries({"id": json_values}),
)
# Half the time one of the methods this server implements, so params get past the method.
SERVED = [
    "textDocument/inlineCompletion",
    "textDocument/completion",
    "textDocument/codeAction",
    "workspace/executeCommand",
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didClose",
    "workspace/didChangeConfiguration",
    "$/cancelRequest",
    "initialized",
]
messages = st.lists(
    st.tuples(
        st.sampled_from(SERVED) | st.sampled_from(METHODS) | st.text(max_size=10),
        st.none() | json_values | near_params | near_params,
        st.booleans(),  # a request (with an id) or a notification
    ),
    min_size=20,
    max_size=60,
)


@pytest.fixture(scope="module")
def fuzzed(upstream, tmp_path_factory) -> Iterator[Server]:
    log = Path(tmp_path_factory.mktemp("fuzz")) / "stderr.log"
    server = Server(stderr_path=log)
    server.initialize(direct_settings(upstream, timeoutMs=2000))
    server.open(OPEN_URI, "def f(x):\n    return x\n")
    yield server
    assert server.alive()
    server.stop()


_SENT = {"messages": 0, "requests": 0, "errors": 0, "results": 0}


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(batch=messages)
def test_random_json_rpc_messages(fuzzed, batch):
    server = fuzzed
    futures = []
    for method, params, is_request in batch:
        if is_request:
            futures.append(server.request_async(method, params)[1])
        else:
            server.notify(method, params)
    _SENT["messages"] += len(batch)
    _SENT["requests"] += len(futures)
    for fut in futures:  # every request is answered, with a result or an error
        try:
            fut.result(timeout=5)
            _SENT["results"] += 1
        except RpcError:
            _SENT["errors"] += 1
    assert server.alive()
    record("fuzz_messages", dict(_SENT))


def test_alive_after_the_message_fuzz(fuzzed, upstream):
    """After all of that, the same connection still completes code."""
    server = fuzzed
    assert _SENT["messages"] >= 1000, _SENT
    server.configure(direct_settings(upstream, timeoutMs=2000))
    uri = "file:///work/project/after_fuzz.py"
    server.open(uri, "answer = \n")
    time.sleep(server.status()["backoffSeconds"])
    assert server.inline(uri, 0, 9) == ["ok"]  # the echoing upstream answers FIM with "ok"
    assert server.status()["tasks"] <= 4


# --- (b) the document model -----------------------------------------------------------------

PIECES = ["a", "b", "z", " ", "\t", "é", "€", "中", "\U0001d11e", "😀", "e\u0301"]
PIECES += ["\n", "\r\n", "\r"]
_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """LSP's lines, without their breaks (\\n, \\r\\n and \\r only)."""
    return _BREAK.split(text)


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def units(s: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    if encoding == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    return len(s)


def offset(text: str, line: int, column: int, encoding: str) -> int:
    """(line, column in code units on a character boundary, or past the end) -> offset."""
    content = split_lines(text)[line]
    index, used = 0, 0
    while index < len(content) and used < column:
        used += units(content[index], encoding)
        index += 1
    return line_starts(text)[line] + index


@st.composite
def position_in(draw, text: str, encoding: str) -> tuple[int, int]:
    lines = split_lines(text)
    line = draw(st.integers(0, len(lines) - 1))
    content = lines[line]
    boundaries = [units(content[:i], encoding) for i in range(len(content) + 1)]
    past_end = boundaries[-1] + draw(st.integers(1, 5))
    column = draw(st.sampled_from(boundaries) | st.just(past_end))
    return line, column


texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
_DOCS = {"edits": 0, "documents": 0}


@pytest.fixture(scope="module", params=["utf-8", "utf-16", "utf-32"])
def editor(request, upstream, tmp_path_factory) -> Iterator[tuple[str, Server]]:
    log = Path(tmp_path_factory.mktemp("docs")) / f"{request.param}.stderr"
    server = Server(stderr_path=log)
    settings_ = direct_settings(upstream, timeoutMs=3000, redactSecrets=False)
    settings_["chat"] = {"maxTokens": 32768}
    result = server.initialize(settings_, encodings=(request.param,))
    assert result["capabilities"]["positionEncoding"] == request.param
    yield request.param, server
    assert server.alive()
    server.stop()


def server_text(server: Server, uri: str) -> str:
    markdown = server.command("codestral.explain", {"uri": uri, "show": False})["markdown"]
    return code_of(markdown) if "```" in markdown else ""


_doc_ids = iter(range(10**9))


@settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), initial=texts)
def test_random_edits_match_the_reference(editor, upstream, data, initial):
    encoding, server = editor
    uri = f"file:///work/project/doc_{next(_doc_ids)}.txt"
    server.open(uri, initial, language="plaintext")
    reference = initial
    for _ in range(data.draw(st.integers(1, 25), label="edits")):
        if data.draw(st.integers(0, 19), label="full") == 0:
            reference = data.draw(texts, label="full text")
            server.change(uri, [{"text": reference}])
            continue
        changes = []
        for _ in range(data.draw(st.integers(1, 3), label="changes in one didChange")):
            start = data.draw(position_in(reference, encoding), label="start")
            end = data.draw(position_in(reference, encoding), label="end")
            a = offset(reference, *start, encoding)
            b = offset(reference, *end, encoding)
            if b < a:
                start, end, a, b = end, start, b, a
            new = data.draw(texts, label="inserted")
            reference = reference[:a] + new + reference[b:]
            changes.append(
                {
                    "range": {
                        "start": {"line": start[0], "character": start[1]},
                        "end": {"line": end[0], "character": end[1]},
                    },
                    "text": new,
                }
            )
        server.change(uri, changes)
        _DOCS["edits"] += len(changes)
    assert server_text(server, uri) == reference
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    _DOCS["documents"] += 1
    record("fuzz_documents", dict(_DOCS))
