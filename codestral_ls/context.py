"""Document + cursor -> the text around it: prefix and suffix windows cut at line boundaries.

Cost grows with the window, never with the document: lines are walked outward from the cursor
until the character budget is spent.
"""

from __future__ import annotations

from dataclasses import dataclass

from codestral_ls.documents import Document, line_content


@dataclass(frozen=True)
class Window:
    prefix: str
    suffix: str
    line_before: str  # text before the cursor on its line
    line_after: str  # text after the cursor on its line (no line ending)


def cursor_window(
    doc: Document, line: int, index: int, prefix_chars: int, suffix_chars: int
) -> Window:
    """The prefix and suffix around (line, index); the suffix budget it leaves unused goes to
    the prefix, which matters more to a FIM model."""
    lines = doc.lines
    current = lines[line]
    content = line_content(current)
    before, after_full = current[:index], current[index:]

    suffix_parts = [after_full[:suffix_chars]]
    used = len(suffix_parts[0])
    for following in range(line + 1, len(lines)):
        if used + len(lines[following]) > suffix_chars:
            break
        suffix_parts.append(lines[following])
        used += len(lines[following])

    budget = prefix_chars + (suffix_chars - used)
    prefix_parts = [before[-budget:] if len(before) > budget else before]
    used = len(prefix_parts[0])
    for previous in range(line - 1, -1, -1):
        if used + len(lines[previous]) > budget:
            break
        prefix_parts.append(lines[previous])
        used += len(lines[previous])
    prefix_parts.reverse()
    return Window("".join(prefix_parts), "".join(suffix_parts), before, content[index:])
