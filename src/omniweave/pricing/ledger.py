"""The loyalty points ledger, double entry: each transaction moves points between a person's
account and one of the programme's (issued, redeemed, expired), its entries summing to zero.

A person's balance is kept on the account row and only ever changed by a guarded UPDATE
(``balance + n >= 0``) backed by a CHECK, so a hundred concurrent spends cannot take it below
zero: on PostgreSQL the UPDATE locks the row and the losers re-check the committed balance.
Credits become lots and debits use the oldest lots first, so expiry knows what is left of
each earning. Every transaction has a key (``order:42:earn``): a repeat is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, update

from omniweave.core.errors import Conflict
from omniweave.store.dialect import Dialect
from omniweave.store.pricing_tables import (
    loyalty_accounts as acc,
)
from omniweave.store.pricing_tables import (
    loyalty_entries,
    loyalty_lots,
    loyalty_transactions,
)

ISSUED, REDEEMED, EXPIRED = "program:issued", "program:redeemed", "program:expired"
CREDITS = ("earn", "bonus", "refund")


class NotEnoughPoints(Conflict):
    """A debit larger than the balance: refused, nothing written."""


@dataclass(frozen=True)
class Posting:
    key: str
    kind: str  # earn | bonus | refund | spend | expire | reverse
    profile_id: str
    points: int  # signed: how the person's balance moves
    reason: str
    order_id: str | None = None
    amount: Decimal | None = None  # money paid (earn) or given back (reverse), for tiers
    data: dict[str, Any] | None = None
    expires_at: datetime | None = None  # credits only
    lot_first: int | None = None  # a debit that should use this lot first (expiry, reversal)


def account(conn: Connection, dialect: Dialect, ws: int, holder: str, now: datetime) -> int:
    """The account's id, created on first use."""
    kind = "program" if holder.startswith("program:") else "person"
    conn.execute(
        dialect.insert_ignoring_duplicates(acc, ("workspace_id", "holder")).values(
            workspace_id=ws, holder=holder, kind=kind, balance=0, updated_at=now
        )
    )
    return conn.execute(
        select(acc.c.id).where(acc.c.workspace_id == ws, acc.c.holder == holder)
    ).scalar_one()


def balance(conn: Connection, ws: int, profile_id: str) -> int:
    found = conn.execute(
        select(acc.c.balance).where(acc.c.workspace_id == ws, acc.c.holder == profile_id)
    ).scalar()
    return int(found or 0)


def post(conn: Connection, dialect: Dialect, ws: int, p: Posting, now: datetime) -> int | None:
    """Write one transaction in the caller's transaction; its id, or None when its key was
    already posted. A debit beyond the balance raises ``NotEnoughPoints`` (roll back)."""
    inserted = conn.execute(
        dialect.insert_ignoring_duplicates(loyalty_transactions, ("workspace_id", "key"))
        .values(
            workspace_id=ws,
            key=p.key,
            kind=p.kind,
            profile_id=p.profile_id,
            order_id=p.order_id,
            points=p.points,
            amount=p.amount,
            reason=p.reason,
            data=p.data,
            created_at=now,
        )
        .returning(loyalty_transactions.c.id)
    ).scalar()
    if inserted is None:
        return None
    person = account(conn, dialect, ws, p.profile_id, now)
    moved = conn.execute(
        update(acc)
        .where(acc.c.id == person, acc.c.balance + p.points >= 0)
        .values(balance=acc.c.balance + p.points, updated_at=now)
    ).rowcount
    if moved != 1:
        have = balance(conn, ws, p.profile_id)
        raise NotEnoughPoints(f"{-p.points} points asked, the balance is {have}")
    counter = account(conn, dialect, ws, _counterpart(p), now)
    conn.execute(
        loyalty_entries.insert(),
        [
            {"transaction_id": inserted, "account_id": person, "points": p.points},
            {"transaction_id": inserted, "account_id": counter, "points": -p.points},
        ],
    )
    if p.points > 0:
        conn.execute(
            loyalty_lots.insert().values(
                account_id=person,
                transaction_id=inserted,
                points=p.points,
                remaining=p.points,
                earned_at=now,
                expires_at=p.expires_at,
            )
        )
    elif p.points < 0:
        _use_lots(conn, person, -p.points, p.lot_first)
    return inserted


def _counterpart(p: Posting) -> str:
    if p.kind == "expire":
        return EXPIRED
    if p.kind == "spend" or (p.kind == "refund"):
        return REDEEMED
    return ISSUED


def _use_lots(conn: Connection, account_id: int, points: int, first: int | None) -> None:
    """Take ``points`` from the lots, the named one first, then the oldest to expire."""
    lots = conn.execute(
        select(loyalty_lots.c.id, loyalty_lots.c.remaining)
        .where(loyalty_lots.c.account_id == account_id, loyalty_lots.c.remaining > 0)
        .order_by(
            (loyalty_lots.c.id != (first or 0)),
            loyalty_lots.c.expires_at.is_(None),
            loyalty_lots.c.expires_at,
            loyalty_lots.c.id,
        )
    ).all()
    left = points
    for lot in lots:
        take = min(left, lot.remaining)
        conn.execute(
            update(loyalty_lots)
            .where(loyalty_lots.c.id == lot.id)
            .values(remaining=loyalty_lots.c.remaining - take)
        )
        left -= take
        if not left:
            return


def transactions_of_order(conn: Connection, ws: int, order_id: str) -> list[Any]:
    return conn.execute(
        select(loyalty_transactions)
        .where(
            loyalty_transactions.c.workspace_id == ws, loyalty_transactions.c.order_id == order_id
        )
        .order_by(loyalty_transactions.c.id)
    ).all()


def lot_of(conn: Connection, transaction_id: int) -> Any:
    return conn.execute(
        select(loyalty_lots).where(loyalty_lots.c.transaction_id == transaction_id)
    ).first()


def history(conn: Connection, ws: int, profile_id: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(loyalty_transactions)
        .where(
            loyalty_transactions.c.workspace_id == ws,
            loyalty_transactions.c.profile_id == profile_id,
        )
        .order_by(loyalty_transactions.c.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "points": int(r.points),
            "reason": r.reason,
            "orderId": r.order_id,
            "amount": None if r.amount is None else str(r.amount),
            "data": r.data,
            "at": r.created_at,
        }
        for r in rows
    ]


def spend_since(conn: Connection, ws: int, profile_id: str, since: datetime) -> Decimal:
    """Money paid in the window (earnings minus what returns gave back): what tiers read."""
    found = conn.execute(
        select(func.coalesce(func.sum(loyalty_transactions.c.amount), 0)).where(
            loyalty_transactions.c.workspace_id == ws,
            loyalty_transactions.c.profile_id == profile_id,
            loyalty_transactions.c.kind.in_(("earn", "reverse")),
            loyalty_transactions.c.created_at >= since,
        )
    ).scalar()
    return Decimal(str(found or 0))


def expiring(conn: Connection, now: datetime, limit: int) -> list[Any]:
    """Lots past their expiry with points left, with their account's owner."""
    return conn.execute(
        select(loyalty_lots.c.id, loyalty_lots.c.remaining, acc.c.workspace_id, acc.c.holder)
        .join(acc, acc.c.id == loyalty_lots.c.account_id)
        .where(loyalty_lots.c.expires_at <= now, loyalty_lots.c.remaining > 0)
        .order_by(loyalty_lots.c.id)
        .limit(limit)
    ).all()
