"""Single-line or multi-line suggestions.

``decide_multiline`` maps the ``multiline`` setting to a yes/no for one request. In "auto" mode
it reads only the cursor line (text before and after the cursor), so it costs a few
microseconds whatever the window size. The "auto" rules, in order (first match wins):

0. more than 400 characters before the cursor on its line (minified code) -> single
1. text after the cursor other than closers ``) ] } >`` and ``; ,``  -> single (mid-line)
2. the cursor is inside a string or a comment on its line        -> single
3. the cursor line is empty or whitespace only                  -> multi
4. the text before the cursor ends with a block opener             -> multi
   (``{ ( [``, ``:`` on a Python/YAML block line, ``=>``, ``->``, ``do``, ``then``, an open tag...)
5. anything else (mid-expression, end of a finished statement)    -> single

All of it lives in ``_auto_multiline``; the lexing it needs is in ``lexer.py``. For JavaScript,
TypeScript/TSX, Go, Rust, Java, C and C++, a "multi" answer is checked against a tree-sitter
parse of the window (``code_syntax.py``): inside a comment or string that spans lines it becomes
"single". For Python,
when tree-sitter is installed (the ``syntax`` extra), ``python_syntax.py`` parses the window and
overrides these rules where they could be wrong (a docstring or bracket opened lines above, a
``def`` spanning lines, ``else`` or ``->`` ending an expression); it is asked only when its
answer could differ (the lexical answer is multi, or the line ends with ``:``), as a parse costs
~0.1-0.5 ms.
"""

from __future__ import annotations

import re

from codestral_ls.code_syntax import GRAMMARS, in_multiline_text
from codestral_ls.lexer import line_state
from codestral_ls.python_syntax import python_multiline

# ---------------------------------------------------------------------------------------------
# The decision.

_AFTER_CURSOR_OK = re.compile(r"[\s)\]}>;,]*")
_ENDS_WITH_OPENER = re.compile(
    r"""(?:
        [{(\[]                                   # brackets
      | =>                                       # JS/TS/C#/Scala arrow functions
      | (?<![-=])->                              # lambdas, Elixir/Erlang/Haskell clauses
      | (?<![\w.])(?:do(?:\s*\|[^|]*\|)?|then|else|begin|repeat)  # Ruby, Lua, shell, Pascal
    )\s*$""",
    re.VERBOSE,
)
_OPEN_TAG = re.compile(r"<[A-Za-z][^<>]*(?<!/)>\s*$")
_MARKUP = frozenset(
    ("html", "xml", "vue", "svelte", "astro", "javascriptreact", "typescriptreact", "php", "svg")
)
# `->` is a return type (Rust, C++) or member access (C, PHP), not a block
_ARROW_NOT_BLOCK = frozenset(
    ("rust", "c", "cpp", "objective-c", "objective-cpp", "php", "cuda-cpp")
)
_BLOCK_LINE_START = re.compile(
    r"\s*(?:async\s+)?(?:def|class|if|elif|else|for|while|try|except|finally|with|match|case)"
    r"\b"
)
_LUA_ANONYMOUS_FUNCTION = re.compile(r"\bfunction\s*\([^()]*\)\s*$")
_LUA_RUBY_DEF = re.compile(
    r"\s*(?:local\s+)?(?:function\b.*\)|def\s+\S+|class\s+\S+|module\s+\S+)\s*$"
)


def ends_with_block_opener(line_before: str, language_id: str) -> bool:
    """Does the text before the cursor end with something that opens an indented block?"""
    text = line_before[-200:].rstrip()  # an opener sits at the end; long lines stay cheap
    if not text:
        return False
    if text.endswith(":"):
        if language_id == "python":
            # a ':' in a slice, dict or lambda is not a block
            return _BLOCK_LINE_START.match(text) is not None
        return language_id in ("yaml", "nim", "gdscript", "coffeescript", "haskell")
    if text.endswith("=") and language_id in ("haskell", "ocaml", "fsharp", "elm"):
        return True
    if language_id in ("lua", "ruby", "elixir", "crystal", "julia") and _LUA_RUBY_DEF.match(text):
        return True
    if language_id == "lua" and _LUA_ANONYMOUS_FUNCTION.search(text):
        return True  # `foo(x, function(a, b)`: its body follows, up to `end)`
    if language_id in _MARKUP and _OPEN_TAG.search(text):
        return True
    m = _ENDS_WITH_OPENER.search(text)
    if m is None:
        return False
    return not (m.group().strip() == "->" and language_id in _ARROW_NOT_BLOCK)


_LONG_LINE = 400


def _auto_multiline(line_before: str, line_after: str, language_id: str) -> bool:
    if len(line_before) > _LONG_LINE:
        return False  # minified or generated code; also keeps the lexing below bounded
    if _AFTER_CURSOR_OK.fullmatch(line_after) is None:
        return False
    state = line_state(line_before, language_id)
    if state.string_quote or state.in_comment:
        return False
    if not line_before.strip():
        return True
    return ends_with_block_opener(line_before, language_id)


def decide_multiline(prefix: str, suffix: str, language_id: str, setting: str) -> bool:
    """setting is "auto" | "always" | "never". prefix/suffix are the text windows before/after
    the cursor (bounded: a few thousand chars each, cut at line boundaries except the cursor line).
    """
    if setting == "always":
        return True
    if setting == "never":
        return False
    line_before = prefix[prefix.rfind("\n") + 1 :]
    end = suffix.find("\n")
    line_after = suffix if end < 0 else suffix[:end]
    line_before, line_after = line_before.rstrip("\r"), line_after.rstrip("\r")
    lexical = _auto_multiline(line_before, line_after, language_id)
    if language_id == "python" and (lexical or _may_open_block(line_before, line_after)):
        parsed = python_multiline(prefix, suffix)
        if parsed is False and lexical and _plain_block_line(line_before):
            # `def f(self):|` whose body is missing: the parser may read the next `def` as its
            # body and the colon as an error, but a whole line like this always opens a block
            return True
        if parsed is not None:
            return parsed
    if lexical and language_id in GRAMMARS and in_multiline_text(prefix, suffix, language_id):
        return False  # a blank line in a doc comment, template literal or raw string
    return lexical


def _plain_block_line(line_before: str) -> bool:
    """A line that starts with a block keyword, ends with ``:`` and has balanced brackets."""
    text = line_before.rstrip()
    if not text.endswith(":") or _BLOCK_LINE_START.match(text) is None:
        return False
    return all(text.count(o) == text.count(c) for o, c in ("()", "[]", "{}"))


def _may_open_block(line_before: str, line_after: str) -> bool:
    """A Python line ending with ':' that the lexical rules did not take for a block opener
    (``def f(a,`` on the line above): only then can the parser turn "single" into "multi"."""
    return (
        len(line_before) <= _LONG_LINE
        and line_before.rstrip().endswith(":")
        and _AFTER_CURSOR_OK.fullmatch(line_after) is not None
    )
