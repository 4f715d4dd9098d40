"""Does an answer fit the code around the cursor? A tree-sitter parse of a bounded window.

Used for answers the upstream cut at ``maxTokens``: the rules keep them up to their last
complete line, which may still end inside a construct (a Python ``try:`` without its
``except``, a Java ``if (x)`` without its statement, a parameter list left open). The window is
the last ~3,000 characters of the prefix and the first ~1,000 of the suffix, cut at line
starts, so the cost does not grow with the document. An error that tree-sitter reports from
the cursor line to a few lines into the suffix is one the answer brought (the original file
parsed there); errors further away belong to the window's cut edges and are not counted,
except Python's missing ``except`` of a ``try:`` the answer opens (reported where the ``try``
body ends, however far into the suffix) and a clause of the suffix's (``finally:``) that follows a
statement the answer starts at its depth (an ``if`` where a ``try:`` was due).
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Any

from codestral_ls import code_syntax
from codestral_ls.lexer import bracket_pairs, syntax_for

PREFIX_CHARS = 3000
SUFFIX_CHARS = 1000
SUFFIX_LINES = 3  # how far into the suffix an error still counts as the answer's


def _window(prefix: str, suffix: str, before: int, after: int) -> tuple[str, str]:
    if len(prefix) > before:
        head = prefix[-before:]
        prefix = head[head.find("\n") + 1 :]
    if len(suffix) > after:
        end = suffix.rfind("\n", 0, after)
        suffix = suffix[: end + 1] if end >= 0 else suffix[:after]
    return prefix, suffix


# --- Python: the real parser on a window of whole definitions ---------------------------------

_PY_DEFINITION = re.compile(r"^([ \t]*)(?:async[ \t]+def|def|class)\b", re.MULTILINE)
# at module level, any statement start will do (not a closer, a string or a comment)
_PY_STATEMENT = re.compile(r"[A-Za-z_@]")


_indent = code_syntax.indent_width


def _python_breaks(prefix: str, answer: str, suffix: str, before_cursor: bool) -> bool | None:
    """Python's own parser on the innermost definition around the cursor (``def``/``class``
    lines back to one no deeper than the code after it), up to the first line after the
    answer that leaves it. A SyntaxError from the cursor line to a few lines into the suffix
    is the answer's; one further on is the window's cut edge; one before is unknown."""
    head = prefix[-PREFIX_CHARS:]
    head = head[head.find("\n") + 1 :] if len(prefix) > PREFIX_CHARS else head
    lines = head.split("\n")
    cursor_line = len(lines) - 1
    floor = 10**6
    start = None
    for i in range(cursor_line, -1, -1):  # the cursor line first: `def f():|` holds the cursor
        line = lines[i]
        if not line.strip():
            continue
        width = _indent(line)
        if width < floor and (
            _PY_DEFINITION.match(line) or (width == 0 and _PY_STATEMENT.match(line))
        ):
            start, base = i, width  # the innermost definition holding the cursor
            break
        floor = min(floor, width)
    if start is None:
        # a definition longer than the window: its statements at the window's least depth
        start = _first_statement_at(lines, floor)
        if start is None:
            return None
        base = floor
    body = "\n".join(lines[start:]) + answer
    answer_end = body.count("\n")
    tail = suffix[:SUFFIX_CHARS].split("\n")
    kept = [tail[0]]
    for line in tail[1:]:
        if line.strip() and _indent(line) <= base:
            break
        kept.append(line)
    src = body + "\n".join(kept)
    # the error an empty block makes is reported at the next statement, past blank and comment
    # lines: count those three statements, not three lines
    reach, seen = 0, 0
    for line in kept[1:]:
        reach += 1
        if line.strip() and not line.lstrip().startswith("#"):
            seen += 1
            if seen == SUFFIX_LINES:
                break
    if base:
        src = "if 1:\n" + src  # the definition is indented: give it a block to sit in
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(src)
        except SyntaxError as exc:
            at = (exc.lineno or 1) - 1 - (1 if base else 0)  # a line of ``body``, from 0
            if at < cursor_line - start:
                if before_cursor:
                    return True
                # a bracket opened before the answer that nothing closes: the answer stopped
                # inside it (a list cut before its `]`); any other error is the window's edge
                return "never closed" in str(exc.msg) or None
            if at <= answer_end + max(reach, SUFFIX_LINES):
                return True
            # a `try:` the answer opens, whose body the suffix goes on with to a line that is
            # no `except`: the error is reported there, however far, but the answer made it;
            # so is a clause of the suffix's (`finally:`) that follows a statement the answer
            # starts at its depth (an `if` where a `try:` was due)
            full = body + "\n".join(kept)
            if exc.msg.startswith(_NO_HANDLER):
                # (not a `try:` of the suffix's, whose `except` the window cut off)
                return cursor_line - start <= _try_row(full, at) <= answer_end
            return cursor_line - start <= _clause_owner_row(full, at) <= answer_end
        except (ValueError, RecursionError, MemoryError):
            return None
    return False


def _clause_owner_row(body: str, at: int) -> int:
    """When row ``at`` of ``body`` is a clause (``else``/``elif``/``except``/``finally``), the
    row of the statement before it at its indentation (the one it would continue); else -1."""
    rows = body.split("\n", at + 1)
    if at >= len(rows) or not _PY_CLAUSE.match(rows[at].lstrip()):
        return -1
    width = _indent(rows[at])
    for i in range(at - 1, -1, -1):
        line = rows[i]
        if line.strip() and not line.lstrip().startswith("#") and _indent(line) <= width:
            return i if _indent(line) == width else -1
    return -1


_PY_CLAUSE = re.compile(r"(?:elif|else|except|finally)\b")
_NO_HANDLER = "expected 'except' or 'finally' block"
_PY_TRY = re.compile(r"try[ \t]*:")


def _try_row(body: str, at: int) -> int:
    """The row of the ``try:`` whose handler row ``at`` of ``body`` lacks (the last one
    before it at its indentation), -1 when there is none."""
    rows = body.split("\n", at + 1)
    if at >= len(rows):
        return -1
    width = _indent(rows[at])
    for i in range(at - 1, -1, -1):
        line = rows[i]
        if line.strip() and _indent(line) <= width:
            return i if _indent(line) == width and _PY_TRY.match(line.lstrip()) else -1
    return -1


def _first_statement_at(lines: list[str], width: int) -> int | None:
    """The first line at indentation ``width`` that starts a statement of its own (not a
    clause that continues one, not a closer or a string), None when there is none. A start
    that is still inside a bracket gives an error before the cursor: unknown, never a
    verdict on the answer."""
    for i, line in enumerate(lines):
        if (
            line.strip()
            and _indent(line) == width
            and _PY_STATEMENT.match(line.lstrip())
            and not _PY_CLAUSE.match(line.lstrip())
        ):
            return i
    return None


def _errors(root: Any) -> list[tuple[str, int, int]]:
    """Byte ranges of the ERROR and MISSING nodes (only subtrees with errors are walked)."""
    out: list[tuple[str, int, int]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing or node.type == "ERROR":
            out.append(("MISSING" if node.is_missing else "ERROR", node.start_byte, node.end_byte))
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return out


HEADER_CHARS = 20_000  # how far above the window the lines of enclosing blocks are looked for
_OPENS_BLOCK = re.compile(r"\{\s*$")


def _enclosing_headers(above: list[str], width: int, braces: bool) -> list[str] | None:
    """The lines that open the blocks around a window whose code starts at indentation
    ``width`` (``impl Foo {``, ``match state {``, ``class A {``, a signature written over
    several lines), outermost first: a window that starts inside a class body or a ``match``
    would parse its members as stray code. None when they cannot all be found: a less indented
    line that opens no brace block (a continued statement) or the start of ``above`` comes
    first. Without ``braces`` (Lua) a block's first line opens none: the window's statements
    parse without it, so the search ends there."""
    headers: list[str] = []
    i = len(above) - 1
    while i >= 0 and width:
        line = above[i]
        code = line.strip()
        if not code or _indent(line) >= width:
            i -= 1
            continue
        if not _OPENS_BLOCK.search(code):
            if not braces:
                return headers
            break
        depth = _indent(line)
        first = i
        if code[0] in ")]":
            # the last line of a header written over several lines: back to its first
            first = i - 1
            while first >= 0 and code_syntax.construct_start([above[first]], depth) != 0:
                first -= 1
            if first < 0:
                break
        elif code[0] == "}":
            i -= 1  # `} else {`: the block it goes on with opened above, at the same depth
            continue
        elif code_syntax.construct_start([line], depth) != 0:
            break
        headers[:0] = above[first : i + 1]
        width = depth
        i = first - 1
    return None if width else headers


def _whole_constructs(
    above: str, head: str, answer: str, tail: str, tail_cut: bool, language_id: str, whole: bool
) -> tuple[str, str] | None:
    """The window cut to whole constructs: from its first line at the least indentation of the
    code around the cursor (the answer's lines included) that starts a construct, under the
    lines that open the blocks holding it (found in ``above``, the text before the window), to
    before the first suffix line less indented than the outermost of them, and, when the window
    cut the suffix, before the last construct starting at that indentation (the window's edge
    may fall inside it). Cut anywhere else, a closer in the suffix whose opener lies before the
    window, or an opener whose closer lies after it, looks like one the answer left unmatched.
    When no line of the window can start it, or the lines opening its blocks are not all in
    ``above`` (the prefix the server keeps ends first), the window as it was cut, or None when
    a ``whole`` one is asked for: a window inside a class body parses its members as stray
    code."""
    lines = head.split("\n")
    widths = [_indent(line) for line in lines if line.strip()]
    widths += [_indent(line) for line in answer.split("\n")[1:] if line.strip()]
    if not widths:
        return head, tail
    base = min(widths)
    i = code_syntax.construct_start(lines, base)
    headers = (
        None
        if i is None
        else _enclosing_headers(above.split("\n")[1:] + lines[:i], base, language_id != "lua")
    )
    if i is None or headers is None:
        # no verdict asked of a whole window; else the window as it was cut, whose two sizes'
        # different edges tell the errors they cause from the answer's
        return None if whole else (head, tail)
    outer = min(_indent(line) for line in headers) if headers else base
    rest = tail.split("\n")
    keep = 1  # the rest of the cursor line
    while keep < len(rest) and (not rest[keep].strip() or _indent(rest[keep]) >= outer):
        keep += 1
    if tail_cut and keep == len(rest):
        last = code_syntax.construct_start(rest[:0:-1], outer)  # from the end
        if last is not None:
            keep = len(rest) - 1 - last
    return "\n".join(headers + lines[i:]), "\n".join(rest[:keep])


# C++ namespaces and `extern "C"` blocks: their bodies are not indented, and a window holds one
# of their two lines more often than both (a namespace opened at the top of the file, closed at
# its end `}  // namespace x`, as clang-format labels it), which reads as the answer's error
NAMESPACE_OPENER = re.compile(
    r'\s*(?:(?:inline\s+)?namespace\b[^;{()]*|extern\s+"C(?:\+\+)?"\s*)\{\s*(?://.*)?$'
)
NAMESPACE_CLOSER = re.compile(
    r"\s*\}\s*;?\s*(?://|/\*)[^\n]*?\b(?:namespace|extern)\b", re.IGNORECASE
)


def _without_namespaces(head: str, answer: str, tail: str, language_id: str) -> tuple[str, str]:
    """C/C++: the window's namespace lines blanked (same length, so offsets hold), and an
    opener's closer with it when the window holds that too (matched in the code with the
    answer, whose brackets sit between them): what they wrap parses as top-level declarations
    either way. The answer itself is left as it is."""
    text = head + answer + tail
    if language_id not in ("c", "cpp") or ("namespace" not in text and "extern" not in text):
        return head, tail
    chars = list(text)
    _, opener_of = bracket_pairs(text, syntax_for(language_id))
    closer_of = {opener: closer for closer, opener in opener_of.items()}
    answer_span = range(len(head), len(head) + len(answer))
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if start not in answer_span:
            opener = NAMESPACE_OPENER.match(line)
            if opener is not None or NAMESPACE_CLOSER.match(line):
                chars[start:end] = " " * len(line)
            if opener is not None:
                closer = closer_of.get(text.rfind("{", start, end))
                if closer is not None and closer not in answer_span:
                    chars[closer] = " "
        start = end + 1
    blanked = "".join(chars)
    return blanked[: len(head)], blanked[len(head) + len(answer) :]


# two windows with different edges: an error the window's cut edges cause moves with them, one
# the answer causes stays where it is relative to the cursor
WINDOWS = ((PREFIX_CHARS, SUFFIX_CHARS), (PREFIX_CHARS * 2 // 3, SUFFIX_CHARS * 2 // 3))


def _errors_near(
    prefix: str,
    answer: str,
    suffix: str,
    language_id: str,
    size: tuple[int, int],
    before_cursor: bool,
    whole: bool,
) -> set[tuple[str, int, int]] | None:
    head_text, tail_text = _window(prefix, suffix, *size)
    above = prefix[
        max(0, len(prefix) - len(head_text) - HEADER_CHARS) : len(prefix) - len(head_text)
    ]
    cut = _whole_constructs(
        above, head_text, answer, tail_text, len(tail_text) < len(suffix), language_id, whole
    )
    if cut is None:
        return None
    head_text, tail_text = _without_namespaces(cut[0], answer, cut[1], language_id)
    head = head_text.encode("utf-8", "replace")
    body = answer.encode("utf-8", "replace")
    tail = tail_text.encode("utf-8", "replace")
    tree = code_syntax.parse(language_id, head + body + tail)
    if tree is None:
        return None
    if not tree.root_node.has_error:
        return set()
    cursor = len(head)
    start = 0 if before_cursor else head.rfind(b"\n") + 1
    pos = 0  # the rest of the answer's last line, then SUFFIX_LINES more
    for _ in range(SUFFIX_LINES + 1):
        nl = tail.find(b"\n", pos)
        pos = len(tail) if nl < 0 else nl + 1
    end = cursor + len(body) + pos
    return {
        (t, a - cursor, b - cursor) for t, a, b in _errors(tree.root_node) if a < end and b >= start
    }


def breaks_syntax(
    prefix: str,
    answer: str,
    suffix: str,
    language_id: str,
    *,
    before_cursor: bool = False,
    whole: bool = False,
) -> bool | None:
    """True when ``answer`` inserted at the cursor leaves a syntax error between the start of
    the cursor line and a few lines into the suffix; None when this language has no grammar.
    With ``before_cursor``, errors that start earlier in the window count too: is the code
    around the cursor broken at all (asked of the code without an answer, where an error that
    starts above the cursor is the user's, not an answer's)? With ``whole``, None (no verdict)
    unless the window holds whole constructs (the lines opening its blocks included)."""
    if language_id == "python":
        return _python_breaks(prefix, answer, suffix, before_cursor)
    if language_id not in code_syntax.GRAMMARS:
        return None
    found = None
    for size in WINDOWS:
        errors = _errors_near(prefix, answer, suffix, language_id, size, before_cursor, whole)
        if errors is None:
            return None
        found = errors if found is None else found & errors
        if not found:
            return False
    return True
