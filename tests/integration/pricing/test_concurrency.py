"""Must show, on PostgreSQL (and sensibly on SQLite): a hundred concurrent redemptions of one
single-use coupon, exactly one succeeds; a hundred concurrent spends never take a balance
below zero. Real threads, each with its own connection and transaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from omniweave.core.errors import Conflict
from omniweave.core.time import utc_now
from omniweave.pricing import coupons, ledger
from omniweave.pricing.coupon_service import CodesBody, PoolBody
from omniweave.pricing.ledger import Posting
from omniweave.store.dialect import Dialect
from omniweave.store.engine import build_engine
from omniweave.store.pricing_tables import coupon_redemptions, loyalty_entries

WS = 1
TRIES = 100


@pytest.fixture
def wide_engine(database_url):
    """Enough connections for the threads to really run at once on PostgreSQL."""
    kwargs = {} if database_url.startswith("sqlite") else {"pool_size": 30, "max_overflow": 0}
    engine = build_engine(database_url, **kwargs)
    yield engine
    engine.dispose()


def hammer(action) -> list[object]:
    start = threading.Barrier(min(TRIES, 30))

    def attempt(n: int) -> object:
        if n < 30:
            start.wait(timeout=30)
        try:
            return action(n)
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(max_workers=30) as pool:
        return list(pool.map(attempt, range(TRIES)))


def test_a_single_use_coupon_is_redeemed_exactly_once(container, wide_engine):
    container.coupons.save_pool(WS, "once", PoolBody(max_uses=1, personal=False))
    container.coupons.add_codes(WS, "once", CodesBody(codes=["ONE-TIME"]))
    dialect = Dialect.of(wide_engine)

    def redeem(n: int) -> object:
        with wide_engine.begin() as conn:
            return coupons.redeem(conn, dialect, WS, "one-time", f"order-{n}", None, utc_now())

    outcomes = hammer(redeem)
    assert sum(o is True for o in outcomes) == 1
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(refused) == TRIES - 1 and all("already used" in str(o) for o in refused)
    with wide_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(coupon_redemptions)).scalar() == 1
    assert container.coupons.pool(WS, "once")["redemptions"] == 1


def test_concurrent_spends_never_take_a_balance_below_zero(container, wide_engine):
    container.loyalty.post(WS, Posting("grant", "bonus", "p_anna", 1000, "welcome"))
    dialect = Dialect.of(wide_engine)

    def spend(n: int) -> object:
        with wide_engine.begin() as conn:
            posting = Posting(f"spend-{n}", "spend", "p_anna", -30, f"till {n}")
            return ledger.post(conn, dialect, WS, posting, utc_now())

    outcomes = hammer(spend)
    spent = [o for o in outcomes if isinstance(o, int)]
    assert len(spent) == 1000 // 30  # 33 spends fit, the rest were refused
    with wide_engine.connect() as conn:
        assert ledger.balance(conn, WS, "p_anna") == 1000 - 30 * len(spent) == 10
        # Double entry: every transaction's entries sum to zero, so all of them do.
        assert conn.execute(select(func.sum(loyalty_entries.c.points))).scalar() == 0
