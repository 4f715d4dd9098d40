"""Just enough lexing, per language, to tell strings and comments from code.

Shared by the single/multi-line decision (``multiline.py``) and post-processing
(``postprocess.py``): comment markers and quotes per languageId, the lexical state at the end
of a line, and a regex that finds brackets while skipping strings and comments. Pure and cheap:
every regex is compiled once per language and runs in C.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple


@dataclass(frozen=True)
class Syntax:
    line_comments: tuple[str, ...] = ("//", "#")
    block_comment: tuple[str, str] | None = ("/*", "*/")
    quotes: str = "\"'"
    # Rust/OCaml/Lisp: a lone ' is a lifetime or quote, only 'x' is a literal
    char_literal_only: bool = False
    triple_quotes: bool = False
    multiline_backtick: bool = False
    long_brackets: bool = False  # Lua's ``[[ ... ]]`` / ``[==[ ... ]==]`` strings
    regex_literals: bool = False  # JavaScript's ``/["']/g``: its quotes open no string
    raw_strings: bool = False  # Rust's ``r"c:\"``, ``br#"..."#``: a backslash escapes nothing


_C_LIKE = Syntax(("//",), ("/*", "*/"), "\"'")
_JS_LIKE = Syntax(("//",), ("/*", "*/"), "\"'`", multiline_backtick=True, regex_literals=True)
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
    "rust": Syntax(("//",), ("/*", "*/"), "\"'", char_literal_only=True, raw_strings=True),
    "php": Syntax(("//", "#"), ("/*", "*/"), "\"'"),
    "css": Syntax((), ("/*", "*/"), "\"'"),
    "python": Syntax(("#",), None, "\"'", triple_quotes=True),
    **_each(
        "ruby shellscript bash sh zsh fish perl r yaml toml elixir coffeescript makefile"
        " dockerfile powershell julia nim cmake gdscript nix terraform hcl",
        _HASH,
    ),
    "lua": Syntax(("--",), ("--[[", "]]"), "\"'", long_brackets=True),
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


# levels 0-2 spelled out, like the long brackets below
_RAW_STRINGS = [rf'b?r{h}"[\s\S]*?"{h}' for h in ("", "#", "##")]
_RAW_START = r'b?r#{0,2}"'


def _string_patterns(syntax: Syntax) -> list[str]:
    pats = list(_TRIPLE) if syntax.triple_quotes else []
    if syntax.raw_strings:
        pats += _RAW_STRINGS
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
    if syntax.long_brackets:
        # levels 0-2 spelled out: a group would change what the callers' findall returns
        pats += [rf"\[{eq}\[[\s\S]*?\]{eq}\]" for eq in ("", "=", "==")]
    if syntax.regex_literals:
        pats.append(_REGEX_LITERAL)
    return pats


# a `/` where an expression starts (after `(` `,` `=` `:` `[` `!` `&` `|` `?` `{` `}` `;`, at
# most one space between) opens a regex literal, closed on the same line; elsewhere it divides
_REGEX_LITERAL = (
    r"(?:(?<=[(,=:\[!&|?{};])|(?<=[(,=:\[!&|?{};] ))"
    r"/(?![/*])(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*"
)


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
        alts.append(_run("[^" + "".join(re.escape(c) for c in sorted(specials)) + "]", syntax))
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
    alts.insert(0, _run("[^" + "".join(re.escape(c) for c in sorted(starts)) + "]", syntax))
    return re.compile("|".join(alts))


def bracket_pairs(text: str, syntax: Syntax) -> tuple[list[int], dict[int, int]]:
    """Where the brackets of ``text`` left open sit, and each closer's opener (positions); any
    closer closes the innermost bracket open, and one with none open is passed over."""
    opener_of: dict[int, int] = {}
    stack: list[int] = []
    for m in bracket_regex(syntax).finditer(text):
        b = m.group("b")
        if b is None:
            continue
        if b in "([{":
            stack.append(m.start())
        elif stack:
            opener_of[m.start()] = stack.pop()
    return stack, opener_of


def _run(char_class: str, syntax: Syntax) -> str:
    """A run of plain code characters; it stops before a raw string's ``r"`` where there are
    raw strings (else the run would swallow the ``r`` and the string's quote open a normal
    string, whose backslashes escape)."""
    if syntax.raw_strings:
        return f"(?:(?!{_RAW_START}){char_class})+"
    return char_class + "+"


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
    if syntax.raw_strings and re.match(_RAW_START, rest):
        return LineState('"', pos)  # a raw string left open
    return LineState(in_comment=True)  # the only other thing that stops the match


def without_line_comment(line: str, language_id: str) -> str:
    """``line`` without the line comment it ends with (``if x:  # why`` -> ``if x:  ``)."""
    syntax = syntax_for(language_id)
    if not syntax.line_comments or not any(m in line for m in syntax.line_comments):
        return line
    m = _code_prefix_regex_for(language_id).match(line)
    pos = m.end() if m else 0
    return line[:pos] if line.startswith(syntax.line_comments, pos) else line
