"""Orders online and offline: each new version of an order is checked against the status
machine (``order_model``) before it is stored through ingest's record path (the same event
and ``orders`` row as before), and a pickup order holds, releases or converts stock at its
store in the same transaction. ``sweep`` releases holds that expired and cancels their
orders (the worker runs it every round).

Bulk imports of order history (``omniweave import``) and the demo write through ingest
directly: history is what happened, not a request to change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from omniweave.commerce import stock_repo
from omniweave.commerce.announce import Audience, announce, worth_telling
from omniweave.commerce.order_model import Move, move
from omniweave.commerce.stock_model import StockChange, refuse_hold, whole_units
from omniweave.core.errors import Conflict, InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.ingest import metrics
from omniweave.ingest.record_store import Prepared, prepare_order, write_orders
from omniweave.ingest.records import OrderRecord
from omniweave.ingest.rows import Envelope, Limits
from omniweave.store.commerce_tables import order_transitions as ot
from omniweave.store.dialect import Dialect
from omniweave.store.tables import events, orders


@dataclass(frozen=True)
class Recorded:
    order_id: str
    status: str  # created | updated | unchanged (as ingest says)
    message_id: str
    event: str
    move: Move
    reservations: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.order_id,
            "status": self.status,
            "messageId": self.message_id,
            "event": self.event,
            "transition": {
                "from": self.move.before,
                "to": self.move.after,
                "changed": self.move.changed,
                "reason": self.move.reason,
                "stock": self.move.stock,
            },
            "reservations": self.reservations,
        }


class OrderService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        limits: Limits | None = None,
        hold: timedelta = timedelta(hours=48),
        audience: Audience | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.limits = limits or Limits()
        self.hold_for = hold
        self.audience = audience or Audience()

    def record(self, workspace_id: int, source_id: int, payload: Any) -> Recorded:
        """Record an order or a new version of it; a move the status machine refuses is a 409
        naming both statuses, a pickup whose stock cannot be held a 409 naming each line."""
        now = self.clock()
        prepared = prepare_order(payload, Envelope(workspace_id, source_id, now), self.limits)
        with self.engine.begin() as conn:
            return self._record(conn, prepared, now)

    def set_status(
        self,
        workspace_id: int,
        order_id: str,
        status: str,
        payment_status: str | None = None,
        reason: str | None = None,
    ) -> Recorded:
        """Move a stored order to ``status`` (a new version of it, from its own source)."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = _current(conn, self.dialect, workspace_id, order_id)
            if row is None:
                raise NotFound(f"no order {order_id!r}")
            if row.status == status and payment_status in (None, row.payment_status):
                held = stock_repo.reservations(conn, workspace_id, order_id)
                done = Move(status, status, True, False, f"already {status}")
                return Recorded(order_id, "unchanged", row.message_id, "", done, _all(held))
            payload = _version(row, status, payment_status, reason, now)
            envelope = Envelope(workspace_id, row.source_id, now)
            prepared = prepare_order(payload, envelope, self.limits)
            return self._record(conn, prepared, now)

    def history(self, workspace_id: int, order_id: str) -> dict[str, Any]:
        """The order now, every status it went through and why, and its stock holds."""
        with self.engine.connect() as conn:
            row = _current(conn, self.dialect, workspace_id, order_id, lock=False)
            if row is None:
                raise NotFound(f"no order {order_id!r}")
            moves = conn.execute(
                select(ot)
                .where(ot.c.workspace_id == workspace_id, ot.c.order_id == order_id)
                .order_by(ot.c.id)
            ).all()
            held = stock_repo.reservations(conn, workspace_id, order_id)
        return {
            "id": order_id,
            "status": row.status,
            "paymentStatus": row.payment_status,
            "channel": row.channel,
            "store": row.store,
            "pickupStore": row.pickup_store,
            "currency": row.currency,
            "total": float(row.total),
            "lines": row.lines,
            "placedAt": row.placed_at,
            "updatedAt": row.updated_at,
            "transitions": [
                {"from": m.from_status, "to": m.to_status, "reason": m.reason, "at": m.at}
                for m in moves
            ],
            "reservations": [_reservation(r) for r in held],
        }

    def sweep(self, limit: int = 200) -> int:
        """Release pickup holds past their time and cancel their orders; returns how many
        orders were swept. Each order is its own transaction."""
        now = self.clock()
        with self.engine.connect() as conn:
            due = stock_repo.expired(conn, now, limit)
        for r in due:
            reason = f"not collected by {r.expires_at.isoformat()}: the pickup hold expired"
            with self.engine.begin() as conn:
                row = _current(conn, self.dialect, r.workspace_id, r.order_id)
                if row is not None and move(row.status, "cancelled", True).allowed:
                    payload = _version(row, "cancelled", None, reason, now)
                    envelope = Envelope(r.workspace_id, row.source_id, now, origin="commerce")
                    prepared = prepare_order(payload, envelope, self.limits)
                    self._record(conn, prepared, now, reason)
                else:  # the order moved on (or vanished) without settling: free the stock
                    self._settle(conn, r.workspace_id, r.order_id, "release", reason, now)
        return len(due)

    # --- inside ----------------------------------------------------------------------------

    def _record(
        self, conn: Connection, prepared: Prepared, now: datetime, why: str | None = None
    ) -> Recorded:
        record: OrderRecord = prepared.record
        ws, order_id = prepared.row["workspace_id"], record.orderId
        if self.dialect.name == "postgresql":  # a retry racing the original waits, then sees it
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:n, 0))"),
                {"n": f"order:{ws}:{order_id}"},
            )
        current = _current(conn, self.dialect, ws, order_id)
        key = (prepared.row["source_id"], prepared.row["message_id"])
        if _logged(conn, *key):  # a retry of a version already taken: changes nothing
            before = current.status if current is not None else None
            done = Move(before, record.status, True, False, "this version was recorded before")
            held = stock_repo.reservations(conn, ws, order_id)
            return Recorded(order_id, "unchanged", key[1], prepared.row["event"], done, _all(held))
        if current is not None and prepared.row["timestamp"] < current.updated_at:
            # An older version arriving late: history for the log, not a move (the stored
            # order keeps its newer state, as ingest's record path always did).
            return self._stale(conn, prepared, current)
        pickup = record.pickupStore or (current.pickup_store if current is not None else None)
        if current is not None and record.pickupStore != current.pickup_store:
            raise Conflict(
                f"order {order_id}: the pickup store cannot change "
                f"({current.pickup_store} → {record.pickupStore}); cancel it and order again"
            )
        decided = move(current.status if current is not None else None, record.status, bool(pickup))
        if not decided.allowed:
            raise Conflict(f"order {order_id}: {decided.reason}")
        if decided.stock == "hold":
            self._hold(conn, ws, record, now)
        elif decided.stock is not None:
            reason = why or f"order {decided.after}"
            self._settle(conn, ws, order_id, decided.stock, reason, now)
        outcomes, new = write_orders(conn, self.dialect, [prepared])
        metrics.count_outcomes([prepared.row], new)
        (outcome,) = outcomes
        if decided.changed:
            conn.execute(
                self.dialect.insert_ignoring_duplicates(
                    ot, ("workspace_id", "order_id", "message_id")
                ).values(
                    workspace_id=ws,
                    order_id=order_id,
                    from_status=decided.before,
                    to_status=decided.after,
                    reason=why or decided.reason,
                    message_id=outcome.message_id,
                    at=now,
                )
            )
        held = stock_repo.reservations(conn, ws, order_id)
        return Recorded(
            order_id, outcome.status, outcome.message_id, outcome.event, decided, _all(held)
        )

    def _stale(self, conn: Connection, prepared: Prepared, current: Any) -> Recorded:
        record: OrderRecord = prepared.record
        outcomes, new = write_orders(conn, self.dialect, [prepared])
        metrics.count_outcomes([prepared.row], new)
        (outcome,) = outcomes
        when = prepared.row["timestamp"].isoformat()
        reason = (
            f"this version ({record.status} at {when}) is older than the stored one "
            f"({current.status} at {current.updated_at.isoformat()}): logged, not applied"
        )
        done = Move(current.status, record.status, True, False, reason)
        held = stock_repo.reservations(conn, current.workspace_id, record.orderId)
        return Recorded(
            record.orderId, outcome.status, outcome.message_id, outcome.event, done, _all(held)
        )

    def _hold(self, conn: Connection, ws: int, record: OrderRecord, now: datetime) -> None:
        """Hold every line at the pickup store, or nothing (409 naming each short line)."""
        store = record.pickupStore
        place = stock_repo.location(conn, ws, store)
        if place is None:
            raise InvalidInput.one("pickupStore", f"no stock location {store!r}")
        if not place.is_pickup_point:
            raise InvalidInput.one("pickupStore", f"{store} is not a pickup point")
        wanted: dict[str, int] = {}
        for i, line in enumerate(record.lines):
            units = whole_units(line.quantity)
            if units is None:
                raise InvalidInput.one(
                    f"lines[{i}].quantity", "a pickup order holds whole units of stock"
                )
            wanted[line.sku] = wanted.get(line.sku, 0) + units
        levels = stock_repo.levels(conn, self.dialect, ws, store, list(wanted))
        refusals = [
            why
            for sku, units in sorted(wanted.items())
            if (why := refuse_hold(sku, units, levels.get(sku, (None,))[0], store))
        ]
        if not refusals:
            # The read above may be stale under concurrency: the conditional UPDATE decides.
            for sku, units in sorted(wanted.items()):
                if not stock_repo.hold(conn, ws, store, sku, units, now):
                    refusals.append(f"{sku}: {units} wanted, fewer available at {store} now")
                    break
        if refusals:
            raise Conflict(
                f"order {record.orderId}: stock cannot be held at {store}: " + "; ".join(refusals)
            )
        stock_repo.add_reservations(
            conn,
            self.dialect,
            [
                {
                    "workspace_id": ws,
                    "order_id": record.orderId,
                    "sku": sku,
                    "location_id": store,
                    "quantity": units,
                    "status": "held",
                    "reason": None,
                    "created_at": now,
                    "expires_at": now + self.hold_for,
                    "settled_at": None,
                }
                for sku, units in sorted(wanted.items())
            ],
        )

    def _settle(
        self, conn: Connection, ws: int, order_id: str, effect: str, reason: str, now: datetime
    ) -> None:
        """Release (back on sale) or convert (taken away) what the order holds."""
        status = "released" if effect == "release" else "converted"
        changes: list[StockChange] = []
        for r in stock_repo.reservations(conn, ws, order_id):
            if r.status != "held" or not stock_repo.settle(
                conn, ws, order_id, r.sku, status, reason, now
            ):
                continue
            change = stock_repo.give_back(
                conn, ws, r.location_id, r.sku, r.quantity, now, taken=effect == "convert"
            )
            if change is not None:
                changes.append(change)
        announce(conn, self.dialect, ws, worth_telling(changes), now, self.audience)


def _current(conn: Connection, dialect: Dialect, ws: int, order_id: str, lock: bool = True):
    query = select(orders).where(orders.c.workspace_id == ws, orders.c.order_id == order_id)
    if lock and dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def _logged(conn: Connection, source_id: int, message_id: str) -> bool:
    found = conn.execute(
        select(events.c.id).where(
            events.c.source_id == source_id, events.c.message_id == message_id
        )
    ).first()
    return found is not None


def _version(
    row: Any, status: str, payment_status: str | None, reason: str | None, now: datetime
) -> dict[str, Any]:
    """The stored order as a record with a new status (the order-level discount and
    shipping are not stored apart: the difference to the lines' sum is given as one)."""
    lines = list(row.lines)
    gross = sum(
        (
            Decimal(str(ln["quantity"])) * Decimal(str(ln["price"]))
            - Decimal(str(ln.get("discount") or 0))
            for ln in lines
        ),
        Decimal(0),
    )
    total = Decimal(str(row.total))
    customer = dict(row.customer)
    anonymous = customer.pop("anonymousId", None)
    paid = payment_status or ("paid" if status == "paid" else row.payment_status)
    payload: dict[str, Any] = {
        "orderId": row.order_id,
        "customer": customer,
        "channel": row.channel,
        "status": status,
        "paymentStatus": paid,
        "currency": row.currency,
        "lines": lines,
        "discount": str(max(gross - total, Decimal(0))),
        "shipping": str(max(total - gross, Decimal(0))),
        "placedAt": row.placed_at.isoformat(),
        "updatedAt": now.isoformat(),
    }
    if anonymous:
        payload["anonymousId"] = anonymous
    if row.store:
        payload["store"] = row.store
    if row.pickup_store:
        payload["pickupStore"] = row.pickup_store
    if reason:
        payload["properties"] = {"reason": reason}
    return payload


def _reservation(r: Any) -> dict[str, Any]:
    return {
        "sku": r.sku,
        "store": r.location_id,
        "quantity": r.quantity,
        "status": r.status,
        "reason": r.reason,
        "expiresAt": r.expires_at,
        "settledAt": r.settled_at,
    }


def _all(rows: list) -> list[dict[str, Any]]:
    return [_reservation(r) for r in rows]
