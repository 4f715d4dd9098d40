"""Document + cursor -> the completion job: prefix and suffix windows cut at line boundaries,
redacted, with the single/multi-line decision and cross-file snippets.

Cost grows with the window, never with the document: lines are walked outward from the cursor
until the character budget is spent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from codestral_ls.crossfile import SnippetIndex, gather_snippets
from codestral_ls.documents import Document, line_content
from codestral_ls.multiline import decide_multiline
from codestral_ls.privacy import redact
from codestral_ls.settings import Settings


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


@dataclass(frozen=True)
class Job:
    """Everything one completion needs, built from the document and cursor."""

    doc_key: str
    language_id: str
    prompt: str
    suffix: str
    multiline: bool
    # The text the model sees may carry cross-file context before the prompt proper.
    model_prompt: str = ""


@dataclass(frozen=True)
class BuiltJob:
    job: Job
    redactions: int  # secret-looking strings hidden from what is sent


def build_job(
    doc: Document,
    line: int,
    index: int,
    settings: Settings,
    others: Iterable[Document],
    path_of: Callable[[str], str],
    snippets: SnippetIndex,
    gather: Callable[[Document, int, int, int], str] | None = None,
) -> BuiltJob:
    """The cursor window, redacted, with the line decision and cross-file snippets from
    ``others`` (documents that may be sent)."""
    c = settings.completion
    window = cursor_window(doc, line, index, c.prefix_chars, c.suffix_chars)
    prefix, suffix = window.prefix, window.suffix
    hidden = 0
    if c.redact_secrets:
        prefix, hidden_p = redact(prefix)
        suffix, hidden_s = redact(suffix)
        hidden += hidden_p + hidden_s
    multiline = decide_multiline(prefix, suffix, doc.language_id, c.multiline)
    model_prompt = ""
    budget = settings.context.cross_file_chars
    if settings.context.cross_file and budget > 0:
        # ``gather``: the workspace's retrieval (codestral_ls/workspace); else open documents
        if gather is not None:
            header = gather(doc, line, index, budget)
        else:
            header = gather_snippets(doc, line, others, path_of, budget, snippets)
        if header:
            if c.redact_secrets:
                header, hidden_h = redact(header)
                hidden += hidden_h
            model_prompt = header + prefix
    job = Job(doc.uri, doc.language_id, prefix, suffix, multiline, model_prompt)
    return BuiltJob(job, hidden)
