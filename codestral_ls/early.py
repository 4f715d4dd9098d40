"""What of an answer still streaming can be shown already (the early reveal).

A suggestion of several lines (a multi-line answer, or a block its first line opens) used to be
shown only once the whole answer had streamed: after an Enter at the end of a block, ten lines
of Codestral cost ~100 tokens, a second on screen after the first line was there. A client that
can be told when a suggestion grew (``initializationOptions.client.suggestionUpdates``, sent by
the VS Code extension and the Neovim plugin) gets the answer's complete lines as soon as they are
in, then a ``codestral/suggestionUpdated`` notification when the rest is known; it asks again
and the whole suggestion comes from the cache. Other clients wait for the whole answer as before.

The early text is what the post-processing rules would show were the answer cut at the limit
right after the lines complete so far (the rules for an answer cut at ``maxTokens``: only as far
as it is balanced and parses). So what it shows is almost never taken back by the answer's end:
on the real-code harness (``python -m tests.bench.bench_early --seeds 1-5``) the final suggestion
went on from the early text in 8,548 of 8,556 reveals (the others: runaway repetitions whose next
copies showed them to be one, and one re-typed suffix). An answer that opens with a code fence is
never shown early (the fence is judged by what follows it). Showing each complete line as it came
instead would reveal about three times as many answers but take back one in fifteen, mostly
answers that then hit ``maxTokens`` (64 tokens by default) and leave a block unclosed.
"""

from __future__ import annotations

from collections.abc import Callable


def complete_lines(raw: str) -> str:
    """The lines of ``raw`` ended by a line break, with that break: what streams on cannot
    change them."""
    return raw[: raw.rfind("\n") + 1]


def early_text(raw: str, shown_for: Callable[[str], str]) -> str:
    """The text to show now for an answer that has streamed ``raw`` so far, or "" (nothing
    yet). ``shown_for`` is the post-processing of an answer cut at the token limit."""
    head = complete_lines(raw)
    if not head.strip() or head.lstrip().startswith("```"):
        return ""  # a fence is judged by what follows it (postprocess.strip_fences)
    text = shown_for(head)
    # Something that shows only line breaks or blanks is no head start.
    return text if text.strip() else ""
