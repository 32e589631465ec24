"""Membership decisions, pure: who enters, who exits, whose stay a merge carries over, and the
``Segment Entered`` / ``Segment Exited`` messages that announce them.

A merge is one person continuing under the survivor's id: a merged member's stay moves to the
survivor when the survivor qualifies (no event: nobody entered), and ends with an exit event
under the merged id when the person as a whole no longer qualifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

ENTERED = "Segment Entered"
EXITED = "Segment Exited"

Kind = Literal["enter", "exit", "carry", "close"]


@dataclass(frozen=True)
class Stay:
    """A member's open stay: its entry number and since when."""

    entry: int
    entered_at: datetime


@dataclass(frozen=True)
class Change:
    """``enter``/``exit`` are announced; ``carry`` opens the survivor's stay from a merged
    member's (``source``) and ``close`` ends a merged member's stay, both silently."""

    kind: Kind
    profile_id: str
    entry: int  # the stay opened (enter, carry) or closed (exit, close)
    reason: str | None = None  # why a stay ended: left | merged
    source: str | None = None  # carry: the merged profile; exit of a merged id: its survivor
    entered_at: datetime | None = None  # carry: when the merged member entered


def decide(
    candidates: Mapping[str, str | None],
    open_stays: Mapping[str, Stay],
    entries: Mapping[str, int],
    found: Iterable[str],
) -> list[Change]:
    """The changes that make the open stays among ``candidates`` equal ``found``.

    ``candidates`` maps each re-evaluated profile id to the live profile it resolves to (itself
    when live, None when unknown); ``entries`` says how many stays each profile had so far.
    """
    found = set(found)
    changes: list[Change] = []
    carried: set[str] = set()
    for profile_id in sorted(p for p, root in candidates.items() if root == p):
        if profile_id in found and profile_id not in open_stays:
            entry = entries.get(profile_id, 0) + 1
            merged = _merged_members(profile_id, candidates, open_stays)
            if merged:
                first = min(merged, key=lambda m: (open_stays[m].entered_at, m))
                carried.add(first)
                changes.append(
                    Change(
                        "carry",
                        profile_id,
                        entry,
                        source=first,
                        entered_at=open_stays[first].entered_at,
                    )
                )
            else:
                changes.append(Change("enter", profile_id, entry))
        elif profile_id not in found and profile_id in open_stays:
            changes.append(Change("exit", profile_id, open_stays[profile_id].entry, "left"))
    for profile_id in sorted(p for p, root in candidates.items() if root != p):
        if profile_id not in open_stays:
            continue
        root = candidates[profile_id]
        stay = open_stays[profile_id].entry
        if profile_id in carried or (root is not None and root in found):
            changes.append(Change("close", profile_id, stay, "merged", source=root))
        else:
            changes.append(Change("exit", profile_id, stay, "merged", source=root))
    return changes


def _merged_members(
    root: str, candidates: Mapping[str, str | None], open_stays: Mapping[str, Stay]
) -> list[str]:
    return [p for p, r in candidates.items() if r == root and p != root and p in open_stays]


def message_for(segment: str, change: Change, now: datetime, target: dict[str, Any]) -> dict:
    """The Segment-spec track message announcing an ``enter`` or ``exit``; its ``messageId``
    is fixed by segment, profile and entry, so re-running a batch never doubles it.
    ``target`` holds the identifier fields that attribute it to the profile."""
    entered = change.kind == "enter"
    properties: dict[str, Any] = {
        "segment": segment,
        "profile_id": change.profile_id,
        "entry": change.entry,
    }
    if not entered:
        properties["reason"] = change.reason
        if change.source is not None:
            properties["merged_into"] = change.source
    verb = "entered" if entered else "exited"
    return {
        "type": "track",
        "event": ENTERED if entered else EXITED,
        "messageId": f"segment-{verb}:{segment}:{change.profile_id}:{change.entry}",
        "timestamp": now.isoformat(),
        "properties": properties,
        **target,
    }


def target_for(profile_id: str, identifiers: list[tuple[str, str]]) -> dict[str, Any]:
    """Identifier fields that attribute an emitted event to the profile through one identity
    it already has, so the resolver neither founds a profile nor merges any: the user id, an
    anonymous id, else an external id. (A source-scoped ``customer_id`` cannot be re-sent as
    it is.) A profile with none of those is named by its id as ``anonymousId``."""
    by_type: dict[str, str] = {}
    for kind, value in identifiers:
        by_type.setdefault(kind, value)
    if "user_id" in by_type:
        return {"userId": by_type["user_id"]}
    if "anonymous_id" in by_type:
        return {"anonymousId": by_type["anonymous_id"]}
    for kind, value in identifiers:
        if kind != "customer_id":
            return {"context": {"externalIds": [{"type": kind, "id": value}]}}
    return {"anonymousId": profile_id}
