"""Is the cursor inside a comment or string that spans lines? A tree-sitter parse of the window,
for JavaScript, TypeScript/TSX, Go, Rust, Java, C, C++ and Lua (Python has
``python_syntax.py``).

The lexical rules (``lexer.py``) see one line, so a blank line inside a ``/** ... */`` doc
comment, a template literal or a raw string looks like code and would get a multi-line answer.
``in_multiline_text`` parses a bounded window around the cursor (the last ~3,000 characters of
the prefix and the first ~1,000 of the suffix, cut at line boundaries, so a keystroke costs the
same in a 100-line file and a 100,000-line one) and answers True when the cursor sits inside a
comment or string node. The grammars (one PyPI wheel per language, MIT) are imported on first
use for that language, never at start-up; when one is missing or fails to load, the answer is
None and the lexical rules decide.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from typing import Any

log = logging.getLogger(__name__)

PREFIX_CHARS = 3000
SUFFIX_CHARS = 1000
MAX_TEXT_LINES = 60  # a comment or string opened further back than this is not trusted

# languageId -> (module, function returning the grammar)
GRAMMARS: dict[str, tuple[str, str]] = {
    "javascript": ("tree_sitter_javascript", "language"),
    "javascriptreact": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "typescriptreact": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "lua": ("tree_sitter_lua", "language"),
}
# node types that hold prose or literal text, in these grammars
_TEXT_NODES = frozenset(
    (
        "comment",
        "line_comment",
        "block_comment",
        "string",
        "template_string",
        "string_literal",
        "raw_string_literal",
        "interpreted_string_literal",
        "text_block",  # Java """..."""
        "concatenated_string",
    )
)

_parsers: dict[str, Any] = {}  # languageId -> Parser, or None when unavailable
_lock = threading.Lock()  # a Parser is not safe to share between threads


def _parser(language_id: str) -> Any:
    if language_id not in _parsers:
        module, function = GRAMMARS[language_id]
        try:
            import tree_sitter

            grammar = getattr(importlib.import_module(module), function)()
            _parsers[language_id] = tree_sitter.Parser(tree_sitter.Language(grammar))
        except Exception as exc:  # missing, or built for another tree-sitter ABI
            log.info("no tree-sitter grammar for %s, lexical rules only: %s", language_id, exc)
            _parsers[language_id] = None
    return _parsers[language_id]


def available(language_id: str) -> bool:
    return language_id in GRAMMARS and _parser(language_id) is not None


# a line a parse window may start at: one that begins a construct of its own (not a closer, a
# clause that continues one, a `case`, a preprocessor line, a string, or an operator or a
# quote continuing the line before)
_CONSTRUCT_START = re.compile(r"[A-Za-z_$@/]|#\[")
_CONTINUES = re.compile(r"(?:else|elif|elseif|except|finally|catch|case|default|end|until|where)\b")


def indent_width(line: str) -> int:
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def construct_start(lines: list[str], width: int) -> int | None:
    """The first of ``lines`` at indentation ``width`` that starts a construct of its own."""
    for i, line in enumerate(lines):
        code = line.lstrip()
        if (
            code
            and indent_width(line) == width
            and _CONSTRUCT_START.match(code)
            and not _CONTINUES.match(code)
        ):
            return i
    return None


def _window(prefix: str, suffix: str) -> tuple[str, str]:
    if len(prefix) > PREFIX_CHARS:
        head = prefix[-PREFIX_CHARS:]
        head = head[head.find("\n") + 1 :]
        # a window that starts inside a block comment would read its end as code
        close, opened = head.find("*/"), head.find("/*")
        if close >= 0 and (opened < 0 or close < opened):
            head = head[head.find("\n", close) + 1 :]  # from the line after it
        # nor may it start inside a string or a statement continued from the line before: start
        # at a construct at the window's least indentation
        lines = head.split("\n")
        widths = [indent_width(line) for line in lines[:-1] if line.strip()]
        start = construct_start(lines[:-1], min(widths)) if widths else None
        prefix = "\n".join(lines[start:]) if start else head
    if len(suffix) > SUFFIX_CHARS:
        end = suffix.rfind("\n", 0, SUFFIX_CHARS)
        suffix = suffix[: end + 1] if end >= 0 else suffix[:SUFFIX_CHARS]
    return prefix, suffix


def _at_cursor(prefix: str, suffix: str, language_id: str) -> tuple[Any, bytes, int, str] | None:
    """The smallest node around the cursor in a parse of the bounded window, with the window's
    bytes, the cursor's offset in them and the window's prefix part; None without a grammar."""
    parser = _parser(language_id) if language_id in GRAMMARS else None
    if parser is None:
        return None
    window, tail = _window(prefix, suffix)
    head = window.encode("utf-8", "replace")
    src = head + tail.encode("utf-8", "replace")
    cursor = len(head)
    with _lock:
        tree = parser.parse(src)
    return tree.root_node.descendant_for_byte_range(max(0, cursor - 1), cursor), src, cursor, window


def in_multiline_text(prefix: str, suffix: str, language_id: str) -> bool | None:
    """True when the cursor is inside a comment or string (of any length), False when it is in
    code, None when this language has no grammar here."""
    found = _at_cursor(prefix, suffix, language_id)
    if found is None:
        return None
    node, src, cursor, _ = found
    while node is not None:
        if node.type in _TEXT_NODES and node.start_byte < cursor:
            if src.count(b"\n", node.start_byte, cursor) > MAX_TEXT_LINES:
                # more likely a window that starts inside a string (its closing quote read as
                # an opening one) than a cursor that far into one: let the lexical rules decide
                return None
            # inside, or at the end of an unclosed one (the parser ends it at the cursor)
            return bool(node.end_byte > cursor or node.has_error or node.is_missing)
        node = node.parent
    return False


# strings whose closing quote may sit lines after their opening one
_MULTILINE_STRINGS = frozenset(("template_string", "raw_string_literal"))


def multiline_string_start(prefix: str, suffix: str, language_id: str) -> int | None:
    """Where (an offset in ``prefix``) the template literal or raw string holding the cursor
    starts, when it starts on an earlier line than the cursor's; None when the cursor is not in
    one, or this language has no grammar here."""
    found = _at_cursor(prefix, suffix, language_id)
    if found is None:
        return None
    node, src, cursor, window = found
    while node is not None and node.type not in _MULTILINE_STRINGS:
        node = node.parent
    if node is None or node.start_byte >= cursor or b"\n" not in src[node.start_byte : cursor]:
        return None
    if src.count(b"\n", node.start_byte, cursor) > MAX_TEXT_LINES:
        return None  # more likely a window that starts inside a string (see above)
    start = len(src[: node.start_byte].decode("utf-8", "replace"))
    return len(prefix) - len(window) + start


def parse(language_id: str, src: bytes) -> Any:
    """The tree-sitter tree of ``src`` (already bounded by the caller), None without a grammar."""
    parser = _parser(language_id) if language_id in GRAMMARS else None
    if parser is None:
        return None
    with _lock:
        return parser.parse(src)
