"""Post-processing cases written as a buffer with ``<|>`` at the cursor (the unit tests'
golden cases from real code)."""

from __future__ import annotations

from codestral_ls.postprocess import postprocess


def shown_at(
    buffer: str, raw: str, *, lang: str, multiline: bool = True, truncated: bool = False
) -> str:
    """What post-processing shows for the answer ``raw`` at the ``<|>`` of ``buffer``."""
    prefix, suffix = buffer.split("<|>")
    return postprocess(
        raw,
        prefix=prefix,
        suffix=suffix,
        multiline=multiline,
        language_id=lang,
        truncated=truncated,
    )
