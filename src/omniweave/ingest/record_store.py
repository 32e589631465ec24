"""Customers and orders in batches: one transaction for many records, each validated on its own.

``prepare_*`` are pure (record -> event row); ``write_*`` append the rows and upsert the latest
state. A later version of a record never loses to an earlier one: the upsert keeps the row
whose time is newer, and within a batch the last of several versions of one key wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, select

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.core.time import as_utc
from omniweave.ingest.records import (
    ORDER_EVENTS,
    CustomerRecord,
    OrderRecord,
    customer_event,
    order_event,
)
from omniweave.ingest.repo import append_events
from omniweave.ingest.rows import Envelope, Limits, event_rows
from omniweave.ingest.segment import pydantic_errors
from omniweave.store.dialect import Dialect
from omniweave.store.tables import customer_records, orders


@dataclass(frozen=True)
class RecordOutcome:
    id: str
    status: str  # created | updated | unchanged
    message_id: str
    event: str


@dataclass
class Prepared:
    record: Any
    row: dict[str, Any]
    # Set by the privacy guard when the record carries an erased person's identifier: the
    # token its own id becomes; its personal fields are then not stored.
    erased: str | None = None


def validate(model: type[BaseModel], payload: Any) -> Any:
    if not isinstance(payload, dict):
        raise InvalidInput.one("body", "must be a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput(pydantic_errors(exc)) from None


def prepare_customer(payload: Any, envelope: Envelope, limits: Limits) -> Prepared:
    record = validate(CustomerRecord, payload)
    message = customer_event(record, envelope.received_at)
    return Prepared(record, _row(message, envelope, limits, "updatedAt"))


def prepare_order(payload: Any, envelope: Envelope, limits: Limits) -> Prepared:
    record = validate(OrderRecord, payload)
    message = order_event(record, first_seen=True, received_at=envelope.received_at)
    when = "updatedAt" if record.updatedAt else "placedAt"
    return Prepared(record, _row(message, envelope, limits, when))


def _row(message: dict, envelope: Envelope, limits: Limits, time_field: str) -> dict[str, Any]:
    """The record's event row; an error about the derived timestamp names the record's own
    time field, which is what the caller sent."""
    try:
        (row,) = event_rows([message], envelope, limits, "")
    except InvalidInput as exc:
        exc.errors[:] = [
            FieldError(time_field, e.message) if e.field == "timestamp" else e for e in exc.errors
        ]
        raise
    return row


def write_customers(
    conn: Connection, dialect: Dialect, prepared: list[Prepared]
) -> tuple[list[RecordOutcome], set]:
    if not prepared:
        return [], set()
    source_id = prepared[0].row["source_id"]
    ids = {p.record.customerId for p in prepared}
    known = set(
        conn.execute(
            select(customer_records.c.external_id).where(
                customer_records.c.source_id == source_id,
                customer_records.c.external_id.in_(ids),
            )
        ).scalars()
    )
    new = append_events(conn, dialect, _unique_rows(prepared))
    states = _newest(_customer_state(p) for p in prepared)
    conn.execute(
        dialect.upsert(
            customer_records,
            ("source_id", "external_id"),
            ("identifiers", "traits", "updated_at", "message_id"),
            only_if_not_older="updated_at",
            only_if_changed="message_id",
        ),
        states,
    )
    return _outcomes(prepared, new, known, lambda r: r.customerId, lambda _p: "identify"), new


def write_orders(
    conn: Connection, dialect: Dialect, prepared: list[Prepared]
) -> tuple[list[RecordOutcome], set]:
    if not prepared:
        return [], set()
    workspace_id = prepared[0].row["workspace_id"]
    ids = {p.record.orderId for p in prepared}
    known = set(
        conn.execute(
            select(orders.c.order_id).where(
                orders.c.workspace_id == workspace_id, orders.c.order_id.in_(ids)
            )
        ).scalars()
    )
    seen = set(known)
    for p in prepared:  # the first version ever seen is "Order Completed", later ones updates
        if p.record.status not in ORDER_EVENTS:
            p.row["event"] = "Order Updated" if p.record.orderId in seen else "Order Completed"
        seen.add(p.record.orderId)
    new = append_events(conn, dialect, _unique_rows(prepared))
    states = _newest(_order_state(p) for p in prepared)
    conn.execute(
        dialect.upsert(
            orders,
            ("workspace_id", "order_id"),
            ORDER_STATE_COLUMNS,
            only_if_not_older="updated_at",
            only_if_changed="message_id",
        ),
        states,
    )
    return _outcomes(prepared, new, known, lambda r: r.orderId, lambda p: p.row["event"]), new


def _newest(states: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One state per record key (a statement may touch a row once): the newest."""
    newest: dict[tuple, dict[str, Any]] = {}
    for state in states:
        key = (state["source_id"], state.get("external_id"), state.get("order_id"))
        if "order_id" in state:
            key = (state["workspace_id"], None, state["order_id"])
        if key not in newest or newest[key]["updated_at"] <= state["updated_at"]:
            newest[key] = state
    return list(newest.values())


def _unique_rows(prepared: list[Prepared]) -> list[dict[str, Any]]:
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for p in prepared:
        rows.setdefault((p.row["source_id"], p.row["message_id"]), p.row)
    return list(rows.values())


def _outcomes(prepared, new, known, key, event) -> list[RecordOutcome]:
    found = []
    claimed: set = set()
    existed = set(known)
    for p in prepared:
        row_key = (p.row["source_id"], p.row["message_id"])
        fresh = row_key in new and row_key not in claimed
        claimed.add(row_key)
        record_id = key(p.record)
        status = "unchanged" if not fresh else ("updated" if record_id in existed else "created")
        existed.add(record_id)
        found.append(RecordOutcome(record_id, status, p.row["message_id"], event(p)))
    return found


def _customer_state(p: Prepared) -> dict[str, Any]:
    record: CustomerRecord = p.record
    if p.erased:
        return {
            "workspace_id": p.row["workspace_id"],
            "source_id": p.row["source_id"],
            "external_id": p.erased,
            "identifiers": {},
            "traits": {},
            "updated_at": p.row["timestamp"],
            "message_id": p.row["message_id"],
        }
    return {
        "workspace_id": p.row["workspace_id"],
        "source_id": p.row["source_id"],
        "external_id": record.customerId,
        "identifiers": record.model_dump(
            mode="json",
            include={"userId", "email", "phone", "loyaltyCard", "crmId", "identifiers"},
            exclude_none=True,
        ),
        "traits": record.traits,
        "updated_at": p.row["timestamp"],
        "message_id": p.row["message_id"],
    }


ORDER_STATE_COLUMNS = (
    "source_id",
    "status",
    "payment_status",
    "channel",
    "store",
    "pickup_store",
    "currency",
    "total",
    "customer",
    "lines",
    "placed_at",
    "updated_at",
    "message_id",
)


def _order_state(p: Prepared) -> dict[str, Any]:
    record: OrderRecord = p.record
    customer = record.customer.model_dump(mode="json", exclude_none=True)
    if record.anonymousId:
        customer["anonymousId"] = record.anonymousId
    if p.erased:
        customer = {}
    return {
        "workspace_id": p.row["workspace_id"],
        "source_id": p.row["source_id"],
        "order_id": record.orderId,
        "status": record.status,
        "payment_status": record.paymentStatus,
        "channel": record.channel,
        "store": record.store,
        "pickup_store": record.pickupStore,
        "currency": record.currency,
        "total": record.computed_total(),
        "customer": customer,
        "lines": [ln.model_dump(mode="json") for ln in record.lines],
        "placed_at": as_utc(record.placedAt) if record.placedAt else p.row["timestamp"],
        "updated_at": p.row["timestamp"],
        "message_id": p.row["message_id"],
    }
