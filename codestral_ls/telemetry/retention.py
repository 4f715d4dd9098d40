"""How much of each accepted suggestion is still in the document 30 s, 2 min and 10 min later.

Each accepted text is tracked as a region of its document, moved and stretched by every edit
(O(1) per region, a bounded number of regions per document: the cost grows with the edit, not
the document). A checkpoint is measured lazily, just before the first edit after it is due (or
when someone asks): the region cannot have changed in between, so the figure is exact without a
timer. Retained characters are the characters of the accepted text still found, in order, in
the region's current text (difflib's matching blocks), so retyping or reformatting around the
text does not count against it, and deleting or rewriting it does.
"""

from __future__ import annotations

import difflib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from codestral_ls.documents import Document, split_lines

CHECKPOINTS: tuple[tuple[str, float], ...] = (("30s", 30.0), ("2m", 120.0), ("10m", 600.0))
MAX_REGIONS = 200  # accepted suggestions tracked at once (the oldest goes first)
# The region's text is compared up to this multiple of the accepted text (+ a margin): a user
# who types a whole function inside it does not make a checkpoint expensive.
GROWTH_LIMIT = 4

Pos = tuple[int, int]  # (line, index into the line)


@dataclass
class Region:
    key: str
    uri: str
    start: Pos
    end: Pos
    text: str
    accepted_at: float
    group: tuple[str, str]  # (language, route)
    measured: dict[str, int] = field(default_factory=dict)  # checkpoint -> retained chars


def end_of(start: Pos, text: str) -> Pos:
    pieces = split_lines(text)
    if len(pieces) == 1:
        return start[0], start[1] + len(pieces[0])
    return start[0] + len(pieces) - 1, len(pieces[-1])


def retained_chars(accepted: str, current: str) -> int:
    limit = GROWTH_LIMIT * len(accepted) + 200
    matcher = difflib.SequenceMatcher(None, accepted, current[:limit], autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


class Retention:
    def __init__(
        self,
        clock: Callable[[], float],
        on_measure: Callable[[Region, str, int], None] = lambda region, label, kept: None,
    ) -> None:
        self._clock = clock
        self._on_measure = on_measure
        self._regions: OrderedDict[str, Region] = OrderedDict()
        self._by_uri: dict[str, dict[str, Region]] = {}
        self._next_due: dict[str, float] = {}  # per document: the earliest unmeasured checkpoint
        # per group, per checkpoint: [retained chars, accepted chars, measured count]
        self.totals: dict[tuple[str, str], dict[str, list[int]]] = {}

    def track(self, key: str, doc: Document, start: Pos, text: str, group: tuple[str, str]) -> None:
        """Follow ``text``, accepted at ``start`` of ``doc``. Tracking the same key again (a
        partial accept that grew) replaces the region, keeping the time of the first accept."""
        if not text:
            return
        old = self._drop(key)
        at = old.accepted_at if old is not None else self._clock()
        region = Region(key, doc.uri, start, end_of(start, text), text, at, group)
        self._regions[key] = region
        self._by_uri.setdefault(doc.uri, {})[key] = region
        due = at + CHECKPOINTS[0][1]
        self._next_due[doc.uri] = min(self._next_due.get(doc.uri, due), due)
        while len(self._regions) > MAX_REGIONS:
            self._drop(next(iter(self._regions)))

    def before_edit(self, doc: Document) -> None:
        """Measure this document's due checkpoints on the text as it is before an edit."""
        regions = self._by_uri.get(doc.uri)
        if regions and self._clock() >= self._next_due.get(doc.uri, 0.0):
            self._measure_due(doc, list(regions.values()))

    def edited(self, uri: str, span: tuple[Pos, Pos] | None, new_text: str) -> None:
        """Move this document's regions for one applied edit (``span`` in the text before it;
        None: the whole text was replaced, and positions are kept as they were)."""
        regions = self._by_uri.get(uri)
        if not regions or span is None:
            return
        s, e = span
        new_end = end_of(s, new_text)
        for region in regions.values():
            region.start, region.end = _move(region.start, region.end, s, e, new_end)

    def sweep(self, docs: Callable[[str], Document | None]) -> None:
        """Measure every due checkpoint (status, the periodic sweep)."""
        for uri, regions in list(self._by_uri.items()):
            doc = docs(uri)
            if doc is None:
                self.forget_document(uri)
            else:
                self._measure_due(doc, list(regions.values()))

    def forget_document(self, uri: str) -> None:
        """A closed document: what was not measured yet never will be."""
        for key in list(self._by_uri.get(uri, {})):
            self._drop(key)

    def report(
        self, group: tuple[str, str] | None = None
    ) -> dict[str, dict[str, float | int | None]]:
        """Per checkpoint: retained share of accepted characters and how many were measured."""
        sums: dict[str, list[int]] = {label: [0, 0, 0] for label, _ in CHECKPOINTS}
        for g, per in self.totals.items():
            if group is not None and g != group:
                continue
            for label, (kept, total, count) in per.items():
                acc = sums[label]
                acc[0] += kept
                acc[1] += total
                acc[2] += count
        return {
            label: {"share": round(kept / total, 3) if total else None, "measured": count}
            for label, (kept, total, count) in sums.items()
        }

    def _measure_due(self, doc: Document, regions: list[Region]) -> None:
        now = self._clock()
        next_due = float("inf")
        for region in regions:
            for label, after in CHECKPOINTS:
                if label in region.measured or now < region.accepted_at + after:
                    continue
                current = _region_text(doc, region)
                kept = retained_chars(region.text, current)
                region.measured[label] = kept
                per = self.totals.setdefault(region.group, {})
                acc = per.setdefault(label, [0, 0, 0])
                acc[0] += kept
                acc[1] += len(region.text)
                acc[2] += 1
                self._on_measure(region, label, kept)
            if len(region.measured) == len(CHECKPOINTS):
                self._drop(region.key)
                continue
            pending = (
                region.accepted_at + after
                for label, after in CHECKPOINTS
                if label not in region.measured
            )
            next_due = min(next_due, *pending)
        self._next_due[doc.uri] = next_due

    def _drop(self, key: str) -> Region | None:
        region = self._regions.pop(key, None)
        if region is not None:
            regions = self._by_uri.get(region.uri)
            if regions is not None:
                regions.pop(key, None)
                if not regions:
                    del self._by_uri[region.uri]
                    self._next_due.pop(region.uri, None)
        return region


def _region_text(doc: Document, region: Region) -> str:
    last = len(doc.lines) - 1
    start = _clamp(doc, region.start, last)
    end = max(start, _clamp(doc, region.end, last))
    # Never more lines than the region can usefully hold: bounded by the accepted text.
    cap_lines = GROWTH_LIMIT * (region.text.count("\n") + 1) + 4
    if end[0] - start[0] > cap_lines:
        end = (start[0] + cap_lines, 0)
    return doc.text_between(start, end)


def _clamp(doc: Document, pos: Pos, last: int) -> Pos:
    line = min(max(pos[0], 0), last)
    content = doc.lines[line].rstrip("\r\n")
    return line, min(max(pos[1], 0), len(content))


def _move(start: Pos, end: Pos, s: Pos, e: Pos, new_end: Pos) -> tuple[Pos, Pos]:
    """The region [start, end) after [s, e) was replaced by text ending at ``new_end``.
    Text inserted at the region's start or end stays outside it; text replacing part of it
    joins it."""

    def after(p: Pos) -> Pos:  # a position at or after the edit's end
        if p[0] == e[0]:
            return new_end[0], new_end[1] + p[1] - e[1]
        return p[0] + new_end[0] - e[0], p[1]

    if start >= e:
        new_start = after(start)
    elif start > s:
        new_start = s
    else:
        new_start = start
    if end <= s:
        new_end_pos = end
    elif end >= e:
        new_end_pos = after(end)
    else:
        new_end_pos = new_end
    return new_start, max(new_start, new_end_pos)
