"""What became of each suggestion shown: accepted, partly accepted, typed through or dismissed.

A suggestion is *pending* once shown. It is *dismissed* when the next suggestion is shown in the
same document (or DISMISS_AFTER_SECONDS pass) without an accept, *typed through* when that next
suggestion is the rest of it because the user typed its start, *accepted* on
``codestral.acceptCompletion`` and *partly accepted* on ``codestral.partialAccept`` (a word or a
line of it; VS Code and the Neovim plugin report these). An accept that arrives late (after the
editor already asked for the next suggestion) still wins over dismissed: the counts always show
each suggestion's latest outcome. A suggestion shown early (``codestral_ls/early.py``) and then
shown whole at the same place is one suggestion.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["pending", "accepted", "partial", "typed_through", "dismissed"]
OUTCOMES: tuple[Outcome, ...] = ("pending", "accepted", "partial", "typed_through", "dismissed")
COUNT_NAMES = {
    "pending": "pending",
    "accepted": "accepted",
    "partial": "partlyAccepted",
    "typed_through": "typedThrough",
    "dismissed": "dismissed",
}
DISMISS_AFTER_SECONDS = 30.0
REMEMBERED = 1000  # suggestions whose outcome can still change (an accept arriving late)


@dataclass
class Suggestion:
    id: str
    uri: str
    language: str
    route: str
    trace_id: str | None
    text: str
    line: int
    index: int
    shown_at: float
    outcome: Outcome = "pending"
    accepted_chars: int = 0
    closed: bool = False  # no longer waiting for an accept (feedback sent for what it is)


Group = tuple[str, str]  # (language, route)


class Outcomes:
    def __init__(
        self,
        clock: Callable[[], float],
        on_closed: Callable[[Suggestion], None] = lambda s: None,
    ) -> None:
        self._clock = clock
        self._on_closed = on_closed
        self._items: OrderedDict[str, Suggestion] = OrderedDict()
        self._pending_by_uri: dict[str, str] = {}
        self.counts: dict[Group, dict[str, int]] = {}
        self.chars: dict[Group, dict[str, int]] = {}

    def shown(self, item: Suggestion, continues_previous: bool = False) -> None:
        """A new suggestion is on screen; the one before it in that document is over
        (typed through when ``continues_previous``, else dismissed unless accepted)."""
        previous = self._pending_by_uri.get(item.uri)
        if previous is not None and previous in self._items:
            old = self._items[previous]
            if _grew_into(old, item):
                self._forget(old)
            else:
                if old.outcome == "pending":
                    self._set(old, "typed_through" if continues_previous else "dismissed")
                self._close(old)
        self._items[item.id] = item
        self._pending_by_uri[item.uri] = item.id
        group = (item.language, item.route)
        self._count(group)["shown"] += 1
        self._count(group)["pending"] += 1
        self._chars(group)["shown"] += len(item.text)
        while len(self._items) > REMEMBERED:
            _, oldest = self._items.popitem(last=False)
            self._close(oldest)
        self.sweep()

    def accept(self, item_id: str) -> Suggestion | None:
        item = self._items.get(item_id)
        if item is None or item.outcome == "accepted":
            return None
        self._accept_chars(item, len(item.text))
        self._set(item, "accepted")
        self._close(item)
        return item

    def partial(self, item_id: str, length: int) -> Suggestion | None:
        """``length``: how much of the suggestion's text is accepted so far (cumulative)."""
        item = self._items.get(item_id)
        if item is None or item.outcome == "accepted":
            return None
        length = max(0, min(length, len(item.text)))
        if length >= len(item.text):
            return self.accept(item_id)
        if length <= item.accepted_chars:
            return None
        self._accept_chars(item, length)
        self._set(item, "partial")
        return item

    def sweep(self) -> None:
        """Pending suggestions older than DISMISS_AFTER_SECONDS are dismissed (a partly
        accepted one stays partly accepted and is closed)."""
        cutoff = self._clock() - DISMISS_AFTER_SECONDS
        for item_id in list(self._pending_by_uri.values()):
            item = self._items.get(item_id)
            if item is None or item.closed or item.shown_at > cutoff:
                continue
            if item.outcome == "pending":
                self._set(item, "dismissed")
            self._close(item)

    def get(self, item_id: str) -> Suggestion | None:
        return self._items.get(item_id)

    def report(self, group: Group | None = None) -> dict[str, int]:
        out = {"shown": 0, **{COUNT_NAMES[o]: 0 for o in OUTCOMES}}
        out.update(shownChars=0, acceptedChars=0)
        for g, counts in self.counts.items():
            if group is None or g == group:
                for name, value in counts.items():
                    out[name] += value
                out["shownChars"] += self.chars[g]["shown"]
                out["acceptedChars"] += self.chars[g]["accepted"]
        return out

    def groups(self) -> list[Group]:
        return sorted(self.counts)

    def _forget(self, item: Suggestion) -> None:
        """A suggestion shown early whose whole text replaced it at the same place
        (codestral_ls/early.py): one suggestion, counted once, as the grown one."""
        del self._items[item.id]
        group = (item.language, item.route)
        self._count(group)["shown"] -= 1
        self._count(group)["pending"] -= 1
        self._chars(group)["shown"] -= len(item.text)

    def _set(self, item: Suggestion, outcome: Outcome) -> None:
        counts = self._count((item.language, item.route))
        counts[COUNT_NAMES[item.outcome]] -= 1
        counts[COUNT_NAMES[outcome]] += 1
        item.outcome = outcome

    def _accept_chars(self, item: Suggestion, length: int) -> None:
        self._chars((item.language, item.route))["accepted"] += length - item.accepted_chars
        item.accepted_chars = length

    def _close(self, item: Suggestion) -> None:
        if self._pending_by_uri.get(item.uri) == item.id:
            del self._pending_by_uri[item.uri]
        if not item.closed:
            item.closed = True
            self._on_closed(item)
        elif item.outcome == "accepted":
            self._on_closed(item)  # a late accept of a suggestion already closed as dismissed

    def _count(self, group: Group) -> dict[str, int]:
        if group not in self.counts:
            self.counts[group] = {"shown": 0, **{COUNT_NAMES[o]: 0 for o in OUTCOMES}}
            self.chars[group] = {"shown": 0, "accepted": 0}
        return self.counts[group]

    def _chars(self, group: Group) -> dict[str, int]:
        self._count(group)
        return self.chars[group]


def _grew_into(old: Suggestion, new: Suggestion) -> bool:
    return (
        old.outcome == "pending"
        and (old.line, old.index) == (new.line, new.index)
        and len(new.text) > len(old.text)
        and new.text.startswith(old.text)
    )
