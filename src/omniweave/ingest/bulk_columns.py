"""What the columns of an import CSV mean: each row (or run of order lines) becomes the same
payload the JSON API takes, so one validation decides for both. Pure.

Conventions, for every kind:
- A cell is trimmed; an empty cell is as if its column were absent. Cells stay strings (CSV has
  no types): the record models parse numbers and times from them.
- Known columns are matched loosely: ``customer_id``, ``customerId`` and ``Customer ID`` are one.
- ``id:<type>`` columns are identifiers of that type (``id:vk`` -> ``identifiers["vk"]``).
- Any other column is kept, not dropped: as a trait of a customer (in camelCase, Segment's
  convention for traits: ``first_name`` -> ``firstName``), as a property of an order or an
  event (as named, Segment's convention for properties being snake_case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from typing import Any, Literal

import orjson

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.ingest.bulk_formats import ImportRow

Kind = Literal["customers", "orders", "events"]
KINDS: tuple[str, ...] = ("customers", "orders", "events")
# OrderRecord takes at most 1000 lines; one more is kept so its check refuses the order.
MAX_ORDER_LINES = 1000
IDENTIFIER_PREFIX = "id:"

_CONTACT = {
    "userid": "userId",
    "email": "email",
    "phone": "phone",
    "loyaltycard": "loyaltyCard",
    "crmid": "crmId",
}
_CUSTOMER = {**_CONTACT, "customerid": "customerId", "updatedat": "updatedAt"}
_ORDER = {
    "orderid": "orderId",
    "channel": "channel",
    "store": "store",
    "status": "status",
    "paymentstatus": "paymentStatus",
    "currency": "currency",
    "placedat": "placedAt",
    "updatedat": "updatedAt",
    "anonymousid": "anonymousId",
    "discount": "discount",
    "shipping": "shipping",
    "total": "total",
}
_ORDER_LINE = {
    "sku": "sku",
    "name": "name",
    "category": "category",
    "quantity": "quantity",
    "price": "price",
    "linediscount": "discount",
}
_EVENT = {
    "type": "type",
    "event": "event",
    "name": "name",
    "userid": "userId",
    "anonymousid": "anonymousId",
    "messageid": "messageId",
    "timestamp": "timestamp",
    "originaltimestamp": "originalTimestamp",
    "groupid": "groupId",
    "previousid": "previousId",
    "category": "category",
}
_EVENT_OBJECTS = ("properties", "traits", "context")
_KEY_COLUMN = {"customers": "customer_id", "orders": "order_id"}
_SEPARATORS = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=4096)  # a file has a few column names and millions of cells
def column_key(name: str) -> str:
    """How a known column is recognised: case, spaces, ``_`` and ``-`` do not matter."""
    return _SEPARATORS.sub("", name).lower()


def camel_case(name: str) -> str:
    """``first_name`` -> ``firstName``; a name without separators is kept as written."""
    parts = [p for p in _SEPARATORS.split(name.strip()) if p]
    if len(parts) <= 1:
        return name.strip()
    return parts[0][:1].lower() + parts[0][1:] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def check_header(kind: Kind, header: list[str]) -> None:
    """Refuse a file whose every row would fail for want of its key column."""
    required = _KEY_COLUMN.get(kind)
    if header and required and column_key(required) not in {column_key(n) for n in header}:
        message = f"has no {required} column, which every {kind[:-1]} row needs"
        raise InvalidInput.one("header", message)


def csv_payloads(kind: Kind, rows: Iterable[ImportRow]) -> Iterator[ImportRow]:
    """Each readable row with its ``value`` turned into the kind's JSON payload; for orders, one
    row per order (its lines grouped, the first line's number, ``raw`` the list of lines)."""
    if kind == "orders":
        for group in order_groups(rows):
            yield _order_row(group)
        return
    build = customer_payload if kind == "customers" else event_message
    for row in rows:
        yield row if row.errors else _mapped(row, build, row.value)


def customer_payload(cells: dict[str, str]) -> dict[str, Any]:
    """A ``POST /api/customers`` body from a row."""
    payload: dict[str, Any] = {}
    identifiers: dict[str, str] = {}
    traits: dict[str, str] = {}
    for column, value in _filled(cells):
        known = _CUSTOMER.get(column_key(column))
        if known:
            payload[known] = value
        elif column.startswith(IDENTIFIER_PREFIX):
            identifiers[column[len(IDENTIFIER_PREFIX) :].strip()] = value
        else:
            traits[camel_case(column)] = value
    return {**payload, "identifiers": identifiers, "traits": traits}


def order_groups(rows: Iterable[ImportRow]) -> Iterator[list[ImportRow]]:
    """Adjacent rows with one ``order_id`` are the lines of one order. A later, non-adjacent
    row with that id is another version of the order (a status change, say), as it would be
    arriving through the API. Rows with no readable order id stand alone."""
    group: list[ImportRow] = []
    current: str | None = None
    for row in rows:
        order_id = _order_id(row)
        if group and order_id is not None and order_id == current:
            if len(group) <= MAX_ORDER_LINES:
                group.append(row)
            continue
        if group:
            yield group
        group, current = [row], order_id
    if group:
        yield group


def order_payload(cells: list[dict[str, str]]) -> dict[str, Any]:
    """A ``POST /api/orders`` body from an order's lines. Order columns may be repeated on each
    line or left empty after the first; two different values are refused, not guessed between.

    Raises:
        InvalidInput: an order column differs between the lines.
    """
    order: dict[str, Any] = {}
    customer: dict[str, Any] = {}
    identifiers: dict[str, str] = {}
    properties: dict[str, str] = {}
    lines: list[dict[str, str]] = []
    errors: list[FieldError] = []
    for index, row in enumerate(cells):
        line: dict[str, str] = {}
        for column, value in _filled(row):
            key = column_key(column)
            if key in _ORDER_LINE:
                line[_ORDER_LINE[key]] = value
                continue
            target, name = _order_target(column, key, order, customer, identifiers, properties)
            if target.setdefault(name, value) != value:
                message = f"is {target[name]!r} on the order's first line but {value!r} on line"
                errors.append(FieldError(column, f"{message} {index + 1} of the order"))
        lines.append(line)
    if errors:
        raise InvalidInput(errors)
    return {
        **order,
        "customer": {**customer, "identifiers": identifiers},
        "properties": properties,
        "lines": lines,
    }


def event_message(cells: dict[str, str]) -> dict[str, Any]:
    """A Segment message from a row. ``properties``, ``traits`` and ``context`` cells hold JSON
    objects; ``properties.<key>`` (and ``traits.<key>``, ``context.<key>``) columns add one key
    each, over the JSON cell's. ``type`` defaults to ``track``.

    Raises:
        InvalidInput: a JSON cell is not a JSON object.
    """
    message: dict[str, Any] = {}
    objects: dict[str, dict[str, Any]] = {name: {} for name in _EVENT_OBJECTS}
    folded: dict[str, dict[str, Any]] = {name: {} for name in _EVENT_OBJECTS}
    errors: list[FieldError] = []
    for column, value in _filled(cells):
        key = column_key(column)
        head, dot, rest = column.partition(".")
        if key in _EVENT:
            message[_EVENT[key]] = value
        elif key in objects:
            try:
                objects[key] = _json_object(value)
            except ValueError as exc:
                errors.append(FieldError(column, str(exc)))
        elif dot and head.lower() in folded and rest:
            folded[head.lower()][rest] = value
        else:
            folded["properties"][column] = value
    if errors:
        raise InvalidInput(errors)
    for name in _EVENT_OBJECTS:
        if objects[name] or folded[name]:
            message[name] = {**objects[name], **folded[name]}
    message.setdefault("type", "track")
    return message


def _order_row(group: list[ImportRow]) -> ImportRow:
    first = group[0]
    raw = [row.raw for row in group]
    errors = [
        e if row.line == first.line else FieldError(e.field, f"line {row.line}: {e.message}")
        for row in group
        for e in row.errors
    ]
    if errors:
        return ImportRow(first.line, raw, None, tuple(errors))
    return _mapped(replace(first, raw=raw), order_payload, [row.value for row in group])


def _mapped(row: ImportRow, build: Any, cells: Any) -> ImportRow:
    try:
        return replace(row, value=build(cells))
    except InvalidInput as exc:
        return replace(row, value=None, errors=tuple(exc.errors))


def _order_id(row: ImportRow) -> str | None:
    if not isinstance(row.value, dict):
        return None
    for column, value in row.value.items():
        if column_key(column) == "orderid":
            return value.strip() or None
    return None


def _order_target(column, key, order, customer, identifiers, properties):
    """Which part of the order payload a non-line column fills, and under which name."""
    if key in _ORDER:
        return order, _ORDER[key]
    if key in _CONTACT:
        return customer, _CONTACT[key]
    if column.startswith(IDENTIFIER_PREFIX):
        return identifiers, column[len(IDENTIFIER_PREFIX) :].strip()
    return properties, column


def _filled(cells: dict[str, str]) -> Iterator[tuple[str, str]]:
    for column, cell in cells.items():
        value = cell.strip()
        if column and value:
            yield column, value


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    return value
