"""Single-line or multi-line suggestions, and the little lexing both decisions need.

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

All of it lives in ``_auto_multiline``. For Python, when tree-sitter is installed (the
``syntax`` extra), ``codestral_ls.syntax`` parses the window and overrides these rules where they
could be wrong (a docstring or bracket opened lines above, a ``def`` spanning lines, ``else`` or
``->`` ending an expression); it is asked only when its answer could differ (the lexical answer
is multi, or the line ends with ``:``), as a parse costs ~0.1-0.5 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from codestral_ls.syntax import python_multiline

# ---------------------------------------------------------------------------------------------
# Lexical syntax per language: just enough to tell strings and comments from code.


@dataclass(frozen=True)
class Syntax:
    line_comments: tuple[str, ...] = ("//", "#")
    block_comment: tuple[str, str] | None = ("/*", "*/")
    quotes: str = "\"'"
    # Rust/OCaml/Lisp: a lone ' is a lifetime or quote, only 'x' is a literal
    char_literal_only: bool = False
    triple_quotes: bool = False
    multiline_backtick: bool = False


_C_LIKE = Syntax(("//",), ("/*", "*/"), "\"'")
_JS_LIKE = Syntax(("//",), ("/*", "*/"), "\"'`", multiline_backtick=True)
_HASH = Syntax(("#",), None, "\"'")
_DASH = Syntax(("--",), ("/*", "*/"), "\"'")
_PROSE = Syntax((), None, "")


def _each(names: str, syntax: Syntax) -> dict[str, Syntax]:
    return dict.fromkeys(names.split(), syntax)


_SYNTAX: dict[str, Syntax] = {
    **_each(
        "c cpp objective-c objective-cpp java csharp kotlin swift dart scala groovy solidity zig"
        " scss less proto cuda-cpp hlsl glsl jsonc v",
        _C_LIKE,
    ),
    **_each("javascript typescript javascriptreact typescriptreact vue svelte astro", _JS_LIKE),
    "go": Syntax(("//",), ("/*", "*/"), "\"'`", multiline_backtick=True),
    "rust": Syntax(("//",), ("/*", "*/"), "\"'", char_literal_only=True),
    "php": Syntax(("//", "#"), ("/*", "*/"), "\"'"),
    "css": Syntax((), ("/*", "*/"), "\"'"),
    "python": Syntax(("#",), None, "\"'", triple_quotes=True),
    **_each(
        "ruby shellscript bash sh zsh fish perl r yaml toml elixir coffeescript makefile"
        " dockerfile powershell julia nim cmake gdscript nix terraform hcl",
        _HASH,
    ),
    "lua": Syntax(("--",), ("--[[", "]]"), "\"'"),
    "sql": _DASH,
    "haskell": Syntax(("--",), ("{-", "-}"), '"', char_literal_only=True),
    "elm": Syntax(("--",), ("{-", "-}"), '"', char_literal_only=True),
    "ocaml": Syntax((), ("(*", "*)"), '"', char_literal_only=True),
    **_each("clojure lisp scheme racket elisp", Syntax((";",), None, '"')),
    **_each("erlang latex tex matlab", Syntax(("%",), None, '"')),
    **_each("html xml svg xsl", Syntax((), ("<!--", "-->"), "")),
    **_each("markdown plaintext restructuredtext text mdx", _PROSE),
    "json": Syntax((), None, '"'),
}

PROSE_LANGUAGES = frozenset(("markdown", "plaintext", "restructuredtext", "text", "mdx"))


def syntax_for(language_id: str) -> Syntax:
    return _SYNTAX.get(language_id, Syntax())


_TRIPLE = [r'"""[\s\S]*?"""', r"'''[\s\S]*?'''"]


def _string_patterns(syntax: Syntax) -> list[str]:
    pats = list(_TRIPLE) if syntax.triple_quotes else []
    for q in syntax.quotes:
        if q == "'" and syntax.char_literal_only:
            continue
        if q == "`" and syntax.multiline_backtick:
            pats.append(r"`(?:[^`\\]|\\[\s\S])*`")
        else:
            e = re.escape(q)
            # `""` followed by `"` opens a triple-quoted string, it is not an empty one
            no_triple = f"(?!{e}{e})" if syntax.triple_quotes else ""
            pats.append(rf"{e}{no_triple}(?:[^{e}\\\n]|\\.)*{e}")
    if syntax.char_literal_only:
        pats.append(r"'(?:\\[^'\n]{1,10}|[^'\\\n])'")
    return pats


def _lone_char(c: str, markers: list[str]) -> str:
    """``c`` when it does not start any of ``markers`` at this point."""
    tails = [re.escape(m[1:]) for m in markers if m[0] == c]
    if any(not t for t in tails):
        return "(?!)"  # `c` alone is a marker (`#`, `;`, `%`)
    return re.escape(c) + ("(?!" + "|".join(tails) + ")" if tails else "")


@lru_cache(maxsize=64)
def _code_prefix_regex(syntax: Syntax) -> re.Pattern[str]:
    """Matches the longest start of a line made of code, complete strings and closed block
    comments; whatever stops it (a quote, a comment marker) is the state at the line's end.
    One match call runs in C, so a 5,000-character minified line costs microseconds."""
    markers = list(syntax.line_comments)
    if syntax.block_comment:
        markers.append(syntax.block_comment[0])
    specials = {m[0] for m in markers} | set(syntax.quotes)
    alts = []
    if syntax.block_comment:
        o, c = map(re.escape, syntax.block_comment)
        alts.append(rf"{o}[\s\S]*?{c}")
    alts += _string_patterns(syntax)
    if syntax.char_literal_only:
        alts.append("'")  # a lifetime or a quote, not a string
    alts += [_lone_char(c, markers) for c in sorted(specials - set(syntax.quotes))]
    if specials:
        alts.append("[^" + "".join(re.escape(c) for c in sorted(specials)) + "]+")
    else:
        alts.append(r"[\s\S]+")
    return re.compile("(?:" + "|".join(alts) + ")*")


@lru_cache(maxsize=64)
def bracket_regex(syntax: Syntax) -> re.Pattern[str]:
    """Matches brackets (group ``b``) while skipping strings and comments, over several lines."""
    alts = []
    if syntax.block_comment:
        o, c = map(re.escape, syntax.block_comment)
        alts.append(rf"{o}[\s\S]*?{c}")
    alts += [rf"{re.escape(m)}[^\n]*" for m in syntax.line_comments]
    alts += _string_patterns(syntax)
    alts.append(r"(?P<b>[()\[\]{}])")
    # runs of characters that cannot start any token above, skipped in one step: 3x faster
    starts = {m[0] for m in syntax.line_comments} | set(syntax.quotes) | set("()[]{}'\\")
    if syntax.block_comment:
        starts.add(syntax.block_comment[0][0])
    alts.insert(0, "[^" + "".join(re.escape(c) for c in sorted(starts)) + "]+")
    return re.compile("|".join(alts))


class LineState(NamedTuple):
    """Lexical state at the end of one line of code."""

    string_quote: str = ""  # the quote of a string left open, "" when not in a string
    string_start: int = -1  # where that string starts in the line
    in_comment: bool = False


@lru_cache(maxsize=64)
def _code_prefix_regex_for(language_id: str) -> re.Pattern[str]:
    return _code_prefix_regex(syntax_for(language_id))  # keyed by a str: cheaper to hash


def line_state(line: str, language_id: str) -> LineState:
    """Is the end of ``line`` (the text before the cursor) inside a string or a comment?"""
    syntax = syntax_for(language_id)
    if not syntax.quotes and not syntax.line_comments and not syntax.block_comment:
        return LineState()
    m = _code_prefix_regex_for(language_id).match(line)
    pos = m.end() if m else 0
    rest = line[pos:]
    if not rest:
        return LineState()
    if syntax.triple_quotes and rest.startswith(('"""', "'''")):
        return LineState(rest[:3], pos)
    if rest[0] in syntax.quotes:
        return LineState(rest[0], pos)
    return LineState(in_comment=True)  # the only other thing that stops the match


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
        if parsed is not None:
            return parsed
    return lexical


def _may_open_block(line_before: str, line_after: str) -> bool:
    """A Python line ending with ':' that the lexical rules did not take for a block opener
    (``def f(a,`` on the line above): only then can the parser turn "single" into "multi"."""
    return (
        len(line_before) <= _LONG_LINE
        and line_before.rstrip().endswith(":")
        and _AFTER_CURSOR_OK.fullmatch(line_after) is not None
    )
