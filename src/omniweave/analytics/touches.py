"""A person's touchpoints and conversions, and the paths they make (pure).

A touch is a visit that carried UTM parameters (``context.campaign``: its medium, else its
source, is the channel; its name the campaign), a message sent (its channel; the campaign or
journey that sent it), opened or clicked, a store visit (a ``Store Visited`` track), or an
order placed in a store (channel ``pos``). A conversion is a paid order. The touches up to and
including a conversion's moment make its path; the touches after the last conversion make an
open path (not converted, yet). Opens and clicks show on the person's path but are not touches
of their own for attribution (the message they belong to already is one).

The batch SQL (``paths_sql``) follows the same rules; a test holds the two to the same paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STORE_VISIT = "Store Visited"
VISIT_TYPES = ("page", "track", "screen")
ATTRIBUTED_KINDS = ("visit", "message", "store_visit", "store_order")
NO_TOUCH = "(direct)"  # a conversion with no touch before it


@dataclass(frozen=True)
class Touch:
    at: datetime
    kind: str  # visit | message | opened | clicked | store_visit | store_order
    channel: str
    campaign: str | None
    seq: int  # the event, message or order row: ties at the same moment sort by it
    detail: dict[str, Any] = field(default_factory=dict)

    def label(self, by: str) -> str:
        """What attribution calls this touch: its channel, or its campaign (else channel)."""
        raw = (self.campaign or self.channel) if by == "campaign" else self.channel
        return clean_label(raw)


@dataclass(frozen=True)
class Conversion:
    at: datetime
    order_id: str
    revenue: float
    channel: str
    seq: int  # the order row: conversions at the same moment sort by it


def clean_label(raw: str) -> str:
    """Labels are joined with ``>`` in path tables: a ``>`` inside one becomes ``›``."""
    return raw.replace(">", "›").strip() or NO_TOUCH


def visit_touch(
    event_id: int,
    at: datetime,
    kind: str,
    name: str | None,
    context: Mapping[str, Any] | None,
    properties: Mapping[str, Any] | None,
) -> Touch | None:
    """The touch an event is, if it is one (a UTM-tagged visit or a store visit)."""
    if kind == "track" and name == STORE_VISIT:
        store = (properties or {}).get("store")
        return Touch(at, "store_visit", "store", str(store) if store else None, event_id)
    campaign = (context or {}).get("campaign")
    if kind not in VISIT_TYPES or not isinstance(campaign, Mapping):
        return None
    medium, source = _text(campaign.get("medium")), _text(campaign.get("source"))
    if not (medium or source):
        return None
    detail = {"source": source, "medium": medium, "event": name or kind}
    return Touch(
        at, "visit", (medium or source).lower(), _text(campaign.get("name")), event_id, detail
    )


def message_touches(row: Mapping[str, Any]) -> list[Touch]:
    """A sent message's touch, and its open and click when they happened."""
    if row["sent_at"] is None or not row["channel"]:
        return []
    detail = {"messageId": row["id"], "origin": row["origin"], "step": row["step"]}
    found = [
        Touch(row["sent_at"], "message", row["channel"], row["origin_name"], row["id"], detail)
    ]
    for kind in ("opened", "clicked"):
        if row[f"{kind}_at"] is not None:
            found.append(
                Touch(
                    row[f"{kind}_at"], kind, row["channel"], row["origin_name"], row["id"], detail
                )
            )
    return found


def store_order_touch(order: Mapping[str, Any], seq: int) -> Touch | None:
    if order["channel"] != "pos":
        return None
    store = order.get("store")
    return Touch(
        order["placed_at"], "store_order", "store", store, seq, {"orderId": order["order_id"]}
    )


def paths(
    touches: Iterable[Touch], conversions: Iterable[Conversion], kinds: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Each conversion with the touches since the one before, then the open path."""
    ordered = sorted(
        (t for t in touches if kinds is None or t.kind in kinds),
        key=lambda t: (t.at, t.kind, t.seq),
    )
    found, i = [], 0
    for conversion in sorted(conversions, key=lambda c: (c.at, c.seq)):
        start = i
        while i < len(ordered) and ordered[i].at <= conversion.at:
            i += 1
        found.append({"touches": ordered[start:i], "conversion": conversion})
    if i < len(ordered):
        found.append({"touches": ordered[i:], "conversion": None})
    return found


def path_labels(touches: Sequence[Touch], by: str) -> tuple[str, ...]:
    return tuple(t.label(by) for t in touches) or (NO_TOUCH,)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None
