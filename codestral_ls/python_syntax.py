"""Single or multi-line from a real Python parse of the window around the cursor.

Optional: needs the ``tree-sitter`` and ``tree-sitter-python`` packages (the ``syntax`` extra).
Both are imported on the first call only, never at server start-up; without them (or when they
fail to load) ``python_multiline`` returns None and ``decide_multiline`` keeps its lexical rules.

The decision reads the last token before the cursor in the tree of a bounded window (the last
~3,000 characters of the prefix and the first ~1,000 of the suffix, cut at line starts; the
window begins at a top-level statement, else at the least indented ``def``/``class`` in it,
else at a line start, and when that line start turns out to be inside a long docstring, once
more after the docstring's quotes), so it
sees what one line cannot: a docstring or bracket opened lines above, a ``def`` whose parameters
span lines, a ``:`` that ends a lambda rather than a block. Parsing costs ~0.1-0.5 ms, so
``decide_multiline`` only asks when the answer could differ from its lexical one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

PREFIX_CHARS = 3000
SUFFIX_CHARS = 1000

_UNSET: Any = object()
_parser: Any = _UNSET  # a tree_sitter.Parser, None when unavailable, _UNSET before the first try
_lock = threading.Lock()  # a Parser is not safe to share between threads

# a `:` whose parent is one of these opens an indented block
_BLOCK_STATEMENTS = frozenset(
    (
        "function_definition",
        "class_definition",
        "if_statement",
        "elif_clause",
        "else_clause",
        "for_statement",
        "while_statement",
        "try_statement",
        "except_clause",
        "except_group_clause",
        "finally_clause",
        "with_statement",
        "match_statement",
        "case_clause",
    )
)
_BLOCK_KEYWORDS = frozenset(
    ("def", "class", "if", "elif", "else", "for", "while", "try", "except", "finally", "with")
)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_OPENERS.values())
# a statement cannot end on these: the expression goes on at the cursor
_CONTINUES = frozenset(
    (
        "=", "+", "-", "*", "/", "//", "%", "**", "@", "|", "&", "^", "<<", ">>", "~",
        "<", ">", "<=", ">=", "==", "!=", "and", "or", "not", "in", "is", "if", "else",
        "lambda", "await", "return", "yield", "from", "import", "as", ".", "->",
        "line_continuation", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "|=", "&=", "^=",
        ">>=", "<<=", "@=", ":=",
    )
)  # fmt: skip
# a top-level statement start: a safer place to begin the window than any line start
_TOP_LEVEL = re.compile(r"^(?:async\s+def|def|class|@|import|from)\b", re.MULTILINE)
# else a definition at any depth (a method in a long class): tree-sitter parses a window that
# starts indented, and a line start chosen blindly is often inside a docstring
_DEFINITION = re.compile(r"^([ \t]*)(?:async\s+def|def|class|@)\b", re.MULTILINE)


def _load() -> Any:
    """The cached parser, loaded on first use; None when tree-sitter is unavailable."""
    global _parser
    if _parser is _UNSET:
        try:
            import tree_sitter
            import tree_sitter_python

            _parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))
        except Exception as exc:  # missing, or a grammar built for another tree-sitter ABI
            log.info("tree-sitter unavailable, lexical multiline rules only: %s", exc)
            _parser = None
    return _parser


def available() -> bool:
    return _load() is not None


def _window(prefix: str, suffix: str) -> tuple[str, str]:
    if len(prefix) > PREFIX_CHARS:
        head = prefix[-PREFIX_CHARS:]
        top = _TOP_LEVEL.search(head) or _shallowest_definition(head)
        # begin at a statement (not inside a docstring), else at a line start
        prefix = head[top.start() :] if top else head[head.find("\n") + 1 :]
    if len(suffix) > SUFFIX_CHARS:
        end = suffix.rfind("\n", 0, SUFFIX_CHARS)
        suffix = suffix[: end + 1] if end >= 0 else suffix[:SUFFIX_CHARS]
    return prefix, suffix


def _shallowest_definition(head: str) -> re.Match[str] | None:
    """The first of the least indented ``def``/``class``/decorator lines: the code after it
    stays at or below its depth, so the window parses as one run of statements."""
    best = None
    for m in _DEFINITION.finditer(head):
        if best is None or len(m.group(1).expandtabs(8)) < len(best.group(1).expandtabs(8)):
            best = m
    return best


def python_multiline(prefix: str, suffix: str) -> bool | None:
    """True (multi-line), False (single-line) or None (no parser, or unsure: use the lexical
    rules) for a cursor between ``prefix`` and ``suffix`` in Python code."""
    parser = _load()
    if parser is None:
        return None
    blind = len(prefix) > PREFIX_CHARS
    prefix, suffix = _window(prefix, suffix)
    blind = blind and not _DEFINITION.match(prefix) and not _TOP_LEVEL.match(prefix)
    tail = suffix.encode("utf-8", "replace")
    head = prefix.encode("utf-8", "replace")
    with _lock:
        tree = parser.parse(head + tail)
    if blind and _in_string(tree.root_node, head + tail, len(head)):
        # a window cut at a line start with no statement to begin at (3,000 characters of a
        # long docstring): it may begin inside that docstring; begin after its closing quotes
        head = _after_first_triple_quote(head)
        with _lock:
            tree = parser.parse(head + tail)
    return _decide(tree.root_node, head + tail, len(head))


def _in_string(root: Any, src: bytes, cursor: int) -> bool:
    """The cursor inside a string: one never closed, or one that closes after the cursor."""
    if root.has_error and _in_unclosed_string(root, cursor):
        return True
    prev, _ = _token_before(root, src, cursor)
    return prev is not None and any(
        node.type == "string" and node.end_byte > cursor for node in _ancestors(prev)
    )


_TRIPLE_QUOTE = re.compile(rb"\"\"\"|'''")


def _after_first_triple_quote(head: bytes) -> bytes:
    m = _TRIPLE_QUOTE.search(head)
    if m is None:
        return head
    end = head.find(b"\n", m.end())
    return head[end + 1 :] if end >= 0 else head


def _decide(root: Any, src: bytes, cursor: int) -> bool | None:
    if root.has_error and _in_unclosed_string(root, cursor):
        return False  # a docstring or triple-quoted string still open at the cursor
    prev, same_line = _token_before(root, src, cursor)
    if prev is None:
        return True  # nothing but blank lines and comments before: start of the file
    if prev.type == "comment":
        return False  # at the end of a comment (only returned on the cursor line)
    for node in _ancestors(prev):
        if node.type in ("string", "concatenated_string") and node.end_byte > cursor:
            return False  # inside a string: the cursor is before its closing quote
        if node.type in ("module", "block"):
            break
    kind = prev.type
    if kind == ":":
        return _colon_opens_block(prev)
    if kind in _CONTINUES:
        if not same_line and kind in _OPERATORS and _closed_after(prev, cursor):
            # a blank line among the operands of a bracket the suffix closes (`__all__ = (a +`
            # | `b +` | ... `z)`): like a blank line among items, the lexical rules decide
            return None
        return False  # an unfinished expression: `x = a +|`, `return (b or` + blank line
    if same_line:
        # `foo(|)` at a line end: the lexical rules decide (multi when only closers follow);
        # after anything else on the line: the middle or the end of an expression, one line
        return None if kind in _OPENERS else False
    if kind in _OPENERS or kind == "," or _inside_brackets(prev, cursor):
        # a blank line among the items of a call or a literal: the lexical rules decide
        # (multi: the remaining items and the closer, one per line)
        return None
    return True  # a blank line in a block, after a complete statement


def _ancestors(node: Any) -> Iterator[Any]:
    while node is not None:
        yield node
        node = node.parent


def _token_before(root: Any, src: bytes, cursor: int) -> tuple[Any, bool]:
    """The last token before the cursor, skipping whitespace and comments on earlier lines, and
    whether it is on the cursor line. A comment on the cursor line is returned."""
    k = cursor
    same_line = True
    for _ in range(50):
        stripped = src[:k].rstrip()
        if not stripped:
            return None, same_line
        if b"\n" in src[len(stripped) : k] or b"\r" in src[len(stripped) : k]:
            same_line = False
        k = len(stripped)
        token = root.descendant_for_byte_range(k - 1, k)
        if token is None:
            return None, same_line
        if token.type != "comment" or same_line:
            return token, same_line
        k = token.start_byte
    return None, same_line


def _colon_opens_block(colon: Any) -> bool:
    parent = colon.parent
    if parent is None:
        return False
    if parent.type in _BLOCK_STATEMENTS:
        return True
    if parent.type == "ERROR":
        # an unfinished statement: the nearest keyword before the ':' tells what it ends
        for child in reversed(parent.children):
            if child.start_byte >= colon.start_byte:
                continue
            if child.type == "lambda" or child.type == "lambda_parameters":
                return False
            if child.type in _BLOCK_KEYWORDS:
                return True
    return False  # a lambda, a dict pair, a slice, an annotation


def _inside_brackets(token: Any, cursor: int) -> bool:
    """Is the cursor inside a bracket opened before ``token`` (and not closed before it)?"""
    for node in _ancestors(token.parent):
        if node.type in ("module", "block"):
            return False
        if node.type != "ERROR" and node.end_byte <= cursor:
            continue  # closed before the cursor
        depth = 0
        for child in node.children:
            if child.start_byte >= cursor:
                break
            if child.type in _OPENERS:
                depth += 1
            elif child.type in _CLOSERS and not child.is_missing:
                depth -= 1
        if depth > 0:
            return True
    return False


# binary operators: what follows one at a line end is the next operand, as an item follows `,`
_OPERATORS = frozenset(
    (
        "+", "-", "*", "/", "//", "%", "**", "@", "|", "&", "^", "<<", ">>", "and", "or",
        "<", ">", "<=", ">=", "==", "!=", "in", "is",
    )
)  # fmt: skip


def _closed_after(token: Any, cursor: int) -> bool:
    """Is ``token`` inside a bracket opened before it that a real closer (not one tree-sitter
    made up) closes after the cursor, with no error in between?"""
    for node in _ancestors(token.parent):
        if node.type in ("module", "block", "ERROR") or node.has_error:
            return False
        children = node.children
        if (
            len(children) >= 2
            and children[0].type in _OPENERS
            and children[0].start_byte < cursor
            and children[-1].type in _CLOSERS
            and not children[-1].is_missing
            and children[-1].start_byte >= cursor
        ):
            return True
    return False


def _in_unclosed_string(root: Any, cursor: int) -> bool:
    """A triple-quoted string opened before the cursor and never closed: tree-sitter leaves its
    ``string_start`` in an ERROR node. Only the nodes that contain errors are walked."""
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            if child.start_byte >= cursor:
                break
            if child.type == "string_start" and node.type != "string":
                if child.end_byte - child.start_byte >= 3 and child.text[-3:] in (b'"""', b"'''"):
                    return True
            elif child.type == "string" and child.end_byte >= cursor and child.has_error:
                return True  # its closing quote is MISSING: the string runs up to the cursor
            elif child.has_error:
                stack.append(child)
    return False
