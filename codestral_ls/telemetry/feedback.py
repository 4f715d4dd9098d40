"""Portkey feedback payloads for suggestion outcomes: never any code, only what happened.

Sent as ``POST {gateway}/feedback`` with ``{trace_id, value, weight, metadata}`` (value an integer
in [-10, 10], weight a float in [0, 1]) on the trace id of the request that produced the
suggestion, so a team sees acceptance per model and config in Portkey:

* accepted: value 1, weight 1
* partly accepted: value 1, weight = the share of the suggestion's characters accepted
* typed through (the user typed it rather than accepting it): value 1, weight 0.5
* dismissed: value 0, weight 1 (so the weighted mean value is the acceptance rate)
* retained, 10 minutes after an accept: value = round(10 x retained share), weight 1

Metadata values are strings (Portkey indexes string metadata): outcome, language, route,
characters shown/accepted, retained share, and ``_source: codestral-ls``.
"""

from __future__ import annotations

from typing import Any

from codestral_ls.telemetry.outcomes import Suggestion

RETENTION_CHECKPOINT = "10m"


def outcome_payload(item: Suggestion) -> dict[str, Any] | None:
    if not item.trace_id or item.outcome == "pending":
        return None
    shown = len(item.text)
    value, weight = {
        "accepted": (1, 1.0),
        "partial": (1, round(item.accepted_chars / shown, 3) if shown else 0.0),
        "typed_through": (1, 0.5),
        "dismissed": (0, 1.0),
    }[item.outcome]
    return _payload(
        item,
        value,
        weight,
        outcome=item.outcome,
        shownChars=str(shown),
        acceptedChars=str(item.accepted_chars),
    )


def retention_payload(
    item: Suggestion, label: str, kept: int, accepted: int
) -> dict[str, Any] | None:
    if not item.trace_id or label != RETENTION_CHECKPOINT or accepted <= 0:
        return None
    share = kept / accepted
    return _payload(
        item,
        round(10 * share),
        1.0,
        outcome="retained",
        after=label,
        retainedShare=f"{share:.3f}",
        acceptedChars=str(accepted),
    )


def _payload(item: Suggestion, value: int, weight: float, **metadata: str) -> dict[str, Any]:
    return {
        "trace_id": item.trace_id,
        "value": max(-10, min(10, value)),
        "weight": max(0.0, min(1.0, weight)),
        "metadata": {
            **metadata,
            "language": item.language,
            "route": item.route,
            "_source": "codestral-ls",
        },
    }
