"""The functional core of computed traits: fold one profile's events into trait values.

Pure: rows in (as the repo reads them), values out, ``now`` passed in. An order is the latest
version of its ``order_id`` among the profile's order events (``Order Completed``, then
``Order Updated``/``Cancelled``/``Refunded``), placed when its first version was; a till order
is an order like any other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from omniweave.core.time import iso
from omniweave.profiles.traits_model import ORDER_EVENTS, Catalog, TraitDefinition

CANCELLED_EVENTS = ("Order Cancelled", "Order Refunded")
CANCELLED_STATUSES = ("cancelled", "returned", "refunded")
_CHANNEL_PREFIXES = (("Email ", "email"), ("Push ", "push"), ("SMS ", "sms"))
_IDS_SHOWN = 10  # event ids a value names as its evidence (the latest ones)


@dataclass(frozen=True)
class Record:
    """One order or one event, as the paths of a definition see it."""

    event_id: int
    at: datetime
    fields: Mapping[str, Any]
    is_order: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class History:
    """A profile's orders and the events definitions read, by name."""

    orders: tuple[Record, ...] = ()
    events: Mapping[str, tuple[Record, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TraitValue:
    """A computed value and what it was computed from."""

    value: Any
    basis: dict[str, Any]


def channel_of(event: str, properties: Mapping[str, Any], source_kind: str | None) -> str | None:
    """Where a touch happened: an order's own channel, the medium of a message event (email,
    push, sms), else the kind of source that sent it (site, app, pos, ...)."""
    if event in ORDER_EVENTS and properties.get("channel"):
        return str(properties["channel"])
    for prefix, channel in _CHANNEL_PREFIXES:
        if event.startswith(prefix):
            return channel
    return source_kind


def history_of(rows: Iterable[Mapping[str, Any]]) -> History:
    """Rows with id, event, timestamp, properties, context, source, source_kind."""
    ordered = sorted(rows, key=lambda r: (r["timestamp"], r["id"]))
    versions: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    events: dict[str, list[Record]] = defaultdict(list)
    for row in ordered:
        properties = row.get("properties") or {}
        if row["event"] in ORDER_EVENTS:
            versions[str(properties.get("order_id") or f"#{row['id']}")].append(row)
        else:
            events[row["event"]].append(_record(row, row["timestamp"]))
    orders = []
    for found in versions.values():
        latest = found[-1]
        status = str((latest.get("properties") or {}).get("status") or "").lower()
        cancelled = latest["event"] in CANCELLED_EVENTS or status in CANCELLED_STATUSES
        orders.append(_record(latest, found[0]["timestamp"], is_order=True, cancelled=cancelled))
    orders.sort(key=lambda r: (r.at, r.event_id))
    return History(tuple(orders), {name: tuple(found) for name, found in events.items()})


def compute_all(catalog: Catalog, history: History, now: datetime) -> dict[str, TraitValue]:
    return {d.name: compute(d, history, now) for d in catalog.definitions}


def compute(definition: TraitDefinition, history: History, now: datetime) -> TraitValue:
    """One trait's value on one history, as of ``now``."""
    records = select(definition, history, now)
    items = [
        (record, element)
        for record in records
        for element in _elements(record, definition.each)
        if element is not None
    ]
    if definition.aggregation == "rfm":
        value: Any = _rfm_inputs(records)
    elif definition.group_by is None:
        value = aggregate(definition, items)
    else:
        groups: dict[str, list[tuple[Record, Any]]] = defaultdict(list)
        for record, element in items:
            key = lookup(element, definition.group_by)
            if key is not None:
                groups[str(key)].append((record, element))
        value = {key: aggregate(definition, groups[key]) for key in sorted(groups)}
    return TraitValue(value, _basis(definition, records, items))


def select(definition: TraitDefinition, history: History, now: datetime) -> list[Record]:
    """The records a definition reads, in time order: its source, filters and window."""
    source = definition.source
    found: list[Record] = []
    if source.orders:
        found += [o for o in history.orders if source.include_cancelled or not o.cancelled]
    for name in source.events:
        found += history.events.get(name, ())
    since = now - timedelta(days=definition.window.days) if definition.window.days else None
    return sorted(
        (r for r in found if (since is None or r.at >= since) and _matches(r.fields, source.where)),
        key=lambda r: (r.at, r.event_id),
    )


def aggregate(definition: TraitDefinition, items: list[tuple[Record, Any]]) -> Any:
    kind = definition.aggregation
    if kind == "count":
        return len(items)
    if kind == "days_since":
        return iso(max(r.at for r, _ in items)) if items else None
    values = [(r, lookup(e, definition.value)) for r, e in items]
    values = [(r, v) for r, v in values if v is not None]
    if kind in ("first", "last"):
        return (values[0] if kind == "first" else values[-1])[1] if values else None
    if kind == "distinct_count":
        return len({_key(v) for _, v in values})
    if kind == "most_frequent":
        return most_frequent(definition, items)
    numbers = [n for n in (number(v) for _, v in values) if n is not None]
    if kind == "sum":
        return round(sum(numbers), 2)
    if not numbers:
        return None
    if kind == "avg":
        return round(sum(numbers) / len(numbers), 2)
    return max(numbers) if kind == "max" else min(numbers)


def most_frequent(definition: TraitDefinition, items: list[tuple[Record, Any]]) -> Any:
    """The mode, weighted; ties go to the latest seen (or earliest, or smallest value)."""
    tally = _tally(definition, items)
    if not tally:
        return None
    best = max(entry[0] for entry in tally.values())
    tied = [key for key, entry in tally.items() if entry[0] == best]
    if definition.tie_break == "latest":
        chosen = max(tied, key=lambda k: tally[k][2])
    elif definition.tie_break == "earliest":
        chosen = min(tied, key=lambda k: tally[k][1])
    else:
        chosen = min(tied)
    return tally[chosen][3]


def _tally(definition: TraitDefinition, items: list[tuple[Record, Any]]) -> dict[str, list]:
    """value key -> [weight, first seen, last seen, value]."""
    tally: dict[str, list] = {}
    for record, element in items:
        value = lookup(element, definition.value)
        if value is None:
            continue
        weight = number(lookup(element, definition.weight)) if definition.weight else 1.0
        seen = (record.at, record.event_id)
        entry = tally.setdefault(_key(value), [0.0, seen, seen, value])
        entry[0] += max(weight if weight is not None else 1.0, 0.0)
        entry[2] = max(entry[2], seen)
    return tally


def lookup(obj: Any, path: str | None) -> Any:
    """The value at a dotted path, or None where any step is missing."""
    if path is None:
        return obj
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _record(
    row: Mapping[str, Any], at: datetime, is_order: bool = False, cancelled: bool = False
) -> Record:
    properties = row.get("properties") or {}
    fields = {
        "event": row["event"],
        "channel": channel_of(row["event"], properties, row.get("source_kind")),
        "source": row.get("source"),
        "source_kind": row.get("source_kind"),
        "timestamp": iso(row["timestamp"]),
        "properties": properties,
        "context": row.get("context") or {},
    }
    return Record(row["id"], at, fields, is_order, cancelled)


def _elements(record: Record, each: str | None) -> list[Any]:
    if each is None:
        return [record.fields]
    found = lookup(record.fields, each)
    return list(found) if isinstance(found, list) else []


def _matches(fields: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    for path, expected in where.items():
        actual = lookup(fields, path)
        if isinstance(expected, list) and actual not in expected:
            return False
        if not isinstance(expected, list) and actual != expected:
            return False
    return True


def _rfm_inputs(records: list[Record]) -> dict[str, Any] | None:
    """Recency (the last order), frequency and monetary value; scored against the workspace's
    quintiles by ``rfm.score``."""
    if not records:
        return None
    revenue = [number(lookup(r.fields, "properties.revenue")) for r in records]
    return {
        "last_order_at": iso(records[-1].at),
        "frequency": len(records),
        "monetary": round(sum(n for n in revenue if n is not None), 2),
    }


def _basis(definition: TraitDefinition, records: list[Record], items: list) -> dict[str, Any]:
    basis: dict[str, Any] = {
        "orders": sum(r.is_order for r in records),
        "events": sum(not r.is_order for r in records),
        "eventIds": [r.event_id for r in records[-_IDS_SHOWN:]][::-1],
    }
    if definition.each:
        basis["items"] = len(items)
    if definition.aggregation == "most_frequent":
        tally = _tally(definition, items)
        top = sorted(tally.values(), key=lambda e: (-e[0], _key(e[3])))[:5]
        basis["tally"] = {_key(e[3]): round(e[0], 3) for e in top}
    return basis


def _key(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)
