"""Definitions in a source file, per language, by line patterns: the name, where its snippet
starts and how many lines it spans (signature and a short body, never the whole block).

Patterns, not parsers: they run at index time over every file of the workspace, for a dozen
languages, with no dependency; a definition they miss is still found by lexical retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lines of a definition's snippet: its signature (however many lines) and the start of its body.
SNIPPET_LINES = 8
SIGNATURE_LINES = 6


@dataclass(frozen=True)
class Definition:
    name: str
    line: int  # first line (0-based)
    count: int  # lines in the snippet
    kind: str  # "function" | "class" | "other"


_DEF = r"(?P<name>[A-Za-z_$][\w$]*)"
_PATTERNS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "python": (
        ("function", re.compile(rf"^\s*(?:async\s+)?def\s+{_DEF}\s*[\[(]")),
        ("class", re.compile(rf"^\s*class\s+{_DEF}\s*[\[(:]")),
        ("other", re.compile(rf"^{_DEF}\s*(?::[^=]+)?=(?!=)")),
    ),
    "javascript": (
        (
            "function",
            re.compile(
                rf"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*{_DEF}\s*[<(]"
            ),
        ),
        ("class", re.compile(rf"^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+{_DEF}")),
        (
            "function",
            re.compile(
                rf"^\s*(?:export\s+)?(?:const|let|var)\s+{_DEF}\s*(?::[^=]+)?=\s*(?:async\s+)?"
                r"(?:function\b|\([^)]*\)?\s*(?::[^=]+)?=>|[\w$]+\s*=>)"
            ),
        ),
        (
            "function",
            re.compile(rf"^\s*(?:module\.)?exports\.{_DEF}\s*=\s*(?:async\s+)?(?:function|\()"),
        ),
        (
            "function",
            re.compile(
                r"^\s+(?:(?:public|private|protected|static|async|readonly|override|get|set)\s+)*"
                rf"\*?{_DEF}\s*(?:<[^>]*>)?\s*\([^;]*$"
            ),
        ),
        (
            "function",
            re.compile(rf"^\s+{_DEF}\s*:\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>)"),
        ),
        (
            "class",
            re.compile(rf"^\s*(?:export\s+)?(?:declare\s+)?(?:interface|type|enum)\s+{_DEF}"),
        ),
    ),
    "go": (
        ("function", re.compile(rf"^func\s+(?:\([^)]*\)\s*)?{_DEF}\s*[\[(]")),
        ("class", re.compile(rf"^type\s+{_DEF}\s")),
    ),
    "rust": (
        (
            "function",
            re.compile(
                r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:default\s+)?(?:const\s+)?(?:async\s+)?"
                rf"(?:unsafe\s+)?(?:extern\s+\"[^\"]*\"\s+)?fn\s+{_DEF}"
            ),
        ),
        (
            "class",
            re.compile(rf"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:struct|enum|trait|type|union)\s+{_DEF}"),
        ),
    ),
    "java": (
        (
            "class",
            re.compile(
                r"^\s*(?:(?:public|protected|private|static|final|abstract|sealed)\s+)*"
                rf"(?:class|interface|enum|record)\s+{_DEF}"
            ),
        ),
        (
            "function",
            re.compile(
                r"^\s*(?:(?:public|protected|private|static|final|abstract|synchronized|native|"
                r"default)\s+)+(?:<[^>]*>\s*)?[\w<>\[\],.? ]+\s+"
                rf"{_DEF}\s*\("
            ),
        ),
    ),
    "kotlin": (
        ("function", re.compile(rf"^\s*(?:[a-z]+\s+)*fun\s+(?:<[^>]*>\s*)?(?:\w+\.)?{_DEF}\s*\(")),
        ("class", re.compile(rf"^\s*(?:[a-z]+\s+)*(?:class|interface|object)\s+{_DEF}")),
    ),
    "c": (
        (
            "function",
            re.compile(rf"^(?!\s|#|return\b|else\b)[\w][\w\s\*&:<>,]*?\b{_DEF}\s*\([^;]*$"),
        ),
        ("class", re.compile(rf"^\s*(?:typedef\s+)?(?:struct|enum|union|class)\s+{_DEF}")),
    ),
    "ruby": (
        ("function", re.compile(rf"^\s*def\s+(?:self\.)?{_DEF}")),
        ("class", re.compile(rf"^\s*(?:class|module)\s+{_DEF}")),
    ),
    "php": (
        ("function", re.compile(rf"^\s*(?:[a-z]+\s+)*function\s+&?{_DEF}\s*\(")),
        ("class", re.compile(rf"^\s*(?:[a-z]+\s+)*(?:class|interface|trait)\s+{_DEF}")),
    ),
    "lua": (
        ("function", re.compile(r"^\s*(?:local\s+)?function\s+(?:[\w.]+[.:])?(?P<name>\w+)\s*\(")),
        ("function", re.compile(rf"^\s*(?:local\s+)?(?:[\w.]+\.)?{_DEF}\s*=\s*function\b")),
    ),
    "swift": (
        ("function", re.compile(rf"^\s*(?:[a-z@]+\s+)*func\s+{_DEF}")),
        ("class", re.compile(rf"^\s*(?:[a-z@]+\s+)*(?:class|struct|protocol|enum)\s+{_DEF}")),
    ),
}
_PATTERNS["typescript"] = _PATTERNS["javascript"]
_PATTERNS["cpp"] = _PATTERNS["c"]
_PATTERNS["csharp"] = _PATTERNS["java"]
_PATTERNS["scala"] = _PATTERNS["kotlin"]

# Words that look like a method definition to the loose JS/C patterns.
_NOT_NAMES = frozenset(
    {"if", "for", "while", "switch", "catch", "return", "function", "with", "else", "do", "new",
     "typeof", "sizeof", "await", "super", "this", "constructor_", "elif", "try", "case"}
)  # fmt: skip
# Cheap pre-checks: a line without any of these cannot start a definition of that language.
_HINTS: dict[str, tuple[str, ...]] = {
    "python": ("def ", "class ", "="),
    "go": ("func ", "type "),
    "rust": ("fn ", "struct ", "enum ", "trait ", "type ", "union "),
}


def definitions(lines: list[str], language: str) -> list[Definition]:
    patterns = _PATTERNS.get(language)
    if not patterns:
        return []
    hints = _HINTS.get(language)
    found: list[Definition] = []
    for number, line in enumerate(lines):
        if not line or line.isspace() or (hints and not any(h in line for h in hints)):
            continue
        for kind, pattern in patterns:
            match = pattern.match(line)
            if match is None:
                continue
            name = match.group("name")
            if name in _NOT_NAMES:
                break
            found.append(Definition(name, number, _snippet_count(lines, number, kind), kind))
            break
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _snippet_count(lines: list[str], first: int, kind: str) -> int:
    """Lines of the snippet from ``first``: the signature (it may span lines), then body lines
    while they stay inside the definition, up to SNIPPET_LINES."""
    if kind == "other":
        return 1
    base = _indent(lines[first])
    end = first + 1
    # the signature: until a line that ends it (":", "{", "=>", ";" or a closing bracket)
    opened = lines[first].count("(") - lines[first].count(")")
    while opened > 0 and end < len(lines) and end - first < SIGNATURE_LINES:
        opened += lines[end].count("(") - lines[end].count(")")
        end += 1
    limit = min(len(lines), first + max(SNIPPET_LINES, end - first + 2))
    while end < limit:
        line = lines[end]
        if line.strip() and _indent(line) <= base and not line.lstrip().startswith((")", "}")):
            break
        end += 1
    return end - first
