"""Turn Codestral's raw fill-in-the-middle answer into the ghost text shown at the cursor.

Pure functions only. ``postprocess`` runs the rules of ``RULES`` in this order; each rule is
``rule(text, ctx) -> text`` and may return "" (show nothing), which ends the pipeline:

 1. blank            a whitespace-only answer -> ""
 2. special_token    cut at a model control token (``</s>``, ``<|endoftext|>``, ``[SUFFIX]``...)
                     unless the file itself uses it
 3. code_fence       strip a markdown fence (```lang ... ```) and anything after the closing one
 4. leading_space    Codestral quirk: one spurious space after a space, `(`, `[` or `.` on the
                     line, at a blank line's indentation, or before the first line break
 5. leading_newline  Codestral quirk: a line break before the answer while the cursor is mid-line
 6. prefix_echo      drop a start that re-types the line(s) before the cursor, or their indentation;
                     not a repeat the file itself writes near the cursor (``x.as_inner()
                     .as_inner()``, ``//   //``), nor a "tail" starting inside a member chain
                     or inside a string's text, nor one list element typed again after its
                     comma (``[integer, `` + ``integer, integer``), nor a row of one value
                     (``17, 17, `` + ``17, 17, 18``; a line above ``12, 12, ..., 12,``) that a
                     table goes on with; an echo of the lines above re-types the cursor line's
                     code too
    (closer_range)   not a rule: when the answer types the closers after the cursor itself
                     (``foo(|)`` + ``a, b)``), the rules below judge it against the suffix
                     without them and the LSP item's range covers them (``covered_closers``)
 7. truncated        an answer cut at max_tokens: drop its unfinished last line
 8. single_line      single-line mode: keep the first line only (see ``keep_first_line``), or
                     the block that line opens, or inside a bracket opened before the cursor
                     that the suffix leaves open (``return (a and`` above), the lines up to
                     the one that closes it (8 at most), or after a line that leaves a
                     declaration header without its ``{`` (``class A<T>`` + ``extends B``),
                     the lines up to that ``{`` (``declaration_header``)
 9. repetition       runaway repetition: a line or block repeated 3+ times in a row (the cursor
                     line counts) -> one copy (lines without letters, closing quotes or ``*/``, only
                     when they run to the token limit; rows of numbers not even then if each
                     ends with a separator and the file repeats a row itself, as a table of
                     zeros does); 4+ similar lines (a counter or letter moving on) up to the
                     token limit -> the first, or the first of the 4+ at their end that count
                     on by one (``'#FF6633'``, ``'#FF9900'``, ``'#FF9901'``...), not after
                     copies of one line were cut (rows of numbers: counting on by one, in a
                     file whose rows do not); ``foo = foo = foo`` up to the token limit -> one
                     (not a line the model ended itself: ``nil,nil,nil``; a unit of numbers,
                     ``0x20, 0x20, ...``, is data; ``const char*,`` keeps its ``*``, a
                     quoted word its closing quote)
10. block_end        stop where a multi-line answer leaves the cursor's block: a less indented
                     new definition, or a line below the indentation the suffix goes on at (an
                     answer that starts with the next definition keeps that one); after a
                     header with no block yet (``TEST(A, B) |``), where the block its first
                     line opens closes
11. suffix_repeat    drop an answer that re-types the code after the cursor (all of it, or two
                     lines; three when the second is a closer: ``return true`` + ``}`` then new
                     code ends a block like the suffix's); cut one that reaches the suffix and
                     goes on re-typing it; a line re-types a suffix line only at its depth
                     (``return None`` of a nested branch before the function's own is new
                     code); a one-line answer, or an answer's last line, equal to the next line
                     inside a run of similar lines (a table; rows of one value, ``13, 13,``
                     and ``14, 14,``, are alike) is one more entry, an ``#endif``
                     like it closes another ``#if`` when the prefix leaves more open than the
                     suffix closes; two re-typed lines that are only attributes
                     (``#[doc(no_inline)]``, ``@Override``) before another item are a sibling;
                     two followed by another branch of their statement (``elif``) were the
                     body of an earlier branch; an answer that starts with a statement the
                     file writes twice in a row just above (``ctx.issues.push({`` ... ``});``)
                     is one more of them, also for suffix_overlap
12. closing_bracket  stop at a closer that closes nothing, or that closes a bracket/string opened
                     before the cursor which the suffix already closes (``foo(|)`` + ``a, b)``;
                     a ``}`` at the indentation of the suffix's own closer; not a ``}`` after
                     code on its line when the suffix's closer starts a line at another
                     indentation than the bracket's: an anonymous class's ``}};``); a closer
                     inside an end that re-types the suffix cuts that whole end; an answer that
                     ends a template literal opened lines above (tree-sitter says where it
                     starts) is judged after its backtick; brackets after a multi-line string
                     the answer opens and leaves open (a docstring's first line) are its text
13. suffix_overlap   trim an end that repeats the start of the suffix, ignoring whitespace within
                     lines (not line breaks, nor in a doc comment) but not depth: an overlap
                     of whole lines starts at the suffix line's indentation; a last line that is
                     one more entry of the run the suffix goes on with is no overlap; ``end``
                     lines are one when the suffix's close the answer's blocks, or the suffix
                     then goes on with the body of the block still open (``return r``)
14. indent_style     re-indent with the file's style (tabs vs spaces, read from the prefix)
15. trailing_space   trailing whitespace and blank lines at the end
16. partial_suffix   drop a last line that only re-types the start of the suffix's next line
                     (not one more entry of the suffix's run, nor a closer of the answer's own
                     bracket before the suffix's alike one: ``}`` then ``}  // namespace``, nor
                     a whole name before a longer one: ``AF_INET`` before ``AF_INET6``)
17. balance          a truncated answer: back to its last line where its brackets are balanced
                     (or each one left open is closed by the suffix at its line's depth, for a
                     ``{`` the depth of its statement's first line when its line goes on with
                     a bracket or a ``throws`` clause begun above; a C/C++ namespace's ``}``
                     closes none of the answer's),
                     no block is left without a body (a ``case 2:`` label opens one; the
                     indentation unit is read from code, not a licence comment), no declaration
                     header without its ``{`` unless the suffix goes on with it
                     (``declaration_header``), no last line that cannot end a statement (a
                     braceless ``if (x)``; in C, C++ and Java a line ending with ``)`` that
                     starts one, outside a macro) unless the suffix gives what follows, and it
                     parses in context (``syntax_fit``:
                     Python's own parser, tree-sitter for JS/TS/Go/Rust/Java/C/C++/Lua, on
                     bounded windows, where a Python ``try:`` the answer opens is blamed for its
                     missing ``except`` however far down the error shows, and a statement it
                     starts for a clause of the suffix's at its depth (``if`` before
                     ``finally:``), but not a ``try:`` of the suffix's; Lua blocks, an inline
                     ``else`` one too, may be closed by the suffix's ``end`` lines; an opener
                     may end in a line comment, a ``*`` before the line's ``,`` or ``)`` ends a
                     C type); not
                     where the suffix shows the missing lines were needed: a ``(`` it never
                     closes, an ``elif``/``elseif`` with no ``if``, a ``}`` at another depth, an
                     open ``/**``, an ``else:`` whose body is followed by the suffix's own clause,
                     a ``try:`` the suffix leaves without an ``except``
18. parse_fit        in multi-line mode, an answer of several lines that breaks the parse around
                     the cursor (the same ``syntax_fit`` check) -> back to its last line where it
                     parses, else nothing; no verdict where the code does not parse without the
                     answer
19. blank_result     nothing visible left -> ""

Why this order: fences and the Codestral quirks shift every position the later rules look at;
the prefix echo may fill the whole first line, so it runs before single_line; single_line runs
early so the suffix rules only judge what will be shown; whitespace clean-up comes last because
the cuts before it leave dangling indentation.

Single-line mode keeps the first line. When that line is empty because the model starts on the
next line and the cursor is at the end of its line, the line break(s) plus the first line of code
are kept, so ``x = 1|`` can still show ``\\n y = 2`` (one line of code, shown below the cursor).
At the indentation in front of existing code (``    |return x``) a whole line followed by a
break is kept with the break and the cursor line's indentation, so the existing code stays put.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

from codestral_ls.code_syntax import multiline_string_start
from codestral_ls.declaration_header import header_left_open, lines_to_header_opener
from codestral_ls.lexer import (
    PROSE_LANGUAGES,
    LineState,
    bracket_pairs,
    bracket_regex,
    line_state,
    syntax_for,
    without_line_comment,
)
from codestral_ls.multiline import ends_with_block_opener
from codestral_ls.syntax_fit import NAMESPACE_CLOSER, NAMESPACE_OPENER, breaks_syntax

OPENERS = "([{"
CLOSERS = ")]}"
PAIR = {")": "(", "]": "[", "}": "{"}
# lines made only of these close a block: never "significant" content on their own
_CLOSER_WORDS = frozenset(
    (
        "end",
        "end;",
        "fi",
        "done",
        "esac",
        "endif",
        "endfor",
        "endwhile",
        "endfunction",
        "until",
        "}",
        ")",
        "]",
        "};",
        "});",
        ");",
        "},",
        "),",
        "],",
        "];",
        "end)",
        "end,",
    )
)
_BLOCK_KEYWORD = re.compile(
    r"\b(?:function|then|do|def|class|module|begin|case|if|unless|while|for|repeat)\b"
)
_SHELLS = frozenset(("shellscript", "bash", "sh", "zsh", "fish"))
_MARKUP_TEXT = frozenset(("html", "xml", "svg"))
# how far back the prefix is scanned for unclosed brackets and indentation
_PREFIX_SCAN_CHARS = 6000
_RECENT_SCAN_CHARS = 1200  # enough for the brackets around the cursor in almost every case
_INDENT_SCAN_CHARS = 3000


def _is_ident(ch: str) -> bool:
    return bool(ch) and (ch.isalnum() or ch == "_")


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _width(indent: str, tab: int = 4) -> int:
    return len(indent.expandtabs(tab))


def _significant(line: str) -> bool:
    """A line that carries code of its own, not just a closer like ``}`` or ``end``."""
    s = line.strip()
    return bool(s) and s not in _CLOSER_WORDS and any(c.isalnum() for c in s)


@dataclass(frozen=True)
class Context:
    """The cursor's surroundings, with the derived facts the rules share (computed lazily)."""

    prefix: str
    suffix: str
    multiline: bool
    language_id: str
    truncated: bool = False  # the upstream stopped at max_tokens: the last line is partial

    @cached_property
    def line_before(self) -> str:
        return self.prefix[self.prefix.rfind("\n") + 1 :]

    @cached_property
    def line_after(self) -> str:
        end = self.suffix.find("\n")
        return self.suffix if end < 0 else self.suffix[:end]

    @cached_property
    def mid_line(self) -> bool:
        return bool(self.line_after.strip())

    @cached_property
    def state(self) -> LineState:
        return line_state(self.line_before, self.language_id)

    @cached_property
    def prev_lines(self) -> list[str]:
        """Up to 3 lines before the cursor line, nearest last."""
        head = self.prefix[: len(self.prefix) - len(self.line_before)]
        return head[-2000:].split("\n")[-4:-1] if head else []

    @cached_property
    def prev_code_line(self) -> str:
        for line in reversed(self.prev_lines):
            if line.strip():
                return line
        return ""

    @cached_property
    def next_code_line(self) -> str:
        """The first non-blank text after the cursor: the rest of the cursor line, or the next
        non-blank line with its indentation."""
        if self.mid_line:
            return self.line_after
        for line in self.suffix[:4000].split("\n", 8)[1:8]:
            if line.strip():
                return line
        return ""

    @cached_property
    def in_block_comment(self) -> str:
        """The closing marker of a block comment opened on an earlier line and still open at the
        cursor (a ``/** ... */`` doc comment), "" otherwise. Looks at recent lines only."""
        markers = syntax_for(self.language_id).block_comment
        if markers is None:
            return ""
        head = self.prefix[-_INDENT_SCAN_CHARS:]
        opened = head.rfind(markers[0])
        return markers[1] if opened >= 0 and head.find(markers[1], opened) < 0 else ""

    @cached_property
    def suffix_closer_match(self) -> re.Match[str] | None:
        """The first closer in the suffix (its first 4,000 characters) that closes a bracket
        opened before the cursor."""
        regex = bracket_regex(syntax_for(self.language_id))
        return _unbalanced(regex.finditer(self.suffix[:4000]), OPENERS)

    @cached_property
    def suffix_closer(self) -> tuple[str, int] | None:
        """``suffix_closer_match``'s closer, and the indentation of its line when it starts that
        line, maybe after ``end`` (-1 otherwise)."""
        m = self.suffix_closer_match
        if m is None:
            return None
        text = self.suffix
        start = text.rfind("\n", 0, m.start()) + 1
        before = text[start : m.start()]
        # at a line start, or after the words that end a block there (Lua's `end)`)
        starts_line = not before.strip() or before.strip() in _CLOSER_WORDS
        return m.group("b"), (_width(_indent_of(before)) if starts_line and start else -1)

    @cached_property
    def closes_namespace(self) -> bool:
        """The suffix's next closer ends a C/C++ namespace (``_closes_namespace``)."""
        return _closes_namespace(self)

    @cached_property
    def recent_open_brackets(self) -> tuple[str, ...]:
        """The innermost of ``open_brackets``, from the last lines only: cheaper, and exact for
        the brackets it finds (text further back can only add outer ones)."""
        return self._unclosed_before_cursor(_RECENT_SCAN_CHARS)

    @cached_property
    def open_brackets(self) -> tuple[str, ...]:
        """Brackets opened before the cursor and not closed, innermost last."""
        return self._unclosed_before_cursor(_PREFIX_SCAN_CHARS)

    def _unclosed_before_cursor(self, chars: int) -> tuple[str, ...]:
        text = _tail_lines(self.prefix, chars)
        if self.state.string_quote:  # stop where the open string starts
            text = text[: max(0, len(text) - len(self.line_before) + self.state.string_start)]
        return _unclosed_brackets(text, self.language_id)

    @cached_property
    def template_start(self) -> int | None:
        """Where the template literal (or Go raw string) holding the cursor starts, when it was
        opened on an earlier line; None otherwise. A tree-sitter parse: ask only when needed."""
        if not syntax_for(self.language_id).multiline_backtick or self.state.string_quote:
            return None
        return multiline_string_start(self.prefix, self.suffix, self.language_id)

    @cached_property
    def mixed_indent(self) -> bool:
        """The prefix indents with tabs and with spaces alike (a tab for every 8 columns and
        spaces for the rest, as LuaJIT or GNU code do): no single unit to re-indent to."""
        text = "\n" + self.prefix[-_INDENT_SCAN_CHARS:]
        after = self.suffix[:_INDENT_SCAN_CHARS]  # the file goes on in the same style
        if _MIXED_INDENT.search(text) or _MIXED_INDENT.search(after):
            return True
        text += after
        return text.count("\n\t") >= 3 and len(_SPACE_INDENTS.findall(text)) >= 3

    @cached_property
    def _data_row_pairs(self) -> list[tuple[str, str]]:
        """Consecutive rows of data (digits, no letters) in the file near the cursor."""
        lines = (self.prefix[-_INDENT_SCAN_CHARS:] + "\n" + self.suffix[:1000]).split("\n")
        rows = [x.strip() if _DATA_ROW.fullmatch(x.strip()) else "" for x in lines]
        return [(a, b) for a, b in pairwise(rows) if a and b]

    @cached_property
    def repeats_data_row(self) -> bool:
        """The file near the cursor writes a row of data twice in a row (``0,0,0,0,`` tables):
        then rows repeated up to the token limit may be data too."""
        return any(a == b for a, b in self._data_row_pairs)

    @cached_property
    def counts_data_rows(self) -> bool:
        """The file near the cursor writes rows of data that count on by one (``1,`` ``2,``):
        then rows counting up to the token limit may be data too."""
        return any(_counts_on(a, b) for a, b in self._data_row_pairs)

    def width(self, indent: str) -> int:
        """Columns of ``indent``: a tab is 8 in a file that mixes tabs and spaces (that is what
        the mix means), 4 elsewhere (only the order of widths matters there)."""
        if "\t" in indent and self.mixed_indent:
            return _width(indent, 8)
        return _width(indent)

    @cached_property
    def file_indent(self) -> str | None:
        """One indentation level as the prefix writes it ("\\t" or N spaces), None if unknown."""
        text = "\n" + self.prefix[-_INDENT_SCAN_CHARS:]
        markers = syntax_for(self.language_id).block_comment
        if markers and markers[0] in text:
            # a licence block's lines are indented as prose (`  Copyright ...`), not as code
            text = re.sub(f"{re.escape(markers[0])}[\\s\\S]*?{re.escape(markers[1])}", "", text)
        tabs = text.count("\n\t")
        spaces = _SPACE_INDENTS.findall(text)
        if tabs > len(spaces):
            return "\t"
        if len(spaces) > tabs:
            smallest = min(map(len, spaces))
            return " " * (smallest if smallest <= 8 else 4)
        if self.language_id in ("go", "makefile"):
            return "\t"  # gofmt and make want tabs even before the first indented line
        return None


Rule = Callable[[str, Context], str]
_SPACE_INDENTS = re.compile(r"(?<=\n)  +(?=\S)")


def _unclosed_in_prefix(
    prefix: str, ctx: Context, chars: int = _PREFIX_SCAN_CHARS
) -> tuple[str, ...]:
    """Brackets opened in the last ``chars`` of ``prefix`` and not closed, innermost last."""
    return _unclosed_brackets(_tail_lines(prefix, chars), ctx.language_id)


def _tail_lines(prefix: str, chars: int) -> str:
    """The last ``chars`` of ``prefix``, from a line boundary when cut (not mid-string)."""
    text = prefix[-chars:]
    return text[text.find("\n") + 1 :] if len(prefix) > chars else text


def _unclosed_brackets(text: str, language_id: str) -> tuple[str, ...]:
    # findall and str.replace run in C; a Python loop per bracket costs 10x more
    return _unclosed("".join(bracket_regex(syntax_for(language_id)).findall(text)))


def _unclosed(brackets: str) -> tuple[str, ...]:
    """Openers left unclosed in a string of bracket characters, innermost last."""
    before = None
    while before != brackets:  # drop matched pairs, innermost first
        before = brackets
        brackets = brackets.replace("()", "").replace("[]", "").replace("{}", "")
    stack: list[str] = []
    for b in brackets:
        if b in OPENERS:
            stack.append(b)
        elif stack and stack[-1] == PAIR[b]:
            stack.pop()
    return tuple(stack)


# --- 1. blank -----------------------------------------------------------------------------------


def drop_blank(text: str, ctx: Context) -> str:
    return text if text.strip() else ""


# --- 2. special_token --------------------------------------------------------------------------

# control tokens of FIM models that leak into answers; what follows them is never code to show
_SPECIAL_TOKEN = re.compile(
    r"</s>|<\|endoftext\|>|<\|im_end\|>|<\|end\|>|<\|file_separator\|>|<EOT>"
    r"|<\|?fim[_-](?:prefix|suffix|middle|pad)\|?>|\[/?(?:SUFFIX|PREFIX|MIDDLE|INST)\]"
)


def cut_special_tokens(text: str, ctx: Context) -> str:
    for m in _SPECIAL_TOKEN.finditer(text):
        token = m.group()
        # the file itself may use it (a tokenizer, an HTML `</s>`): then it is code
        if token not in ctx.prefix[-_PREFIX_SCAN_CHARS:] and token not in ctx.suffix[:2000]:
            return text[: m.start()]
    return text


# --- 2. code_fence ------------------------------------------------------------------------------

_FENCE = re.compile(r"[ \t]*```[\w+#.-]*[ \t]*")


def strip_code_fences(text: str, ctx: Context) -> str:
    if "```" not in text or ctx.language_id in PROSE_LANGUAGES:
        return text
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    if "```" in ctx.prefix or "```" in ctx.suffix[:_INDENT_SCAN_CHARS]:
        # a file that uses fences itself (markdown in doc comments, before or after the
        # cursor) may mean them; an answer
        # that opens and closes one, or opens one where the cursor is in code, does not
        opens = bool(_FENCE.fullmatch(lines[first]))
        closes = any(_FENCE.fullmatch(x) for x in lines[first + 1 :])
        in_code = not ctx.state.in_comment and not ctx.state.string_quote
        if not (opens and (closes or in_code)):
            return text
    if _FENCE.fullmatch(lines[first]):
        lines = lines[first + 1 :]
    for i, line in enumerate(lines):
        if _FENCE.fullmatch(line):
            # a closing fence ends the code; what follows is usually prose
            lines = lines[:i]
            break
    return "\n".join(lines)


# --- 3. leading_space ---------------------------------------------------------------------------


def drop_spurious_space(text: str, ctx: Context) -> str:
    before = ctx.line_before
    if not text.startswith(" "):
        return text
    first, newline, _ = text.partition("\n")
    if newline and not first.strip() and before.strip():
        return text[len(first) :]  # spaces before the line break would trail the cursor line
    if not text[1:2].strip():
        return text
    if not before.strip():
        # the cursor sits at the indentation of a blank line: one more space is the quirk,
        # unless the line is not indented yet to a whole level (then it may complete one)
        unit = ctx.file_indent
        step = 4 if unit is None or unit == "\t" else len(unit)
        width = _width(before)
        whole_level = (
            width % 2 == 0 or width % step == 0 or width == _width(_indent_of(ctx.prev_code_line))
        )
        return text[1:] if before and whole_level else text
    if before.endswith((" ", "\t", ".")):
        return text[1:]
    # `f( a` is the same quirk, unless the file itself writes `( a`
    if before.endswith(("(", "[")) and before[-1] + " " not in ctx.prefix[-3000:]:
        return text[1:]
    return text


# --- 4. leading_newline -------------------------------------------------------------------------


def drop_spurious_newline(text: str, ctx: Context) -> str:
    if not text.startswith("\n") or not ctx.mid_line:
        return text
    body = text.lstrip("\n")
    if not ctx.line_after.strip(" \t)]};,") and (
        "\n" in body.rstrip() or ctx.line_before.rstrip().endswith("{")
    ):
        return text  # `{|}` or `foo(|)` opened into a block on lines of its own
    body = body.lstrip(" \t")
    if _is_ident(ctx.line_before[-1:]) and _is_ident(body[:1]):
        body = " " + body  # the line break separated two words
    return body


# --- 5. prefix_echo -----------------------------------------------------------------------------


def _strip_echoed_lines(text: str, ctx: Context) -> str:
    """The answer starts by re-typing the last 1 to 3 lines before the cursor line."""
    prev = ctx.prev_lines
    lines = text.split("\n")
    for k in range(min(3, len(prev), len(lines) - 1), 0, -1):
        echoed = prev[-k:]
        if [x.strip() for x in lines[:k]] != [x.strip() for x in echoed]:
            continue
        if sum(len(x.strip()) for x in echoed if _significant(x)) < 6:
            continue  # `}` or `end` repeated is normal code, not an echo
        if all(_ONE_VALUE_ROW.fullmatch(x) for x in echoed):
            continue  # a table's row of one value, and the next row holds it again
        rest = "\n".join(lines[k:])
        # the remaining lines start at column 0 while the cursor sits after line_before
        if rest.startswith(ctx.line_before):
            return rest[len(ctx.line_before) :]
        stripped, content = rest.lstrip(" \t"), ctx.line_before.strip()
        if not content:
            return stripped
        if stripped.startswith(content):
            return stripped[len(content) :]
        # an echo re-types up to the cursor: after `return |` a first line equal to the one
        # above (`coroutine.resume(co)` twice) is what the cursor line returns
    return text


_ECHO_EVIDENCE_CHARS = 3000  # how far around the cursor the file is searched for a repeat


def _file_repeats(echo: str, ctx: Context) -> bool:
    """Does the file itself write ``echo`` twice in a row near the cursor? Then the answer that
    types it again continues the file's own pattern (``self.as_inner().as_inner()``, a
    commented-out comment ``//   //``), it does not re-type the prefix."""
    doubled = echo + echo
    head = ctx.prefix[-_ECHO_EVIDENCE_CHARS:]
    head = head[: len(head) - len(ctx.line_before)]  # not the cursor line itself
    return doubled in head or doubled in ctx.suffix[:1000]


# a tail that starts inside a member chain (`a.b.` + `b.c`): an echo re-types an expression
# from its start, never from the middle of `x.y.z`
_CHAIN_LINK = (".", ":", ">")
# one element of a list and its separator (an index or a call in it holds no comma): typed
# again, it is the next element (`&buf[0], ` + `&buf[0], size`)
_LIST_ELEMENT = re.compile(r"(?:[^()\[\]{},;]|\[[^()\[\]{},;]*\]|\([^()\[\]{},;]*\))+,\s*")
# a row of one value (`17, 17, `, `12, 12, ..., 12,`): a table's data, whose next row or
# items may well be the same again
_ONE_VALUE_ROW = re.compile(r"\s*([^()\[\]{},;\s]+)\s*,(?:\s*\1\s*,)+\s*")


def _strip_echoed_line_start(text: str, ctx: Context) -> str:
    """The answer starts with the text of the cursor line (or its last few words) again."""
    before = ctx.line_before
    content = before.lstrip(" \t")
    if not content:
        return text
    candidate = text.lstrip(" \t")
    if candidate.startswith(content) and (len(candidate) > len(content) or len(content) > 1):
        if _ONE_VALUE_ROW.fullmatch(content):
            return text  # `17, 17, ` + `17, 17, 18`: the row goes on with its value
        return text if _file_repeats(content, ctx) else candidate[len(content) :]
    # only the tail of the line re-typed, e.g. `x = compute(` + `compute(a)`
    first = text[:1]
    if not first.strip():
        return text
    # candidate tails start with the answer's first character, at a word boundary
    i = max(0, len(content) - 120)
    # in a string an echo re-types it from its quote: a repeat of its middle is its text
    # (`"/usr/bin:` + `/bin:/usr/sbin`)
    string_text = (  # where the text of the string holding the cursor starts in ``content``
        ctx.state.string_start - (len(before) - len(content)) + 1 if ctx.state.string_quote else -1
    )
    while (i := content.find(first, i + 1)) > 0 and len(content) - i >= 4:
        if _is_ident(content[i - 1]) and _is_ident(first):
            continue
        if _is_ident(first) and content[i - 1] in _CHAIN_LINK:
            continue
        if 0 <= string_text < i:
            break
        tail = content[i:]
        if _LIST_ELEMENT.fullmatch(tail):
            continue  # `[integer, ` + `integer, integer`: the list goes on with the same element
        if len(tail.strip()) >= 4 and text.startswith(tail) and len(text) > len(tail):
            return text if _file_repeats(tail, ctx) else text[len(tail) :]
    return text


def _strip_echoed_indent(text: str, ctx: Context) -> str:
    """Cursor after the indentation of an empty line and the answer indents once more."""
    before = ctx.line_before
    if not before or before.strip() or not text.startswith(before):
        return text
    prev = ctx.prev_code_line
    wanted = _width(_indent_of(prev))
    if prev and ends_with_block_opener(prev, ctx.language_id):
        wanted += 1  # after a block opener the cursor must be deeper than the opener line
    if _width(before) < wanted:
        return text  # the cursor is not yet at the block's indentation
    return text[len(before) :]


def trim_prefix_echo(text: str, ctx: Context) -> str:
    text = _strip_echoed_lines(text, ctx)
    text = _strip_echoed_line_start(text, ctx)
    return _strip_echoed_indent(text, ctx)


# --- 6. single_line -----------------------------------------------------------------------------


def _opens_block(first: str, ctx: Context) -> bool:
    """Does the answer's first line open a block at the end of the cursor line?"""
    if ctx.line_after.strip(" \t)]};,"):
        return False  # code follows on the cursor line
    return ends_with_block_opener(_logical_line_start(ctx) + first, ctx.language_id)


def _logical_line_start(ctx: Context) -> str:
    """The cursor line, or in Python the statement's first line and the cursor line when
    backslashes continue it (``if a or \\`` ... ``b:`` opens the block of that ``if``)."""
    if ctx.language_id != "python":
        return ctx.line_before
    head = ctx.prefix[-_RECENT_SCAN_CHARS:].split("\n")[:-1]
    start = None
    while head and head[-1].endswith("\\"):
        start = head.pop()
    return ctx.line_before if start is None else f"{start[:-1].rstrip()} {ctx.line_before}"


def _first_block(text: str, ctx: Context, body: bool = False) -> str:
    """The answer up to the end of the block its first line opens (with ``body``: the block
    the cursor line opens, whose body the answer starts with): where its own brackets are
    balanced again, or (indentation blocks) before the first line back at the cursor line's
    indentation, a closing ``end`` included."""
    lines = text.split("\n")
    base = _width(_indent_of(ctx.line_before))
    regex = bracket_regex(syntax_for(ctx.language_id))
    depth = 1 if body else 0
    opened = ctx.line_before if body else ctx.line_before + lines[0]
    braces = opened.rstrip()[-1:] in OPENERS
    if not body:
        # the first line goes on from the cursor line: `if ((a & |` + `b) !== c) {` closes
        # the cursor line's open brackets (its closers of earlier lines do not count)
        depth = len(_unclosed("".join(regex.findall(ctx.line_before))))
    floor = 0  # the block ends when the depth falls below where its opening line left it
    for i, line in enumerate(lines):
        for m in regex.finditer(line):
            b = m.group("b")
            if b is not None:
                depth += 1 if b in OPENERS else -1
        if i == 0 and not body:
            floor = max(0, depth - 1)  # `codec(|` + `{`: `}` ends it, the suffix has `)`
            continue
        if braces and depth <= floor:
            return "\n".join(lines[: i + 1])
        if not braces and line.strip() and _width(_indent_of(line)) <= base:
            closer = line.strip() in _CLOSER_WORDS
            return "\n".join(lines[: i + 1] if closer else lines[:i])
    return text


_CONTINUATION_LINES = 8  # how far an expression left open before the cursor is followed


def _open_for_continuation(ctx: Context) -> bool:
    """Is the cursor inside a bracket opened before it that the suffix does not close?"""
    if ctx.language_id in PROSE_LANGUAGES or ctx.language_id in _MARKUP_TEXT:
        return False  # brackets in prose need not balance
    if ctx.state.string_quote or ctx.state.in_comment or ctx.in_block_comment:
        return False
    if not ctx.recent_open_brackets or _in_multiline_string(ctx):
        return False
    want = CLOSERS[OPENERS.index(ctx.recent_open_brackets[-1])]
    # when the suffix closes it, the answer's line is one of its items
    return ctx.suffix_closer is None or ctx.suffix_closer[0] != want


_CLOSED_TRIPLE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'')


def _in_multiline_string(ctx: Context) -> bool:
    """Is the cursor inside a string opened on an earlier line (a Python ``r\"\"\"`` regex, a
    template literal)? Its brackets are text. Recent lines only: the end of a docstring opened
    further back reads as a start (the rule that asks then just does nothing)."""
    syntax = syntax_for(ctx.language_id)
    head = _tail_lines(ctx.prefix, _RECENT_SCAN_CHARS)
    if syntax.triple_quotes and ('"""' in head or "'''" in head):
        rest = _CLOSED_TRIPLE.sub("", head)
        if '"""' in rest or "'''" in rest:
            return True
    return syntax.multiline_backtick and "`" in head and ctx.template_start is not None


def _to_bracket_close(text: str, ctx: Context) -> str:
    """Inside a bracket opened before the cursor that the suffix does not close (``return (a and``
    + a blank line), the answer up to the line that closes it: its first line alone would leave
    the expression unfinished. "" when the answer does not close it within a few lines, or
    closes it on its first line already."""
    lines = text.split("\n", _CONTINUATION_LINES)[:_CONTINUATION_LINES]
    if not any(c in line for line in lines[1:] for c in CLOSERS):
        return ""  # no later line can close it (cheap: most answers stop here)
    at = _line_closing_open_bracket(lines, ctx)
    return "\n".join(lines[: at + 1]) if at else ""


def _line_closing_open_bracket(lines: list[str], ctx: Context) -> int | None:
    """The index of the line of ``lines`` that closes the bracket left open before the cursor,
    or None (it is not left open, or no line closes it, or a line closes it wrongly)."""
    if not _open_for_continuation(ctx):
        return None
    want = CLOSERS[OPENERS.index(ctx.recent_open_brackets[-1])]
    regex = bracket_regex(syntax_for(ctx.language_id))
    depth = 0
    for i, line in enumerate(lines):
        for m in regex.finditer(line):
            b = m.group("b")
            if b is None:
                continue
            depth += 1 if b in OPENERS else -1
            if depth < 0:
                return i if b == want else None
    return None


def _to_header_opener(text: str, ctx: Context) -> str:
    """A first line that leaves a declaration header unfinished (``class A<T>`` + ``extends
    B``, then ``implements C {`` on the next line): the answer up to the header's ``{``, which
    the code after it needs to parse. "" when it brings none within a few lines."""
    if not _leaves_header_open(text.partition("\n")[0], ctx):
        return ""
    lines = text.split("\n")
    return "\n".join(lines[: lines_to_header_opener(lines, ctx.language_id)])


def _leaves_header_open(first: str, ctx: Context) -> bool:
    return header_left_open(
        _tail_lines(ctx.prefix, _RECENT_SCAN_CHARS) + first, ctx.suffix[:200], ctx.language_id
    )


def keep_first_line(text: str, ctx: Context) -> str:
    if ctx.multiline:
        return text
    first, newline, _ = text.partition("\n")
    if not newline:
        return text
    if first.strip():
        if ctx.mid_line and not ctx.line_before.strip():
            # a whole new line typed in front of existing code: keep the break and indentation
            return first + "\n" + ctx.line_before
        if _opens_block(first, ctx):
            return _first_block(text, ctx)  # `function f() {` brings its block
        return _to_bracket_close(text, ctx) or _to_header_opener(text, ctx) or first
    if ctx.mid_line:
        return ""
    breaks = len(text) - len(text.lstrip("\n"))
    if ends_with_block_opener(ctx.line_before, ctx.language_id):
        # the cursor line opens a block (`def f():|`): the answer is its body
        return text[:breaks] + _first_block(text[breaks:], ctx, body=True)
    # the model starts on the next line: keep the break(s) and the first line of code
    return text[:breaks] + text[breaks:].split("\n", 1)[0]


# --- truncated ----------------------------------------------------------------------------------


def drop_truncated_line(text: str, ctx: Context) -> str:
    """An answer the upstream cut at ``max_tokens``: its last line is unfinished. A single line
    is kept only when it is a runaway the repetition rule cuts back (``foo = foo = fo``)."""
    if not ctx.truncated:
        return text
    if "\n" not in text:
        return text if _cut_line_runaway(text, ctx) != text else ""
    return text[: text.rfind("\n")]


# --- 7. repetition ------------------------------------------------------------------------------

_MAX_BLOCK = 6


# a row of data: digits and punctuation, no letters
_DATA_ROW = re.compile(r"[^A-Za-z]*\d[^A-Za-z]*")
_SEPARATED = re.compile(r".*[,;]\s*(?://.*|#.*|--.*)?")


def _is_data(block: list[str], ctx: Context) -> bool:
    """Letterless lines with digits repeated up to the token limit are data (a table that
    repeats its rows) only if each copy ends with a separator (``'0.12'`` again and again
    parses as nothing) and the file itself repeats a row (else a table of distinct numbers ran
    away: ``0.24792751344358555,`` twelve times)."""
    return all(_SEPARATED.fullmatch(x.strip()) for x in block) and ctx.repeats_data_row


def _collapse_once(lines: list[str], ctx: Context) -> list[str] | None:
    truncated = ctx.truncated
    norm = [x.rstrip() for x in lines]
    norm[0] = ctx.line_before + norm[0]  # the first line starts at the cursor, not at column 0
    if max(Counter(norm).values()) < 3:
        return None  # no line occurs three times: nothing can repeat 3+ times
    n = len(norm)
    for size in range(1, min(_MAX_BLOCK, n // 3) + 1):
        for i in range(n - 3 * size + 1):
            block = norm[i : i + size]
            # a block without letters is data (`[0, 0, 0],`) or closers, legitimately repeated,
            # unless the model wrote it until the token limit (`"""`, `*/`, `})` again and again)
            letters = any(any(c.isalpha() for c in x) for x in block)
            if not letters and not truncated:
                continue
            if norm[i + size : i + 2 * size] != block or norm[i + 2 * size : i + 3 * size] != block:
                continue
            if not letters and any(c.isdigit() for x in block for c in x) and _is_data(block, ctx):
                continue
            end = i + 3 * size
            while norm[end : end + size] == block:
                end += size
            rest = norm[end:]
            # a runaway that ran into the token limit ends with a partial copy: drop it too
            partial = len(rest) <= size and all(block[j].startswith(x) for j, x in enumerate(rest))
            if not letters and not (partial or not rest):
                continue  # closers repeated, then code: not a runaway
            return lines[: i + size] + ([] if partial else lines[end:])
    return None


_TOKEN = re.compile(r"\w+|\S")
_DIGITS = re.compile(r"\d+")


def _similar(a: str, b: str) -> bool:
    """Lines that differ by one counter or one letter: ``f(1)``/``f(2)``, ``myFuncB``/``myFuncC``,
    ``const b = 1``/``const k = 1``."""
    if a == b:
        return True
    if _indent_of(a) != _indent_of(b):
        return False
    if a.count(",") == b.count(",") and _ONE_VALUE_ROW.fullmatch(a + ","):
        return bool(_ONE_VALUE_ROW.fullmatch(b + ","))  # `13, 13, 13`/`14, 14, 14`: a table's
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    if len(ta) != len(tb):
        return False
    diff = [(x, y) for x, y in zip(ta, tb, strict=True) if x != y]
    if len(diff) == 2 and all(_DIGITS.sub("0", x) == _DIGITS.sub("0", y) for x, y in diff):
        return True  # `a1 = 1` / `a2 = 2`: one counter, written twice
    if len(diff) != 1:
        return False
    x, y = diff[0]
    if (x.isdigit() and y.isdigit()) or _DIGITS.sub("0", x) == _DIGITS.sub("0", y):
        return True
    if not (_is_ident(x[:1]) and _is_ident(y[:1])):
        return False
    common = 0
    while common < min(len(x), len(y)) and x[common] == y[common]:
        common += 1
    return max(len(x), len(y)) - common <= 2


def _counts_on(a: str, b: str) -> bool:
    """``b`` is ``a`` with one number counted up by one (``-1``/``-2``, ``0.2094533656289499,``
    /``0.2094533656289500,``)."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    if len(ta) != len(tb):
        return False
    diff = [(x, y) for x, y in zip(ta, tb, strict=True) if x != y]
    return (
        len(diff) == 1
        and diff[0][0].isdigit()
        and diff[0][1].isdigit()
        and int(diff[0][1]) - int(diff[0][0]) == 1
    )


def _collapse_near(lines: list[str], ctx: Context) -> list[str] | None:
    """A run of 4+ similar lines (or blocks) that goes on to the end of a truncated answer:
    the model was counting until the token limit. Keeps the run's first line (or block). Rows
    of numbers must count on by one, in a file whose own rows do not."""
    norm = [x.rstrip() for x in lines]
    norm[0] = ctx.line_before + norm[0]
    n = len(norm)
    for size in range(1, min(_MAX_BLOCK, n // 4) + 1):
        for i in range(n - 4 * size + 1):
            block = norm[i : i + size]
            similar = _similar
            if not any(any(c.isalpha() for c in x) for x in block):
                if size > 1 or ctx.counts_data_rows:
                    continue
                similar = _counts_on
            end = i + size
            while end + size <= n and all(
                similar(a, b)
                for a, b in zip(norm[end - size : end], norm[end : end + size], strict=True)
            ):
                end += size
            if end - i >= 4 * size and n - end <= size:
                return lines[: _counting_start(norm, i, end) + size]
    return None


def _steps_on(a: str, b: str) -> bool:
    """``b`` is ``a`` with one token moved on by one: a number counted up (``<< 6``/``<< 7``) or
    a last character moved to the next (``myFuncB``/``myFuncC``, ``#FF9900``/``#FF9901``)."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    if len(ta) != len(tb):
        return False
    diff = [(x, y) for x, y in zip(ta, tb, strict=True) if x != y]
    if len(diff) != 1:
        return False
    x, y = diff[0]
    mx, my = _TRAILING_NUMBER.fullmatch(x), _TRAILING_NUMBER.fullmatch(y)
    if mx and my:  # `kc9`/`kc10`, `5`/`6`
        return mx.group(1) == my.group(1) and int(my.group(2)) - int(mx.group(2)) == 1
    if x[:-1] != y[:-1]:
        return False
    a, b = x[-1].lower(), y[-1].lower()
    if a.isalpha() and b.isalpha():
        # `z` moves on to `a`; letters beyond ASCII have no order to tell by: any move counts
        return (ord(b) - ord(a)) % 26 == 1 if a.isascii() and b.isascii() else a != b
    return ord(b) - ord(a) == 1


_TRAILING_NUMBER = re.compile(r"(.*?)(\d+)")


def _counting_start(norm: list[str], start: int, end: int) -> int:
    """Where a run of similar lines (``start`` to ``end``) starts counting on by one to its end:
    the runaway. Lines before it that are alike without counting (``'#FF6600'``, ``'#FF6633'``,
    then ``'#FF9900'``, ``'#FF9901'``...) are the code the model meant; ``start`` when the whole
    run counts, or when its counting part is too short to call a runaway."""
    j = end - 1
    while j > start and _steps_on(norm[j - 1], norm[j]):
        j -= 1
    if end - j < 4 or any(_steps_on(a, b) for a, b in pairwise(norm[start : j + 1])):
        return start  # the lines before count on too (`return t`, ... `return z`, `return a`)
    return j


_RUNAWAY_UNIT = re.compile(r"(.{3,80}?)\1{2,}")
_NUMBER_LITERAL = re.compile(r"\b(?:0[xXbBoO][0-9a-fA-F_]+|\d[\w.]*)")


# not `*`: `char*,` ends a C type; not a closing quote (``inf``, in a docstring)
_TRAILING_SEPARATOR = re.compile(r"[^\w)\]}\"'`*]*$")


def _cut_line_runaway(line: str, ctx: Context) -> str:
    """``foo = foo = foo = fo``: a unit repeated 3+ times up to the end of the line -> one.
    The unit's separator is the one the cursor line ends with (``x = `` + ``foo = foo``)."""
    before = ctx.line_before
    for m in _RUNAWAY_UNIT.finditer(line):
        unit = m.group(1)
        # numbers repeated are data (`0x20, 0x20, ...`), not a runaway: the unit needs a word
        words = _NUMBER_LITERAL.sub("", unit)
        if not any(c.isalpha() for c in words) or not unit.startswith(line[m.end() :]):
            continue
        if max(ctx.prev_code_line.count(unit.strip()), ctx.next_code_line.count(unit.strip())) >= 3:
            continue  # the line above or below repeats it too: a table (`None, None, None,` rows)
        kept = line[: m.start() + len(unit)]
        sep = _TRAILING_SEPARATOR.search(before)
        if sep and sep.group().strip() and kept.endswith(sep.group()):
            kept = kept[: -len(sep.group())]
        else:
            kept = kept.rstrip(" \t=,+-*/|&:")
        return kept if kept.strip() else line
    return line


def cut_repetition(text: str, ctx: Context) -> str:
    lines = text.split("\n")
    changed = False
    # the cursor line is the first of a run: `x = 1` + `\nx = 1\nx = 1` repeats it 3 times
    while len(lines) >= 3 and (collapsed := _collapse_once(lines, ctx)) is not None:
        lines, changed = collapsed, True
    exact_runaway = changed
    for i in range(1, len(lines)):
        # formatted code never closes twice at one indentation in a row (`}` then `}`)
        if (
            lines[i][:1] in " \t"
            and lines[i].rstrip() == lines[i - 1].rstrip()
            and lines[i].strip() in _CLOSER_WORDS
        ):
            lines, changed = lines[:i], True
            break
    # one runaway per answer: what is left after copies of a line were cut is what the model
    # meant (`KEY_F31` ... `KEY_F34`, then `KEY_F34` again and again)
    if ctx.truncated and len(lines) >= 4 and not exact_runaway:
        near = _collapse_near(lines, ctx)
        if near is not None:
            lines, changed = near, True
    # a unit repeated to the end of a line the model ended itself is data (`nil,nil,nil`,
    # `integer, integer, integer`): a runaway runs on to the token limit
    first = _cut_line_runaway(lines[0], ctx) if ctx.truncated else lines[0]
    if first != lines[0]:
        lines, changed = [first], True  # what followed a runaway line is runaway too
    return "\n".join(lines) if changed else text


# --- block_end ----------------------------------------------------------------------------------

# a line that leaves the block to go on with it, not after it
_CONTINUES_BLOCK = re.compile(
    r"(?:else|elif|elsif|elseif|except|finally|catch|case|default|when|rescue|ensure|until|end|fi"
    r"|done|esac|where)\b|[)\]}>]"
)
# a line that starts a new definition: after its block is done, the model wrote another one
_DEFINITION = re.compile(
    r"(?:@\w|(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:def|class|function|fn|func|impl|struct"
    r"|enum|interface|trait|type|module|local\s+function)\b"
    r"|(?:(?:public|private|protected|static|final|abstract|override|pub(?:\([\w:]+\))?)\s+)+\S)"
)
_BLOCK_LANGUAGES = frozenset(
    (
        "python", "javascript", "typescript", "javascriptreact", "typescriptreact", "go", "rust",
        "java", "c", "cpp", "csharp", "kotlin", "swift", "scala", "dart", "php", "ruby", "lua",
        "objective-c", "objective-cpp", "cuda-cpp", "groovy", "zig", "v", "elixir", "julia",
        "perl",
    )
)  # fmt: skip


def stop_at_block_end(text: str, ctx: Context) -> str:
    """A multi-line answer leaves the block at the cursor: stop before a line less indented
    than the cursor that starts a new definition (the block is done, the model runs on), or
    that goes below the code after the cursor (the suffix says the block is not done)."""
    if "\n" not in text or ctx.language_id not in _BLOCK_LANGUAGES:
        return text
    done = _end_of_opened_block(text, ctx)
    if done is not None:
        return done
    before = ctx.line_before
    if not before.strip():
        block = _width(before)
    else:
        block = _width(_indent_of(before))
        if ends_with_block_opener(before, ctx.language_id):
            block += 1  # the block's own lines are deeper than the line that opens it
    if block == 0:
        return text
    follow = ctx.next_code_line if not ctx.mid_line else ""
    after = _width(_indent_of(follow)) if follow.strip() else 0
    lines = text.split("\n")
    for i in range(1, len(lines)):
        line = lines[i]
        width = _width(_indent_of(line))
        if not line.strip() or width >= block or _CONTINUES_BLOCK.match(line.lstrip()):
            continue
        if width < after or _DEFINITION.match(line.lstrip()):
            if width >= after and not "".join(lines[:i]).strip():
                # the block is done at the cursor and the answer starts with the next
                # definition: that one is the suggestion, up to the one after it
                block = width + 1
                continue
            return "\n".join(lines[:i]).rstrip()
    return text


# what may follow a block's closing line as part of the same statement
_AFTER_BLOCK = re.compile(r"(?:else|catch|finally|while|except)\b|[)\]},;.:?]|&&|\|\||[=!]=")


def _end_of_opened_block(text: str, ctx: Context) -> str | None:
    """After a header with no block yet (``TEST(Foo, Bar) |``, ``fn main() |``), an answer
    whose first line opens the block is done where that block closes: the lines after it are
    the model running on into new code (the suffix holds what really follows). None when the
    rule does not apply (keyword-block languages, the cursor mid-line or after an opener, an
    answer that does not open a block on its first line or never closes it)."""
    before = ctx.line_before
    if (
        ctx.mid_line
        or not before.strip()
        or ctx.language_id == "python"
        or ctx.language_id in _KEYWORD_BLOCKS
        or ends_with_block_opener(before, ctx.language_id)
    ):
        return None
    lines = text.split("\n")
    if not lines[0].rstrip().endswith("{"):
        return None
    regex = bracket_regex(syntax_for(ctx.language_id))
    depth, offset = 0, 0
    for i, line in enumerate(lines):
        for m in regex.finditer(line):
            b = m.group("b")
            if b is not None:
                depth += 1 if b in OPENERS else -1
        offset += len(line) + 1
        if depth < 0:
            return None
        if depth == 0 and i > 0:
            rest = text[offset:]
            if not rest.strip() or _AFTER_BLOCK.match(rest.lstrip()):
                return None
            return text[: offset - 1].rstrip()
    return None


# --- 8. suffix_repeat ---------------------------------------------------------------------------


# A line compared with the suffix: its indentation width (None where unknown: the answer's first
# line after code, the rest of the cursor line) and its stripped text. A line at another depth
# is another statement (``return None`` in a nested block and again after it), not a re-type.
_Line = tuple[int | None, str]


def _code_lines(lines: Iterable[str], first_width: int | None = None) -> list[_Line]:
    """Non-blank lines as (indentation width, stripped text); ``first_width`` is the first
    line's when its indentation is not its own (it continues the cursor line)."""
    out: list[_Line] = []
    for i, line in enumerate(lines):
        if line.strip():
            width = _width(_indent_of(line)) if i else first_width
            out.append((width, line.strip()))
    return out


def _suffix_code_lines(ctx: Context) -> list[_Line]:
    """The next non-blank lines after the cursor line (a bounded look)."""
    lines = ctx.suffix[:4000].split("\n", 12)[1:12]
    return [(_width(_indent_of(x)), x.strip()) for x in lines if x.strip()]


def _answer_code_lines(text: str, ctx: Context) -> list[_Line]:
    """The answer's non-blank lines; the first one's indentation counts the cursor line's when
    the cursor stands in indentation (unknown after code, or when neither the cursor line nor
    the answer brings any: at column 0 a model often leaves the depth to the editor)."""
    indent = ctx.line_before + _indent_of(text)
    first = None if ctx.line_before.strip() or not indent else _width(indent)
    return _code_lines(text.split("\n"), first)


def _same(a: _Line, b: _Line, start: bool = False) -> bool:
    """Same text (or, with ``start``, ``a`` begins ``b``) at the same depth when both are known."""
    if a[0] is not None and b[0] is not None and a[0] != b[0]:
        return False
    return b[1].startswith(a[1]) if start else a[1] == b[1]


def _retypes_suffix(tail: list[_Line], head: list[_Line], truncated: bool) -> bool:
    """A real overlap: ``tail`` (the answer's non-blank lines) is the start of the suffix
    (its last line may be unfinished after a re-typed line, or when the token limit cut it),
    or re-types at least two consecutive suffix lines (three when the second is a closer). A
    one-line answer that only starts like the suffix's next line is not a re-type:
    ``-> Condvar {`` before ``Condvar {}``."""
    if not tail or not head:
        return False
    # two lines of code, or three lines: `return true` + `}` then other code is a block ended
    # like the suffix's, not a re-type of it
    same = 0
    while same < min(len(tail), len(head), 3) and _same(tail[same], head[same]):
        same += 1
    if (
        (same == 3 or (same == 2 and _significant(tail[1][1])))
        and not _shares_attributes_only(tail, head)
        and not _another_branch_follows(tail, head, same)
    ):
        return True
    n = len(tail)
    if n > len(head) or not all(_same(a, b) for a, b in zip(tail[:-1], head, strict=False)):
        return False
    unfinished = truncated or n >= 2  # after a re-typed line, a start of the next one
    return _same(tail[-1], head[n - 1], start=unfinished)


# a line that goes on with a statement opened above it: another branch of an `if`, `try`, `switch`
_NEXT_BRANCH = re.compile(
    r"(?:\}\s*)?(?:elif|else|elsif|elseif|except|finally|catch|case|default|rescue|when)\b"
)


def _another_branch_follows(tail: list[_Line], head: list[_Line], same: int) -> bool:
    """After the lines it shares with the suffix, the answer goes on with another branch of the
    statement they sit in (less indented, not the suffix's next line): those lines were the body
    of an earlier branch, written again in the branch the suffix holds (``if x & 1:`` under
    ``if`` and under ``elif``), not a re-type."""
    if len(tail) <= same or (len(head) > same and _same(tail[same], head[same])):
        return False
    depth, first = tail[same][0], tail[0][0]
    return (
        depth is not None
        and first is not None
        and depth < first
        and bool(_NEXT_BRANCH.match(tail[same][1]))
    )


# a line that annotates the item below it: `#[stable(...)]`, `#[doc(no_inline)]`, `@Override`
_ATTRIBUTE = re.compile(r"#!?\[|@\w")


def _shares_attributes_only(tail: list[_Line], head: list[_Line]) -> bool:
    """The answer starts with the suffix's attribute lines, then writes another item: a
    sibling with the same attributes (``#[doc(no_inline)]`` + another ``pub use``)."""
    k = 0
    while k < min(len(tail), len(head)) and _same(tail[k], head[k]):
        k += 1
    return k < min(len(tail), len(head)) and all(_ATTRIBUTE.match(x) for _, x in tail[:k])


def _cut_at_next_line(text: str, ctx: Context) -> str:
    """The answer reaches the line that follows the cursor and goes on re-typing the suffix:
    cut there. A line that only happens to equal it (``return False``) is kept."""
    follow = ctx.next_code_line.strip()
    if ctx.mid_line or not _significant(follow):
        return text
    head = _suffix_code_lines(ctx)
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].strip() != follow:
            continue
        if not "".join(lines[:i]).strip() and _file_doubles_statement(follow, ctx):
            continue  # the answer starts with one more such statement (see drop_suffix_repeat)
        tail = _code_lines(lines[i:], _width(_indent_of(lines[i])))
        if _retypes_suffix(tail, head, ctx.truncated) and not _next_entry(tail, head, ctx):
            return "\n".join(lines[:i])
    return text


def _next_entry(tail: list[_Line], head: list[_Line], ctx: Context) -> bool:
    """The answer's last line equals the suffix's next one, which starts a run of lines like it
    at its depth (``sta_va: [`` + ``Number(0),`` before 25 more): one more entry of the run."""
    if len(tail) != 1 or len(head) < 2 or head[1][0] != head[0][0]:
        return False
    if not _significant(tail[0][1]):
        return False  # a run of `#` or `}` lines is no table
    return _similar(head[1][1].rstrip(";,"), tail[0][1].rstrip(";,"))


def drop_suffix_repeat(text: str, ctx: Context) -> str:
    answer = _answer_code_lines(text, ctx)
    if not answer:
        return text
    following = _suffix_code_lines(ctx)
    if ctx.mid_line:
        following = [(None, ctx.line_after.strip()), *following]
    # the whole answer, or its first two lines, re-type the code that follows
    if (
        any(_significant(a) for _, a in answer[:2])
        and _retypes_suffix(answer, following, ctx.truncated)
        and not _entry_of_a_run(answer, following, ctx)
        and not _closes_another_conditional(answer, ctx)
        and not _file_doubles_statement(answer[0][1], ctx)
    ):
        return ""
    return _cut_at_next_line(text, ctx)


_DOUBLED_SCAN_CHARS = 3000  # how far above the cursor the file is searched for the pattern
_DOUBLED_STATEMENT_LINES = 12  # a statement longer than this is not followed to its end


def _file_doubles_statement(first: str, ctx: Context) -> bool:
    """Does the file just above the cursor write a statement starting with ``first`` and right
    after it another one starting so (``ctx.issues.push({`` ... ``});`` twice in a row)? Then
    an answer that types such a statement before the suffix's own follows the file's pattern
    (a test adding the same issue twice), it does not re-type the suffix."""
    if not _significant(first) or first[-1:] not in OPENERS:
        return False  # a statement of several lines, whose end its brackets tell
    lines = _tail_lines(ctx.prefix, _DOUBLED_SCAN_CHARS).split("\n")[:-1]
    regex = bracket_regex(syntax_for(ctx.language_id))
    for i, line in enumerate(lines):
        if line.strip() != first:
            continue
        depth = 0
        for j in range(i, min(len(lines), i + _DOUBLED_STATEMENT_LINES)):
            brackets = "".join(regex.findall(lines[j]))
            depth += sum(b in OPENERS for b in brackets) - sum(b in CLOSERS for b in brackets)
            if depth <= 0:
                after = lines[j + 1] if j + 1 < len(lines) else ""
                if after.strip() == first and _indent_of(after) == _indent_of(line):
                    return True
                break
    return False


_PP_IF = re.compile(r"\s*#\s*if(?:n?def)?\b")
_PP_ENDIF = re.compile(r"\s*#\s*endif\b")


def _closes_another_conditional(answer: list[_Line], ctx: Context) -> bool:
    """A lone ``#endif`` like the next line: preprocessor lines have no depth to tell two apart,
    so count them. It closes another ``#if`` when the prefix leaves more of them open than the
    suffix closes (``#if`` in ``#if``, then ``#endif`` twice)."""
    if len(answer) != 1 or not _PP_ENDIF.match(answer[0][1]):
        return False
    opened = 0
    for line in ctx.prefix[-_PREFIX_SCAN_CHARS:].split("\n"):
        if _PP_IF.match(line):
            opened += 1
        elif _PP_ENDIF.match(line) and opened:
            opened -= 1
    depth = closed = 0
    for line in ctx.suffix[:_PREFIX_SCAN_CHARS].split("\n"):
        if _PP_IF.match(line):
            depth += 1
        elif _PP_ENDIF.match(line):
            depth, closed = (depth - 1, closed) if depth else (0, closed + 1)
    return opened > closed


def _is_run_entry(text: str, ctx: Context) -> bool:
    """A one-line answer like the next line that is new nonetheless: one more entry of a
    table, or an ``#endif`` for another ``#if``."""
    answer = _answer_code_lines(text, ctx)
    return _entry_of_a_run(answer, _suffix_code_lines(ctx), ctx) or _closes_another_conditional(
        answer, ctx
    )


def _entry_of_a_run(answer: list[_Line], following: list[_Line], ctx: Context) -> bool:
    """A one-line answer equal to the next line, inside a run of similar lines (a table of
    entries, a chain of calls): one more entry like its neighbours, not a re-type. The run is
    the line before the cursor or the one after the next, like it at its depth."""
    if len(answer) != 1 or ctx.mid_line or ctx.truncated or len(following) < 2:
        return False
    line = answer[0][1].rstrip(";,")
    after = following[1]
    if after[0] == following[0][0] and _similar(after[1].rstrip(";,"), line):
        return True
    before = ctx.prev_code_line
    width = _width(_indent_of(before))
    return (
        bool(before.strip())
        and width == following[0][0]
        and (_similar(before.strip().rstrip(";,"), line))
    )


# --- 9. closing_bracket -------------------------------------------------------------------------


def _line_indent(text: str, pos: int, ctx: Context) -> int:
    """Indentation width of the answer's line holding ``pos``, as it will be in the file."""
    start = text.rfind("\n", 0, pos) + 1
    indent = _indent_of(text[start:pos])
    return _width(indent if start else ctx.line_before + indent)


def _suffix_closes(text: str, pos: int, ctx: Context, innermost: bool = True) -> bool:
    """Does the code after the cursor already close what ``text[pos]`` closes (the innermost
    bracket open before the cursor, or one further out)?"""
    closer = text[pos]
    follow = ctx.next_code_line
    if not follow.lstrip().startswith(closer):
        # the block goes on after the cursor and the suffix closes it later, at this closer's
        # indentation: the answer's closer would end the block early (an extra `}`)
        line_start = text.rfind("\n", 0, pos) + 1
        if not line_start or text[line_start:pos].strip():
            return False
        return ctx.suffix_closer == (closer, _line_indent(text, pos, ctx))
    line_start = text.rfind("\n", 0, pos) + 1
    after_code = line_start == 0 or (innermost and text[line_start:pos].strip())
    if after_code and not ctx.mid_line and ctx.suffix_closer is not None:
        # `Self { inner: x }` then `}` on the next line, or an anonymous class's last line
        # `void run() { ... }};` then the method's `}`: the suffix's closer starts a line at
        # the indentation of the bracket it closes, which may be another one
        indent = ctx.suffix_closer[1]
        if indent >= 0 and indent != _width(_indent_of(_line_of_open_bracket(ctx.prefix, ctx))):
            return False
    if line_start == 0 or ctx.mid_line or text[line_start:pos].strip():
        return True
    # a closer on a line of its own: the suffix's closer is the same one only if indented alike
    return _line_indent(text, pos, ctx) == _width(_indent_of(follow))


def stop_at_unmatched_closer(text: str, ctx: Context) -> str:
    if ctx.language_id in PROSE_LANGUAGES or ctx.language_id in _MARKUP_TEXT:
        return text  # brackets in prose need not balance
    start = 0
    quote = ctx.state.string_quote
    if quote:
        end = _closing_quote(text, quote)
        if end < 0:
            return text
        if ctx.line_after.startswith(quote):
            if _ends_in_own_string(text, end, ctx.line_before, ctx.language_id):
                return text  # `'a', 'b`: the quote after the cursor closes the answer's string
            return text[:end]  # the suffix already closes the string
        start = end + len(quote)
    elif ctx.state.in_comment and not ctx.in_block_comment:
        start = text.find("\n") + 1
        if start == 0:
            return text
    elif ctx.in_block_comment:
        # brackets in a doc comment's prose need not balance: judge the code after it
        end = text.find(ctx.in_block_comment)
        if end < 0:
            return text
        start = end + len(ctx.in_block_comment)
    opened: list[str] = []
    outer: list[str] | None = None  # brackets open before the cursor, scanned only if needed
    deep = len(ctx.prefix) <= _RECENT_SCAN_CHARS  # whether `outer` covers the whole window
    template = ctx.template_start if not start and "`" in text else None
    if template is not None:
        # the answer ends a template literal opened lines above (which the cursor line alone
        # does not show): judge the code after its backtick against the brackets before it
        end = _closing_quote(text, "`")
        if end < 0:
            return text
        if ctx.line_after.startswith("`"):
            return text[:end]
        start = end + 1
        outer, deep = list(_unclosed_in_prefix(ctx.prefix[:template], ctx)), True
    end = _string_left_open(text, start, ctx)  # after it, brackets are the string's text
    for m in bracket_regex(syntax_for(ctx.language_id)).finditer(text, start, end):
        b, pos = m.group("b"), m.start()
        if b is None:
            continue
        if b in OPENERS:
            opened.append(b)
            continue
        if opened:
            if opened.pop() != PAIR[b]:
                return text[:pos]  # mismatched: the model lost track
            continue
        if outer is None:
            outer = list(ctx.recent_open_brackets)
        if not outer and not deep:
            deep = True  # the recent lines ran out: look further back, once
            full = ctx.open_brackets
            outer = list(full[: len(full) - len(ctx.recent_open_brackets)])
        if b == ")" and not outer and ctx.language_id in _SHELLS:
            continue  # `case` patterns end with a lone `)`
        if not outer or outer[-1] != PAIR[b]:
            return _cut_before(text, pos, ctx)
        innermost = len(outer) == len(ctx.recent_open_brackets)
        if _suffix_closes(text, pos, ctx, innermost) and not _reopens(text, pos, ctx):
            return _cut_before(text, pos, ctx)
        outer.pop()  # closes a bracket from before the cursor that the suffix leaves open
    return text


_TRIPLE_QUOTES = ('"""', "'''")


def _string_left_open(text: str, start: int, ctx: Context) -> int:
    """Where the answer (from ``start``) opens a string that spans lines (a docstring's first
    line ``\"\"\"Return an int in [0,n).``, a template literal) and does not close it;
    ``len(text)`` when it opens none."""
    syntax = syntax_for(ctx.language_id)
    quotes: tuple[str, ...] = _TRIPLE_QUOTES if syntax.triple_quotes else ()
    quotes += ("`",) if syntax.multiline_backtick else ()
    if not any(q in text for q in quotes):
        return len(text)
    pos = start
    while pos < len(text):
        eol = text.find("\n", pos)
        state = line_state(text[pos : len(text) if eol < 0 else eol], ctx.language_id)
        if state.string_quote in quotes:
            quote = state.string_quote
            opened = pos + state.string_start
            close = _closing_quote(text[opened + len(quote) :], quote)
            if close < 0:
                return opened
            pos = opened + 2 * len(quote) + close
            continue
        if eol < 0:
            break
        pos = eol + 1
    return len(text)


def _cut_before(text: str, pos: int, ctx: Context) -> str:
    """The answer up to the closer at ``pos``; when that closer lies in an end that re-types
    the suffix's first lines (``\t);`` + ``});``), before all of that end: a cut inside it
    would leave a start of the re-type (``\t);`` + ``}``) that matches nothing."""
    trimmed = trim_suffix_overlap(text, ctx)
    return trimmed if len(trimmed) <= pos else text[:pos]


def _reopens(text: str, pos: int, ctx: Context) -> bool:
    """``} else {``: the answer closes a block from before the cursor and opens the next one on
    the same line, left open to its end; the suffix's closer closes that one."""
    eol = text.find("\n", pos)
    if PAIR[text[pos]] not in text[pos + 1 : len(text) if eol < 0 else eol]:
        return False
    depth = 0
    for m in bracket_regex(syntax_for(ctx.language_id)).finditer(text, pos + 1):
        b = m.group("b")
        if b is not None:
            depth += 1 if b in OPENERS else -1
            if depth < 0:
                return False
    return depth > 0


def _closing_quote(text: str, quote: str) -> int:
    i = 0
    while (i := text.find(quote, i)) >= 0:
        backslashes = len(text[:i]) - len(text[:i].rstrip("\\"))
        if backslashes % 2 == 0:
            return i
        i += 1
    return -1


# --- 10. suffix_overlap -------------------------------------------------------------------------


def _unclosed_in(text: str, ctx: Context) -> bool:
    """Does ``text`` open a bracket that it does not close?"""
    depth = 0
    for m in bracket_regex(syntax_for(ctx.language_id)).finditer(text):
        b = m.group("b")
        if b is not None:
            depth = depth + 1 if b in OPENERS else max(0, depth - 1)
    return depth > 0


def _words_spaced(text: str) -> list[str]:
    """The lines of ``text`` without their indentation, spaces within them kept."""
    return [line.strip() for line in text.strip().split("\n")]


def _overlap_ok(text: str, p: int, q: int, ctx: Context) -> bool:
    kept, overlap = text[:p], text[p:]
    suffix = ctx.suffix
    if p > 0 and _is_ident(text[p - 1]) and _is_ident(text[p]):
        return False  # would cut inside a word
    head = suffix[len(suffix) - len(suffix.lstrip()) : q + 1]
    if overlap.rstrip().count("\n") != head.count("\n"):
        # whitespace is ignored within lines, not across them: `function() end` is no re-type
        # of the suffix's `)` + line break + `end)`
        return False
    if ctx.in_block_comment and _words_spaced(overlap) != _words_spaced(head):
        # in a comment the spaces within a line are content: ` *       }` of a code example
        # in a doc comment is not the suffix's ` *     }`
        return False
    if not kept.strip() and (
        _is_run_entry(text, ctx) or _file_doubles_statement(text.strip().split("\n")[0], ctx)
    ):
        return False  # all of it overlaps: one more entry, a new `#endif` (see suffix_repeat)
    if q + 1 < len(suffix) and _is_ident(suffix[q]) and _is_ident(suffix[q + 1]):
        return False  # the suffix's word goes on
    if not ctx.mid_line:
        # the overlap lies on later lines: it must be whole lines on both sides
        line_end = suffix.find("\n", q + 1)
        if suffix[q + 1 : None if line_end < 0 else line_end].strip():
            return False
        if kept.rstrip(" \t") and not kept.rstrip(" \t").endswith("\n"):
            return False
        # a line at another depth is another statement: `}` closing another block, the
        # `return None` of a nested branch before the function's own
        stated = p > 0 or _indent_of(text) or ctx.line_before  # column 0, bare: depth unknown
        if stated and _line_indent(text, p, ctx) != _width(_indent_of(ctx.next_code_line)):
            return False
        line = _code_lines([overlap], _line_indent(text, p, ctx))
        if kept.strip() and _next_entry(line, _suffix_code_lines(ctx), ctx):
            return False  # one more entry of the run the suffix goes on with
    significant = any(_significant(x) for x in overlap.split("\n"))
    if (
        any(c in CLOSERS for c in overlap)
        and _unclosed_in(kept, ctx)
        and not significant
        and not _suffix_closes_open(kept, ctx)
    ):
        return False  # the answer's own closer, e.g. `bar(1)` before the suffix's `)`
    words = set(re.findall(r"\w+", overlap))
    if words and words <= _CLOSER_WORDS and _BLOCK_KEYWORD.search(kept):
        # `end` lines: the answer's own, unless the suffix's `end`s close its blocks as well
        return ctx.language_id in _KEYWORD_BLOCKS and _keyword_blocks_closed(
            kept, ctx, body_goes_on=True
        )
    return True


_SPACE = re.compile(r"\s+")
_NON_SPACE = re.compile(r"\S")


def _nth_non_space(text: str, n: int) -> int:
    """Index in ``text`` of its n-th (0-based) non-whitespace character."""
    for i, m in enumerate(_NON_SPACE.finditer(text)):
        if i == n:
            return m.start()
    raise IndexError(n)


def trim_suffix_overlap(text: str, ctx: Context) -> str:
    # compare with whitespace removed, so a re-typed suffix matches whatever its indentation
    a = _SPACE.sub("", text)
    window = ctx.suffix[: 2 * len(text) + 80]
    s = _SPACE.sub("", window)
    for k in range(min(len(a), len(s)), 0, -1):
        if s[k - 1] != a[-1] or not a.endswith(s[:k]):
            continue
        p, q = _nth_non_space(text, len(a) - k), _nth_non_space(window, k - 1)
        if _overlap_ok(text, p, q, ctx):
            return text[:p]
    return text


# --- 11. indent_style ---------------------------------------------------------------------------


_MIXED_INDENT = re.compile(r"\n\t+ +\S")


def _answer_space_unit(lines: list[str]) -> int:
    """Spaces per level in the answer: 2 if some line sits between multiples of 4, else 4."""
    widths = [len(x) - len(x.lstrip(" ")) for x in lines if x.startswith(" ") and x.strip()]
    return 2 if any(w % 4 == 2 for w in widths) else 4


def fix_indent_style(text: str, ctx: Context) -> str:
    if "\t" not in text and "\n " not in text and not text.startswith(" "):
        return text  # no indentation to fix; spares the prefix scan
    unit = ctx.file_indent
    if unit is None or ("\t" not in text and unit != "\t"):
        return text
    if ctx.mixed_indent:
        return text  # tabs for every 8 columns, spaces for the rest: the answer's mix is right
    lines = text.split("\n")
    # after code on the cursor line the first line's whitespace is spacing, not indentation
    head = [] if not ctx.line_before.strip() else [lines.pop(0)]
    if unit == "\t":
        step = _answer_space_unit(lines)
        out = head
        for line in lines:
            indent = _indent_of(line)
            if " " in indent:
                w = _width(indent, step)
                line = "\t" * (w // step) + " " * (w % step) + line[len(indent) :]
            out.append(line)
    else:
        out = head + [
            _indent_of(x).replace("\t", unit) + x.lstrip(" \t") if x.strip() else x for x in lines
        ]
    return "\n".join(out)


# --- 12. trailing_space -------------------------------------------------------------------------


def trim_trailing_space(text: str, ctx: Context) -> str:
    if not ctx.mid_line:
        return text.rstrip()
    # mid-line the answer joins the rest of the line: a trailing space or line break may be
    # meaningful (`return |b` + `a + `), unless the suffix brings its own
    # `{ a: 1 }` keeps its inner space, `f(a )` does not
    if ctx.line_after[:1].isspace() or ctx.line_after[:1] in ")];,":
        return text.rstrip(" \t")
    return text


# --- 13. partial_suffix -------------------------------------------------------------------------


# where a longer name goes on from a whole one: `_part` (snake_case), `Part` (camelCase),
# `6` after a letter (`AF_INET` before `AF_INET6`)
_SUBWORD_START = re.compile(r"_[A-Za-z0-9]|[A-Z]")
_NUMBERED_NAME = re.compile(r"[A-Za-z_]\Z")


def drop_partial_suffix_line(text: str, ctx: Context) -> str:
    follow = ctx.next_code_line
    if ctx.mid_line or not follow.strip():
        return text
    head, newline, last = text.rpartition("\n")
    if not newline and ctx.line_before.strip():
        return text  # a continuation of the cursor line, not a line of its own
    if not last.strip() or _line_indent(text, len(text), ctx) != _width(_indent_of(follow)):
        return text
    typed = _significant(last) or last.strip() in _CLOSER_WORDS  # not `///` before `/// Docs`
    if typed and follow.strip().startswith(last.strip()):
        if last.strip()[0] in CLOSERS and head.strip() and not _balanced(head, ctx):
            return text  # `}` closing the answer's own `{`, before the suffix's `}  // namespace`
        if not head.strip() and _is_run_entry(text, ctx):
            return text  # all of it: one more entry, a new `#endif` (see suffix_repeat)
        line = _code_lines([last], _line_indent(text, len(text), ctx))
        if head.strip() and _next_entry(line, _suffix_code_lines(ctx), ctx):
            return text  # after lines of its own: one more entry of the suffix's run
        rest = follow.strip()[len(last.strip()) :]
        end = last.rstrip()[-1:]
        if not ctx.truncated and (
            (_SUBWORD_START.match(rest) and _is_ident(end))
            or (rest[:1].isdigit() and _NUMBERED_NAME.match(end))
        ):
            return text  # `repl_future` before `repl_future_interrupted`: a name of its own
        return head.rstrip()  # `retu` before `return x`, `end` before `end`
    return text


# --- balance ------------------------------------------------------------------------------------


def _balanced(text: str, ctx: Context) -> bool:
    depth = 0
    for m in bracket_regex(syntax_for(ctx.language_id)).finditer(text):
        b = m.group("b")
        if b is not None:
            depth += 1 if b in OPENERS else -1
    return depth <= 0


def _unbalanced(matches: Iterable[re.Match[str]], deepens: str) -> re.Match[str] | None:
    """The first bracket of a scan that no earlier one balances: brackets in ``deepens`` (the
    openers scanning forward, the closers scanning backward) nest, the others close a nesting
    level or, at level 0, are the answer."""
    depth = 0
    for m in matches:
        b = m.group("b")
        if b is None:
            continue
        if b in deepens:
            depth += 1
        elif depth:
            depth -= 1
        else:
            return m
    return None


def _innermost_open_match(text: str, ctx: Context) -> re.Match[str] | None:
    """The innermost bracket still open at the end of ``text`` (searched in its recent lines:
    the match is on ``text[-_RECENT_SCAN_CHARS:]``)."""
    matches = bracket_regex(syntax_for(ctx.language_id)).finditer(text[-_RECENT_SCAN_CHARS:])
    return _unbalanced(reversed(list(matches)), CLOSERS)


def _innermost_open(text: str, ctx: Context) -> str:
    """The innermost bracket still open at the end of ``text`` (recent lines), "" if none."""
    m = _innermost_open_match(text, ctx)
    return m.group("b") if m else ""


def _line_of_open_bracket(text: str, ctx: Context, chars: int = _RECENT_SCAN_CHARS) -> str:
    """The line holding the innermost bracket left open at the end of ``text``, searched in
    its last ``chars`` characters' whole lines; "" when none is open there. Whole lines: a
    window cut inside a line reads a bracket in a comment as code, or a line's indentation as
    none."""
    text = _tail_lines(text, chars)
    matches = bracket_regex(syntax_for(ctx.language_id)).finditer(text)
    m = _unbalanced(reversed(list(matches)), CLOSERS)
    if m is None:
        return ""
    start = text.rfind("\n", 0, m.start()) + 1
    end = text.find("\n", m.start())
    return text[start : len(text) if end < 0 else end]


_KEYWORD_BLOCKS = frozenset(("lua", "ruby", "elixir", "julia", "crystal", "shellscript", "bash"))
_KEYWORD_END = re.compile(r"(?:end|fi|done|esac|until)\b")
_KEYWORD_ELSE = re.compile(r"(?:else|elseif|elsif|elif)\b")
# `if x then return y` opens a block its `elseif`/`end` lines go on with, unless it ends there
_INLINE_OPENER = re.compile(r"(?:if|elseif|for|while)\b.*\b(?:then|do)\b(?!.*\bend\W*$)")
# `else return x`: the last branch goes on to the `end` of its `if`, unless it ends there
_INLINE_ELSE = re.compile(r"else\b(?!.*\bend\W*$)")


def _keyword_blocks_closed(kept: str, ctx: Context, body_goes_on: bool = False) -> bool:
    """``then``/``do``/``function`` blocks opened in the answer (and the one the cursor line
    opens) are closed by their ``end`` (Lua, Ruby, shell...): in the answer, or by the ``end``
    lines the suffix starts with, each at the indentation of the line that opened its block.
    With ``body_goes_on`` (judging ``end`` lines the answer shares with the suffix), the block
    left open may also be one whose body the suffix goes on with after them."""
    if ctx.language_id not in _KEYWORD_BLOCKS:
        return True
    opened: list[int] = []  # indentation of each line whose block is still open
    lines = kept.split("\n")
    for i, line in enumerate(lines):
        full = ctx.line_before + line if i == 0 else line
        width = ctx.width(_indent_of(full))
        if _KEYWORD_END.match(line.strip()) and opened:
            opened.pop()
        elif _KEYWORD_ELSE.match(line.strip()) and opened and opened[-1] == width:
            opened.pop()  # `else` ends the block it continues and opens the next one
        if full.rstrip()[-1:] in OPENERS:
            continue  # a bracket: closed by its bracket, which the bracket rules judge
        stripped = full.strip()
        if (
            ends_with_block_opener(full, ctx.language_id)
            or _INLINE_OPENER.match(stripped)
            or _INLINE_ELSE.match(stripped)
        ):
            opened.append(width)
    for line in ctx.suffix[:2000].split("\n", 12)[1:12]:
        if not line.strip():
            continue
        width = ctx.width(_indent_of(line))
        if _KEYWORD_ELSE.match(line.strip()):
            if opened and opened[-1] == width:
                opened.pop()  # `else` ends the block at its indentation (and opens its own)
            elif not opened and not _owns_end(ctx.prefix[-2000:] + kept, width, ctx):
                return False  # it continues an `if` the missing lines opened
            break
        if not _KEYWORD_END.match(line.strip()):
            # code deeper than the innermost block still open goes on with its body: closed
            # further down (`for ... end` typed again before the function's `return r`)
            return not opened or (body_goes_on and width > opened[-1])
        if opened and opened[-1] == width:
            opened.pop()
            continue
        if not opened and not _owns_end(ctx.prefix[-2000:] + kept, width, ctx):
            return False  # the suffix's `end` closes a block the missing lines opened
        break
    return not opened


def _owns_end(text: str, width: int, ctx: Context) -> bool:
    """Is the last line of ``text`` at or below ``width`` one that opens a block at that
    indentation (which an ``end`` there closes)?"""
    line = _last_line_within(text, width)
    if line is None:
        return True  # nothing to judge by in the recent lines
    if _width(_indent_of(line)) < width:
        return False
    opener = ends_with_block_opener(line, ctx.language_id)
    return opener or bool(_INLINE_OPENER.match(line.strip()) or _KEYWORD_ELSE.match(line.strip()))


def _last_line_within(text: str, width: int) -> str | None:
    """The last non-blank line of ``text`` indented ``width`` or less (its first line left out:
    a window's first line may be cut), None when there is none."""
    for line in reversed(text.split("\n")[1:]):
        if line.strip() and _width(_indent_of(line)) <= width:
            return line
    return None


# an expression that goes on on the next line (not `.` or `-`: prose in comments ends so)
# a control header with no brace: its statement comes next, one level deeper
_BRACELESS_HEADER = re.compile(
    r"\s*(?:\}\s*)?(?:(?:else\s+)?if|for|while|switch|catch)\s*\(.*\)\s*$|\s*(?:\}\s*)?(?:else|do)\s*$"
)
# C, C++, Java: a declarator, a constructor, a call that ends its line with `)`: a statement
# there always ends with `;` or a body, so the line is not finished
_OPEN_DECLARATOR = re.compile(
    r"\s*(?!return\b)[A-Za-z_~][\w:<>,\s*&~\[\].]*\([^;{}]*\)\s*"
    r"(?:(?:const|override|noexcept|final|volatile|throws\s+[\w.,\s]+)\s*)*$"
)
_BRACE_STATEMENT_LANGUAGES = frozenset(
    ("c", "cpp", "java", "csharp", "javascript", "typescript", "javascriptreact", "typescriptreact")
)


def _awaits_statement(code: str, ctx: Context) -> bool:
    """A line that cannot end a statement in this language: a braceless control header, or (in
    C, C++ and Java) a line ending with ``)`` that starts one."""
    if ctx.language_id not in _BRACE_STATEMENT_LANGUAGES or not code.strip():
        return False
    if _BRACELESS_HEADER.match(code):
        return _condition_ends_line(code)
    return ctx.language_id in ("c", "cpp", "java") and _OPEN_DECLARATOR.match(code) is not None


def _condition_ends_line(code: str) -> bool:
    """The header's first parenthesis closes at the end of the line (``if (a) b(c)`` holds its
    statement already), or the header has none (``else``, ``do``)."""
    start = code.find("(")
    if start < 0:
        return True
    depth = 0
    for i, ch in enumerate(code[start:], start):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return not code[i + 1 :].strip()
    return False


_CONTINUED = re.compile(r"(?:[=*%&|^]|(?<!\+)\+|\b(?:and|or))\s*$")  # not `i++`
_MULTILINE_QUOTES = {
    "python": ('"""', "'''"),
    "javascript": ("`",),
    "typescript": ("`",),
    "javascriptreact": ("`",),
    "typescriptreact": ("`",),
    "go": ("`",),
}


def _ends_pointer_type(last: str, ctx: Context) -> bool:
    """``(const char*`` + ``,int)``: a ``*`` the cursor line's ``,`` or ``)`` follows ends a C
    type, not a product whose other factor is missing."""
    return last.rstrip().endswith("*") and ctx.mid_line and ctx.line_after.lstrip()[:1] in ",)"


def follow_starts(ctx: Context, text: str | tuple[str, ...]) -> bool:
    return ctx.next_code_line.lstrip().startswith(text)


def _fits_suffix(kept: str, last: str, ctx: Context) -> bool:
    """Does the suffix go on where ``kept`` ends? Its next line is not deeper than the last
    kept line unless that line opens a block; a closer that starts a suffix line sits at the
    indentation of the line holding the bracket it closes."""
    if _CONTINUED.search(last) and not _ends_pointer_type(last, ctx):
        return False  # `x =` or `a +`: the expression goes on in the lines that are missing
    if header_left_open(
        _tail_lines(ctx.prefix, _RECENT_SCAN_CHARS) + kept, ctx.suffix[:200], ctx.language_id
    ):
        return False  # `class A<T>` + `extends B`: its `implements C {` line is missing
    if ctx.language_id == "lua" and last.rstrip().endswith(",") and follow_starts(ctx, ")"):
        return False  # Lua calls take no trailing comma: an argument is missing
    for quote in _MULTILINE_QUOTES.get(ctx.language_id, ()):
        if kept.count(quote) % 2:
            return False  # a docstring or template literal left open
    comment = syntax_for(ctx.language_id).block_comment
    if comment and kept.rfind(comment[0]) > kept.rfind(comment[1]):
        return False  # a `/**` doc comment left open
    follow = ctx.next_code_line
    # `if printPlatform:  # why` opens its block like `if printPlatform:`; a line that is only
    # a comment keeps its plain reading (commented-out code, `--- -- {` in a doc example)
    code = without_line_comment(last, ctx.language_id)
    opener = ends_with_block_opener(code if code.strip() else last, ctx.language_id)
    in_macro = any(line.rstrip().endswith("\\") for line in kept.rsplit("\n", 2)[-2:])
    if (
        not opener
        and not in_macro  # a macro's last line has no `;`: its user writes it
        and _awaits_statement(code, ctx)
        and not follow_starts(ctx, ("{", ":", ";"))
    ):
        opener = True  # `if (x)` with no brace, `Foo()` with no body: what follows is missing
    # a `switch` label: its statements one level deeper, or another label (falling through)
    label = ctx.language_id in _CASE_LANGUAGES and bool(_CASE_LABEL.fullmatch(code.strip()))
    if follow.strip() and not ctx.mid_line:
        step = ctx.width(_indent_of(follow)) - ctx.width(_indent_of(last))
        if (step > 0) != opener and not label:
            return False
        unit = ctx.file_indent
        if (opener or label) and step > (4 if unit is None or unit == "\t" else len(unit)):
            return False  # a body two levels deeper: the missing lines opened the other one
    elif opener and not ctx.mid_line:
        return False  # a block opened and nothing after it to be its body
    if not _keyword_blocks_closed(kept, ctx):
        return False
    if (
        ctx.language_id == "python"
        and _PY_CLAUSE.match(follow.strip())
        and not ctx.mid_line
        and not _clause_has_statement(ctx.prefix[-_RECENT_SCAN_CHARS:] + kept, follow)
    ):
        return False  # the suffix's `elif`/`except` continues a statement the answer lacks
    if ctx.language_id == "python" and opener and _clause_after_last_clause(last, ctx):
        return False  # `else:` whose body the suffix gives, then the suffix's own `else:`
    if ctx.language_id == "python" and _try_left_open(kept, ctx):
        return False  # `try:` and its body, then no `except`: the answer stopped before it
    closer = ctx.suffix_closer
    if closer is None:
        # nothing in the suffix closes a bracket: a `(` or `[` still open after ``kept`` (a
        # parameter list) needed the missing lines; a `{` may close further on than we look
        return _innermost_open(ctx.prefix + kept, ctx) not in ("(", "[")
    if closer[1] < 0:
        return True
    if ctx.closes_namespace and _balanced(kept, ctx):
        return True  # the namespace's `}`, at the depth of every function inside it
    # the innermost bracket still open after ``kept``: in the answer, or before the cursor
    line = _line_of_open_bracket(ctx.prefix + kept, ctx)
    if not line:
        # opened before the recent lines: then nothing since sits at the closer's depth but
        # the line that opened it (a lone `@Override` there needed the method it annotates)
        return _opens_at(ctx.prefix[-_RECENT_SCAN_CHARS:] + kept, closer[1])
    return _width(_indent_of(line)) == closer[1]


_CASE_LABEL = re.compile(r"(?:case\b.*|default\s*):")
_CASE_LANGUAGES = frozenset(
    (
        "javascript", "typescript", "javascriptreact", "typescriptreact", "go", "java", "c",
        "cpp", "csharp", "php", "dart", "swift", "objective-c", "objective-cpp", "cuda-cpp",
        "groovy",
    )
)  # fmt: skip


def _opens_at(text: str, width: int) -> bool:
    """Is the last line of ``text`` at or below ``width`` one at ``width`` ending with an
    opening bracket (True when no such line is in view)?"""
    line = _last_line_within(text, width)
    return line is None or (_width(_indent_of(line)) == width and line.rstrip()[-1:] in OPENERS)


_PY_CLAUSE = re.compile(r"(?:elif|else|except|finally)\b")


def _clause_after_last_clause(last: str, ctx: Context) -> bool:
    """``last`` opens a statement's last clause (``else:``, ``finally:``) and the suffix's
    first line back at its depth is another clause: the suffix's lines were the body of a
    statement the answer lacks (``if printPlatform:`` and its ``else:``)."""
    if not _PY_LAST_CLAUSE.match(last.strip()):
        return False
    width = _width(_indent_of(last))
    for line in ctx.suffix[:_INDENT_SCAN_CHARS].split("\n")[1:]:
        if line.strip() and _width(_indent_of(line)) <= width:
            return _width(_indent_of(line)) == width and bool(_PY_CLAUSE.match(line.strip()))
    return False


_PY_LAST_CLAUSE = re.compile(r"(?:else|finally)\s*:")
_PY_TRY = re.compile(r"try\s*:")
_PY_HANDLER = re.compile(r"(?:except|finally)\b")


def _try_left_open(kept: str, ctx: Context) -> bool:
    """A ``try:`` in the answer with nothing after it back at its depth, and the suffix's first
    line back at that depth is no ``except``/``finally``: its handler was in the missing lines
    (the suffix's lines at the body's depth go on with the ``try`` body, then it is left)."""
    lines = kept.split("\n")
    widths = [
        _width(_indent_of((ctx.line_before if i == 0 else "") + x)) for i, x in enumerate(lines)
    ]
    for i, line in enumerate(lines):
        if not _PY_TRY.match(line.strip()):
            continue
        width = widths[i]
        if any(
            x.strip() and w <= width for x, w in zip(lines[i + 1 :], widths[i + 1 :], strict=True)
        ):
            continue  # closed in the answer (its `except`, or code after it)
        for follow in ctx.suffix[:_INDENT_SCAN_CHARS].split("\n")[1:]:
            if follow.strip() and _width(_indent_of(follow)) <= width:
                return not (
                    _width(_indent_of(follow)) == width and _PY_HANDLER.match(follow.strip())
                )
    return False


def _clause_has_statement(text: str, clause: str) -> bool:
    """Is the last line of ``text`` at or below the clause's indentation at that indentation
    (the ``if``/``try`` it continues, or that statement's body's last line)?"""
    width = _width(_indent_of(clause))
    line = _last_line_within(text, width)
    return line is None or _width(_indent_of(line)) == width


def balance_truncated(text: str, ctx: Context) -> str:
    """A truncated multi-line answer: keep it up to the last line where what it opened is
    closed again, no block is left open without its body, and the suffix fits on (else the
    missing part was what the suffix needs: show nothing)."""
    if not ctx.truncated:
        return text
    lines = text.split("\n")
    for k in range(len(lines), 0, -1):
        kept = "\n".join(lines[:k])
        last = (ctx.line_before if k == 1 else "") + lines[k - 1]
        if not last.strip():
            continue
        if not _balanced(kept, ctx) and not (
            _suffix_closes_open(kept, ctx) and _suffix_closes_each(kept, ctx)
        ):
            continue
        if _fits_suffix(kept, last, ctx) and not breaks_syntax(
            ctx.prefix, kept.rstrip(), ctx.suffix, ctx.language_id
        ):
            return kept.rstrip()
    return ""


# how many shorter versions of an answer that breaks the parse are tried: each is a parse of
# the bounded window; an answer is rarely cut back further than this to fit
_PARSE_FIT_TRIES = 8


def keep_what_parses(text: str, ctx: Context) -> str:
    """An answer of several lines that leaves a syntax error around the cursor: back to its last
    line where the code parses, else nothing. Not when the code already fails to parse there
    without the answer (the user is mid-edit: no verdict), nor for answers the upstream cut
    (``balance`` checked those), nor without a parser for the language (``syntax_fit``), nor
    when the lines that open the blocks around the cursor lie beyond the prefix the server keeps
    (a window inside a class body would parse its members as stray code)."""
    if ctx.truncated or not ctx.multiline or "\n" not in text:
        return text  # single-line mode shows a block's first line by design: its body is next
    if not breaks_syntax(ctx.prefix, text, ctx.suffix, ctx.language_id, whole=True):
        return text
    lines = text.split("\n")
    tries = 0
    for k in range(len(lines) - 1, 0, -1):
        kept = "\n".join(lines[:k]).rstrip()
        if not kept.strip() or kept == text:
            continue
        if not breaks_syntax(ctx.prefix, kept, ctx.suffix, ctx.language_id, whole=True):
            return kept
        tries += 1
        if tries == _PARSE_FIT_TRIES:
            break
    broken_already = breaks_syntax(
        ctx.prefix, "", ctx.suffix, ctx.language_id, before_cursor=True, whole=True
    )
    return "" if broken_already is False else text


def _suffix_closes_open(kept: str, ctx: Context) -> bool:
    """The answer leaves a bracket open that the suffix closes (its closer starts a line at
    the indentation of the bracket's line): ``raise ValueError(`` + ``msg`` | ``)``."""
    closer = ctx.suffix_closer
    if closer is None or closer[1] < 0 or ctx.closes_namespace:
        return False
    line = _statement_line_of_open_brace(ctx.prefix + kept, ctx)
    return bool(line) and _width(_indent_of(line)) == closer[1]


def _statement_line_of_open_brace(text: str, ctx: Context) -> str:
    """``_line_of_open_bracket``, but for a ``{`` on a line that goes on with a bracket opened
    above (``    StreamOpFlag.NOT_DISTINCT) {`` under ``return new Op<>(this,``) or with a
    header (``throws X {``), the line that starts the statement: its block's ``}`` stands at
    that line's indentation."""
    text = _tail_lines(text, _RECENT_SCAN_CHARS)
    stack, opener_of = bracket_pairs(text, syntax_for(ctx.language_id))
    return _brace_statement_line(text, stack[-1], opener_of) if stack else ""


def _brace_statement_line(text: str, at: int, opener_of: dict[int, int]) -> str:
    """The line of the bracket at ``at``, or for a ``{``, of the statement it ends (see
    ``_statement_line_of_open_brace``)."""
    if text[at] == "{":
        for _ in range(_CONTINUED_LINES):
            start = text.rfind("\n", 0, at) + 1
            before = [p for p in opener_of if start <= p < at and opener_of[p] < start]
            if before:
                at = opener_of[min(before)]
            elif _HEADER_CLAUSE.match(text, start) and start:
                at = start - 1  # `throws X {` under its method's signature: the line above
            else:
                break
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start : len(text) if end < 0 else end]


# how many lines of one statement's brackets are followed back to its first line
_CONTINUED_LINES = 8
# a line that goes on with the declaration header above it
_HEADER_CLAUSE = re.compile(r"[ \t]*(?:throws|extends|implements|permits|where)\b")


def _closes_namespace(ctx: Context) -> bool:
    """In C/C++, is the suffix's next closer the end of a namespace (or ``extern "C"``) block
    opened before the cursor? Then it cannot close a block the answer leaves open, though it
    stands at that block's depth."""
    closer = ctx.suffix_closer
    if ctx.language_id not in ("c", "cpp") or closer is None or closer[0] != "}":
        return False
    m = ctx.suffix_closer_match
    if m is not None and NAMESPACE_CLOSER.match(
        ctx.suffix[ctx.suffix.rfind("\n", 0, m.start()) + 1 :]
    ):
        return True
    opener = _line_of_open_bracket(ctx.prefix, ctx, _PREFIX_SCAN_CHARS)
    return NAMESPACE_OPENER.match(opener) is not None


def _suffix_closes_each(kept: str, ctx: Context) -> bool:
    """Every bracket the answer leaves open is closed by one of the suffix's closers in turn,
    innermost first, on a line at the indentation of the bracket's line: two ``fn f() {``
    lines left open before a suffix that closes one block and then the ``impl`` are not."""
    text = ctx.line_before + kept
    # where each bracket the answer leaves open sits in ``text``
    left, opener_of = bracket_pairs(text, syntax_for(ctx.language_id))
    left = [pos for pos in left if pos >= len(ctx.line_before)]
    if len(left) < 2:
        return True  # one at most: ``_suffix_closes_open`` judged it
    closers = _suffix_closers(ctx, len(left))
    for pos, closer_width in zip(reversed(left), closers, strict=False):
        start = text.rfind("\n", 0, pos) + 1
        if text[start:pos].lstrip()[:1] in _CONTINUATION_STARTS:
            continue  # `.then(() => {` closes at the depth of the statement it continues
        line = _brace_statement_line(text, pos, opener_of)
        if closer_width != _width(_indent_of(line)):
            return False
    return len(closers) >= len(left)


# a line that goes on with the statement above (a method chain, an operator): not its own depth
_CONTINUATION_STARTS = frozenset(".?:+-*/%&|^,<>=")


def _suffix_closers(ctx: Context, count: int) -> list[int]:
    """The indentation of the lines holding the suffix's first ``count`` closers of brackets
    opened before it, -1 for one that follows code on its line (closers after closers, as in
    ``})``, count as that line's)."""
    text = ctx.suffix[:4000]
    out: list[int] = []
    depth = 0
    for m in bracket_regex(syntax_for(ctx.language_id)).finditer(text):
        b = m.group("b")
        if b is None:
            continue
        if b in OPENERS:
            depth += 1
            continue
        if depth:
            depth -= 1
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        before = text[start : m.start()]
        closers_only = not before.strip(" \t)]};,") or before.strip() in _CLOSER_WORDS
        out.append(_width(_indent_of(before)) if closers_only and start else -1)
        if len(out) == count:
            break
    return out


# --- 14. blank_result ---------------------------------------------------------------------------


def drop_blank_result(text: str, ctx: Context) -> str:
    return text if text.strip() else ""


# --- closers after the cursor ----------------------------------------------------------------

_AUTO_CLOSED = re.compile(r"[)\]}\"'`;,]+")


def _first_unmatched_closer(text: str, line_before: str, language_id: str) -> int:
    """Where the answer closes something opened before the cursor (a bracket, or the string
    the cursor is in); -1 when it never does."""
    quote = line_state(line_before, language_id).string_quote
    if quote:
        return _closing_quote(text, quote)
    depth = 0
    for m in bracket_regex(syntax_for(language_id)).finditer(text):
        b = m.group("b")
        if b is None:
            continue
        if b in OPENERS:
            depth += 1
        elif depth:
            depth -= 1
        else:
            return m.start()
    return -1


def covered_closers(text: str, line_before: str, line_after: str, language_id: str) -> int:
    """How many characters after the cursor the suggestion types itself: the closers the editor
    inserted (``)``, ``]``, ``"``, ``;`` ...) when the answer closes what they close. The item's
    ``range`` covers them, so the editor overwrites them instead of duplicating them."""
    rest = line_after.rstrip()
    if not text or not rest or language_id in PROSE_LANGUAGES or not _AUTO_CLOSED.fullmatch(rest):
        return 0
    pos = _first_unmatched_closer(text, line_before, language_id)
    if pos < 0:
        return 0
    n = 0
    while n < len(rest) and pos + n < len(text) and text[pos + n] == rest[n]:
        n += 1
    if n and _ends_in_own_string(text, pos, line_before, language_id):
        return 0  # `'a', 'b` ends in a string of its own: the quote after the cursor closes it
    return n


def _ends_in_own_string(text: str, pos: int, line_before: str, language_id: str) -> bool:
    """Does the answer's line holding ``pos`` end inside a string (opened after ``pos``)?"""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = (line_before if start == 0 else "") + text[start : len(text) if end < 0 else end]
    return bool(line_state(line, language_id).string_quote)


# --- pipeline -----------------------------------------------------------------------------------

RULES: list[tuple[str, Rule]] = [
    ("blank", drop_blank),
    ("special_token", cut_special_tokens),
    ("code_fence", strip_code_fences),
    ("leading_space", drop_spurious_space),
    ("leading_newline", drop_spurious_newline),
    ("prefix_echo", trim_prefix_echo),
    # closer_range (not a rule: see apply_rules) decides here which context the rest sees
    ("truncated", drop_truncated_line),
    ("single_line", keep_first_line),
    ("repetition", cut_repetition),
    ("block_end", stop_at_block_end),
    ("suffix_repeat", drop_suffix_repeat),
    ("closing_bracket", stop_at_unmatched_closer),
    ("suffix_overlap", trim_suffix_overlap),
    ("indent_style", fix_indent_style),
    ("trailing_space", trim_trailing_space),
    ("partial_suffix", drop_partial_suffix_line),
    ("balance", balance_truncated),
    ("parse_fit", keep_what_parses),
    ("blank_result", drop_blank_result),
]
_CLOSER_RANGE_AT = [name for name, _ in RULES].index("truncated")


def _run(text: str, ctx: Context, rules: list[tuple[str, Rule]], changed: list[str]) -> str:
    for name, rule in rules:
        new = rule(text, ctx)
        if new != text:
            changed.append(name)
            text = new
        if not text:
            break
    return text


def apply_rules(
    raw: str,
    *,
    prefix: str,
    suffix: str,
    multiline: bool,
    language_id: str,
    truncated: bool = False,
) -> tuple[str, list[str]]:
    """The text to insert and the names of the rules that changed it, in order.

    When the answer re-types the closers that follow the cursor on its line (``foo(|)`` and
    ``a, b).bar()``), the rules after ``prefix_echo`` judge it against the suffix without those
    closers, and the text keeps them: the LSP item's range then covers them
    (``covered_closers``). If the rules cut the answer before its closers after all, they run
    again against the real suffix."""
    crlf = "\r\n" in prefix
    ctx = Context(
        prefix.replace("\r\n", "\n"),
        suffix.replace("\r\n", "\n"),
        multiline,
        language_id,
        truncated,
    )
    changed: list[str] = []
    text = _run(raw.replace("\r\n", "\n"), ctx, RULES[:_CLOSER_RANGE_AT], changed)
    rest = RULES[_CLOSER_RANGE_AT:]
    covered = covered_closers(text, ctx.line_before, ctx.line_after, language_id) if text else 0
    done = None
    if covered:
        shifted = Context(ctx.prefix, ctx.suffix[covered:], multiline, language_id, truncated)
        tried: list[str] = []
        result = _run(text, shifted, rest, tried)
        again = covered_closers(result, ctx.line_before, ctx.line_after, language_id)
        if again == covered and result.strip() != ctx.line_after[:covered].strip():
            done = result
            changed += ["closer_range", *tried]
    if done is None:
        done = _run(text, ctx, rest, changed) if text else text
    return (done.replace("\n", "\r\n") if crlf else done), changed


def postprocess(
    raw: str,
    *,
    prefix: str,
    suffix: str,
    multiline: bool,
    language_id: str,
    truncated: bool = False,
) -> str:
    """Turn the model's raw FIM answer into the text to insert at the cursor; "" means show
    nothing."""
    return apply_rules(
        raw,
        prefix=prefix,
        suffix=suffix,
        multiline=multiline,
        language_id=language_id,
        truncated=truncated,
    )[0]


def single_line_complete(text_so_far: str) -> bool:
    """For streaming: True once a single-line suggestion's first line is complete (a newline
    after some non-whitespace content), so the stream can be dropped early."""
    return "\n" in text_so_far.lstrip()


def answer_settled(
    raw: str, *, prefix: str, suffix: str, multiline: bool, language_id: str
) -> bool:
    """For streaming: True when more of a single-line answer cannot change what is shown, so
    the stream can be closed now. The first line of code must be complete, and not one that
    the rules judge by what follows it: a fence, a line echoing one before the cursor (the echo
    may go on), a line opening a block (shown with its block, so read to its end), or a line
    inside an expression the suffix leaves open (shown up to the line that closes it)."""
    if multiline or not single_line_complete(raw):
        return False
    ctx = Context(prefix[-_PREFIX_SCAN_CHARS:], suffix[:4000], multiline, language_id)
    body = raw.lstrip("\n")
    first = body.split("\n", 1)[0]
    if _FENCE.fullmatch(first) or _SPECIAL_TOKEN.fullmatch(first.strip()):
        return False
    if first.strip() and first.strip() in (x.strip() for x in ctx.prev_lines):
        return False
    if len(body) == len(raw) and _opens_block(first, ctx):
        return _first_block(body, ctx) != body
    complete = body[: body.rfind("\n")].split("\n", _CONTINUATION_LINES)[:_CONTINUATION_LINES]
    if len(body) == len(raw) and first.strip() and _open_for_continuation(ctx):
        # an expression left open before the cursor: shown up to the line that closes it,
        # once that line is complete (the lines before it alone never close it); a first line
        # that closes it (``field(default_factory`` + ``=list)``) is judged as any other
        at = _line_closing_open_bracket(complete, ctx)
        if at is None or at > 0:
            return at is not None
    if (
        len(body) < len(raw)
        and not ctx.mid_line
        and ends_with_block_opener(ctx.line_before, ctx.language_id)
    ):
        return _first_block(body, ctx, body=True) != body
    if len(body) == len(raw) and first.strip() and _leaves_header_open(first, ctx):
        # a first line leaving a declaration header open is shown up to the header's `{`
        return lines_to_header_opener(complete, ctx.language_id) > 0
    return True
