"""Loyalty use cases: orders as they arrive (a log consumer), returns, expiry and birthday
sweeps, and the account view.

Orders reach loyalty through the log, like traits and segments: the consumer (cursor
``loyalty``, never past ``identity``) reads ``Order Completed``/``Updated``/``Refunded``/
``Cancelled`` once the resolver has attributed them, so an order from a card seen for the first
time still earns for the right person. For each order it redeems the coupons and spends the
points its ``properties`` name (``coupons``, ``pointsToSpend``), then earns on what was paid;
every posting has a key from the order id, so a re-sent order changes nothing. A cancelled or
returned order gives back what it spent and takes back what it earned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from omniweave.core.errors import Conflict, InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.identity.graph_repo import root_of
from omniweave.identity.profile_view import workspace_of
from omniweave.pricing import coupons, customers, ledger
from omniweave.pricing.ledger import Posting
from omniweave.pricing.program import Loyalty, is_birthday
from omniweave.store import cursors
from omniweave.store.dialect import Dialect
from omniweave.store.pricing_tables import loyalty_accounts, loyalty_lots
from omniweave.store.tables import event_identities, events, identities

CURSOR = "loyalty"
AFTER = "identity"
ORDER_EVENTS = ("Order Completed", "Order Updated", "Order Refunded", "Order Cancelled")
UNDO = ("cancelled", "returned")


class LoyaltyService:
    def __init__(self, engine: Engine, clock: Clock, loyalty: Loyalty, timezone: str = "UTC"):
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.loyalty = loyalty
        self.timezone = timezone
        self._birthdays_at: datetime | None = None

    def sweep(self, birthday_every: timedelta = timedelta(hours=1)) -> int:
        """The background round: expiry every time, birthdays at most once per
        ``birthday_every`` (both are idempotent, so the worker and the server may both run)."""
        done = self.expire()
        now = self.clock()
        if self._birthdays_at is None or now - self._birthdays_at >= birthday_every:
            self._birthdays_at = now
            done += self.birthdays()
        return done

    # --- orders ------------------------------------------------------------------------

    def catch_up(self, batch_size: int = 500) -> int:
        """Apply orders the resolver has attributed since the last call; events read."""
        done = 0
        while True:
            with self.engine.begin() as conn:
                now = self.clock()
                _after, rows = cursors.pending(
                    conn,
                    self.dialect,
                    CURSOR,
                    (AFTER,),
                    now,
                    batch_size,
                    events.c.id,
                    events.c.workspace_id,
                    events.c.type,
                    events.c.event,
                    events.c.properties,
                )
                if not rows:
                    return done
                owners = _owners(conn, [r.id for r in rows if r.event in ORDER_EVENTS])
                for row in rows:
                    if row.type == "track" and row.event in ORDER_EVENTS and row.id in owners:
                        root = root_of(conn, owners[row.id]) or owners[row.id]
                        self.order(conn, row.workspace_id, root, row.properties or {}, now)
                cursors.move(conn, CURSOR, rows[-1].id, now)
            done += len(rows)

    def order(self, conn: Connection, ws: int, profile_id: str, props: dict, now: datetime) -> None:
        """Apply one order's state in the caller's transaction (idempotent per order id)."""
        order_id = str(props.get("order_id") or "")
        if not order_id:
            return
        if props.get("status") in UNDO:
            self.undo(conn, ws, profile_id, order_id, now)
            return
        for code in _codes(props.get("coupons")):
            self._try(
                conn,
                ws,
                profile_id,
                order_id,
                f"coupon:{code}",
                lambda c=code: coupons.redeem(conn, self.dialect, ws, c, order_id, profile_id, now),
            )
        spend = _int(props.get("pointsToSpend"))
        if spend > 0:
            posting = Posting(
                f"order:{order_id}:spend",
                "spend",
                profile_id,
                -spend,
                f"spent on order {order_id}",
                order_id,
            )
            self._try(
                conn,
                ws,
                profile_id,
                order_id,
                "spend",
                lambda: ledger.post(conn, self.dialect, ws, posting, now),
            )
        paid = _money(props.get("total")) - _money(props.get("shipping")) - Decimal(max(spend, 0))
        if paid <= 0:
            return
        tier, _ = self.tier(conn, ws, profile_id, now)
        rate = self.loyalty.program.tier_earn_percent.get(
            tier or "", self.loyalty.program.earn_percent
        )
        points = int((paid * rate / 100).to_integral_value(rounding=ROUND_DOWN))
        if points <= 0:
            return
        expires = (
            now + timedelta(days=self.loyalty.expire_days) if self.loyalty.expire_days else None
        )
        reason = f"{rate}% of {paid} paid on order {order_id}" + (f" (tier {tier})" if tier else "")
        ledger.post(
            conn,
            self.dialect,
            ws,
            Posting(
                f"order:{order_id}:earn",
                "earn",
                profile_id,
                points,
                reason,
                order_id,
                paid,
                {"rate": str(rate), "tier": tier},
                expires,
            ),
            now,
        )

    def _try(self, conn, ws, profile_id, order_id, what, action) -> None:
        """Run one redemption or spend in a savepoint; a refusal is recorded, not raised."""
        try:
            with conn.begin_nested():
                action()
        except (Conflict, InvalidInput) as exc:
            ledger.post(
                conn,
                self.dialect,
                ws,
                Posting(
                    f"order:{order_id}:refused:{what}",
                    "refused",
                    profile_id,
                    0,
                    f"order {order_id}: {what} refused: {exc}",
                    order_id,
                ),
                self.clock(),
            )

    def undo(
        self, conn: Connection, ws: int, profile_id: str, order_id: str, now: datetime
    ) -> None:
        """A cancelled or returned order: take back what it earned (as far as the balance
        allows), give back what it spent, release its coupons."""
        for tx in ledger.transactions_of_order(conn, ws, order_id):
            if tx.kind == "earn":
                lot = ledger.lot_of(conn, tx.id)
                have = ledger.balance(conn, ws, tx.profile_id)
                take = min(int(tx.points), have)
                reason = f"order {order_id} returned: its {tx.points} earned points taken back"
                if take < tx.points:
                    reason += f" ({tx.points - take} already spent could not be)"
                ledger.post(
                    conn,
                    self.dialect,
                    ws,
                    Posting(
                        f"order:{order_id}:reverse-earn",
                        "reverse",
                        tx.profile_id,
                        -take,
                        reason,
                        order_id,
                        -(tx.amount or Decimal(0)),
                        {"earned": int(tx.points)},
                        lot_first=lot.id if lot else None,
                    ),
                    now,
                )
            elif tx.kind == "spend":
                expires = (
                    now + timedelta(days=self.loyalty.expire_days)
                    if self.loyalty.expire_days
                    else None
                )
                ledger.post(
                    conn,
                    self.dialect,
                    ws,
                    Posting(
                        f"order:{order_id}:refund-spend",
                        "refund",
                        tx.profile_id,
                        -int(tx.points),
                        f"order {order_id} returned: {-tx.points} spent points given back",
                        order_id,
                        expires_at=expires,
                    ),
                    now,
                )
        coupons.release(conn, ws, order_id, now)

    # --- sweeps --------------------------------------------------------------------------

    def expire(self, limit: int = 1000) -> int:
        """Take away what is left of lots past their expiry; how many lots."""
        done = 0
        with self.engine.begin() as conn:
            now = self.clock()
            for lot in ledger.expiring(conn, now, limit):
                self._lock_account(conn, lot.workspace_id, lot.holder)
                left = conn.execute(
                    select(loyalty_lots.c.remaining).where(loyalty_lots.c.id == lot.id)
                ).scalar_one()
                if left <= 0:
                    continue
                ledger.post(
                    conn,
                    self.dialect,
                    lot.workspace_id,
                    Posting(
                        f"expire:lot:{lot.id}",
                        "expire",
                        lot.holder,
                        -int(left),
                        f"{left} points expired ({self.loyalty.expire_days} days after earning)",
                        lot_first=lot.id,
                    ),
                    now,
                )
                done += 1
        return done

    def _lock_account(self, conn: Connection, ws: int, holder: str) -> None:
        if self.dialect.name == "postgresql":
            conn.execute(
                select(loyalty_accounts.c.id)
                .where(loyalty_accounts.c.workspace_id == ws, loyalty_accounts.c.holder == holder)
                .with_for_update()
            )

    def birthdays(self) -> int:
        """Give the birthday bonus to members whose birthday it is today (in the pricing
        zone); once per person and year, however often the sweep runs."""
        points = self.loyalty.birthday_points
        if points <= 0:
            return 0
        given = 0
        with self.engine.begin() as conn:
            now = self.clock()
            today = now.astimezone(ZoneInfo(self.timezone))
            for ws, profile_id, value in _member_birthdays(conn):
                if not is_birthday(value, today):
                    continue
                expires = (
                    now + timedelta(days=self.loyalty.expire_days)
                    if self.loyalty.expire_days
                    else None
                )
                posted = ledger.post(
                    conn,
                    self.dialect,
                    ws,
                    Posting(
                        f"birthday:{profile_id}:{today.year}",
                        "bonus",
                        profile_id,
                        points,
                        f"birthday bonus {today.year} (birthday {value})",
                        expires_at=expires,
                    ),
                    now,
                )
                given += posted is not None
        return given

    # --- reads ---------------------------------------------------------------------------

    def tier(
        self, conn: Connection, ws: int, profile_id: str, now: datetime
    ) -> tuple[str | None, str]:
        who = customers.facts(conn, ws, profile_id, "", self.loyalty, now)
        return who.tier, who.tier_reason

    def account(self, ws: int, profile_id: str, limit: int = 100) -> dict[str, Any]:
        """Balance, tier with its reason, and the history with reasons, newest first."""
        with self.engine.connect() as conn:
            root = root_of(conn, profile_id)
            if root is None or workspace_of(conn, root) != ws:
                raise NotFound(f"no profile {profile_id!r}")
            now = self.clock()
            who = customers.facts(conn, ws, root, "", self.loyalty, now)
            return {
                "profileId": root,
                "requestedId": profile_id,
                "balance": who.balance,
                "tier": who.tier,
                "tierReason": who.tier_reason,
                "history": ledger.history(conn, ws, root, limit),
            }

    def post(self, ws: int, posting: Posting) -> int | None:
        """One posting in its own transaction (tests, tools): refused debits raise 409."""
        with self.engine.begin() as conn:
            return ledger.post(conn, self.dialect, ws, posting, self.clock())


def _owners(conn: Connection, event_ids: list[int]) -> dict[int, str]:
    if not event_ids:
        return {}
    rows = conn.execute(
        select(event_identities.c.event_id, identities.c.profile_id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(event_identities.c.event_id.in_(event_ids))
    ).all()
    return {r.event_id: r.profile_id for r in rows}


def _member_birthdays(conn: Connection) -> list[tuple[int, str, Any]]:
    """Each loyalty member's latest ``birthday`` trait from identify calls."""
    rows = conn.execute(
        select(loyalty_accounts.c.workspace_id, identities.c.profile_id, events.c.traits)
        .join(identities, identities.c.profile_id == loyalty_accounts.c.holder)
        .join(event_identities, event_identities.c.identity_id == identities.c.id)
        .join(events, events.c.id == event_identities.c.event_id)
        .where(loyalty_accounts.c.kind == "person", events.c.type == "identify")
        .order_by(events.c.timestamp, events.c.id)
    )
    latest: dict[tuple[int, str], Any] = {}
    for ws, profile_id, traits in rows:
        if isinstance(traits, dict) and traits.get("birthday"):
            latest[(ws, profile_id)] = traits["birthday"]
    return [(ws, p, v) for (ws, p), v in sorted(latest.items())]


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [coupons.normal(v) for v in value if isinstance(v, str) and 0 < len(v) <= 64]


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
