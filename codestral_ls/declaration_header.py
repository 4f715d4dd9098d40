"""Is a declaration header left unfinished? ``abstract class IntPipeline<E_IN>`` /
``extends AbstractPipeline<...>`` with its ``implements IntStream {`` line still to come.

A class, interface, enum, record, struct, trait or impl header (a Rust ``fn`` too) may run over
several lines (``extends``, ``implements``, ``where`` clauses) and needs its ``{`` (or ``;``)
before the code after it can parse. An answer that stops in such a header, before a suffix
that does not go on with it, leaves the file broken, and tree-sitter's verdict there is no help:
the code without the answer does not parse either. Pure text rules on a few lines; only
languages where such a header always has a body (not Kotlin or Scala classes, Go's bodiless
``func``, TypeScript's overloads).
"""

from __future__ import annotations

import re

from codestral_ls.lexer import without_line_comment

_MODIFIERS = (
    r"(?:(?:public|private|protected|internal|static|final|abstract|sealed|non-sealed|strictfp"
    r"|export|default|declare|readonly|partial|unsafe|async|const|extern|pub(?:\([\w:\s]+\))?"
    r"|@\w+(?:\([^()]*\))?)\s+)*"
)
# languageId -> the keywords that start a header with a body
_KEYWORDS = {
    "java": r"class|interface|enum|record|@interface",
    "csharp": r"class|interface|enum|record|struct",
    "javascript": r"class",
    "javascriptreact": r"class",
    "typescript": r"class|interface|enum",
    "typescriptreact": r"class|interface|enum",
    "rust": r"struct|enum|union|trait|impl|fn",
    "php": r"class|interface|trait|enum",
    "swift": r"class|struct|enum|protocol|extension",
    "dart": r"class|mixin|extension|enum",
}
_HEADERS = {lang: re.compile(rf"{_MODIFIERS}(?:{words})\b") for lang, words in _KEYWORDS.items()}
# C and C++: only a line that is nothing but the header (``struct foo``, ``class A : public B``);
# ``static struct foo *`` is a return type, continued by the function's name
_C_HEADER = re.compile(
    r"(?:typedef\s+|template\s*<[^;{}]*>\s*)?(?:class|struct|union|enum(?:\s+class)?)"
    r"\s+[\w:<>, ]+(?:\s*:[^;{}()]*)?"
)
# what goes on with a header on its next line
_CONTINUES_HEADER = re.compile(
    r"[{:,<(]|(?:extends|implements|throws|where|permits|with|for|final|->)\b"
)
_SCAN_LINES = 8  # a header longer than this is left alone


def _statement(lines: list[str], language_id: str) -> str | None:
    """The statement the last of ``lines`` ends, back to the first line after one that ends a
    statement or a block (``;``, ``{``, ``}``), joined by spaces; None when it is finished
    already or starts further back than ``_SCAN_LINES``."""
    parts: list[str] = []
    for i, line in enumerate(reversed(lines[-_SCAN_LINES:])):
        code = without_line_comment(line, language_id).strip()
        if not code:
            continue
        if code.endswith((";", "{", "}", "*/")):
            if not parts:
                return None  # the last line finishes its statement
            return " ".join(reversed(parts))
        parts.append(code)
        if i == _SCAN_LINES - 1:
            return None
    return " ".join(reversed(parts)) if parts else None


def header_left_open(before: str, after: str, language_id: str) -> bool:
    """Does ``before`` (the code up to the end of what is shown) end inside a declaration
    header that has no ``{`` yet, while ``after`` (the code that follows) does not go on with
    it?"""
    header = _HEADERS.get(language_id)
    if header is None and language_id not in ("c", "cpp"):
        return False
    statement = _statement(before.split("\n"), language_id)
    if statement is None:
        return False
    if header is not None:
        if not header.match(statement) or "=" in statement.replace("=>", ""):
            return False  # `class A = ...`, `const x = class {`: an expression
    elif not _C_HEADER.fullmatch(statement):
        return False
    follow = after.lstrip()
    return not _CONTINUES_HEADER.match(follow)


def lines_to_header_opener(lines: list[str], language_id: str) -> int:
    """How many of ``lines`` (an answer's, whose first line leaves a header open) it takes to
    reach the header's ``{``: up to the line that ends with it, 0 when no line within a few
    does."""
    for k in range(1, min(len(lines), _SCAN_LINES) + 1):
        code = without_line_comment(lines[k - 1], language_id).rstrip()
        if code.endswith(("{", ";")):
            return k
        if code.strip().endswith("}"):
            return 0
    return 0
