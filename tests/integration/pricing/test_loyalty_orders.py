"""Orders through ``POST /api/orders`` earn, spend and redeem through the loyalty consumer,
once per order; a return takes back what the order earned and gives back what it spent."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from omniweave.bootstrap import bootstrap
from omniweave.pricing.ledger import Posting
from omniweave.settings import Settings
from omniweave.store import cursors
from omniweave.store.tables import events
from tests.integration.pricing.catalog import seed


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def order(order_id: str, status: str = "paid", **props) -> dict:
    return {
        "orderId": order_id,
        "customer": {"loyaltyCard": "CARD-7", "email": "anna@example.ru"},
        "channel": "pos",
        "store": "pos-001",
        "status": status,
        "lines": [{"sku": "boot", "quantity": 1, "price": "2000"}],
        "placedAt": "2026-11-20T10:00:00Z",
        "properties": props,
    }


def settle(container, timeout: float = 10.0) -> None:
    """Resolve and apply every order sent so far. On PostgreSQL the resolver waits until a gap
    in the event ids (a duplicate's id never committed) is proven final, so loop until the
    loyalty consumer has passed the newest event."""
    with container.engine.connect() as conn:
        newest = conn.execute(select(func.max(events.c.id))).scalar() or 0
    deadline = time.monotonic() + timeout
    while True:
        container.resolver.catch_up()
        container.loyalty.catch_up()
        with container.engine.connect() as conn:
            if cursors.peek(conn, "loyalty") >= newest:
                return
        assert time.monotonic() < deadline, "the loyalty consumer did not catch up"
        time.sleep(0.05)


def test_an_order_earns_once_and_a_return_reverses_its_points(client, tenant, container):
    till = auth(tenant.pos_key)
    assert client.post("/api/orders", json=order("o-1"), headers=till).status_code == 200
    settle(container)
    profile = container.identity.lookup(tenant.workspace_id, "card", "CARD-7")["id"]
    read = auth(tenant.read_key)
    account = client.get(f"/api/loyalty/{profile}", headers=read).json()
    assert account["balance"] == 100  # 5% of 2000 paid
    assert (
        account["history"][0]["kind"] == "earn"
        and "5.0% of 2000" in account["history"][0]["reason"]
    )
    # The same order again, and a status change: nothing more is earned.
    client.post("/api/orders", json=order("o-1"), headers=till)
    client.post("/api/orders", json=order("o-1", "delivered"), headers=till)
    settle(container)
    assert client.get(f"/api/loyalty/{profile}", headers=read).json()["balance"] == 100
    # A second order spends 60 of them; then the first is returned.
    client.post("/api/orders", json=order("o-2", pointsToSpend=60), headers=till)
    settle(container)
    account = client.get(f"/api/loyalty/{profile}", headers=read).json()
    assert account["balance"] == 100 - 60 + 97  # earns 5% of the 1940 paid in money
    client.post("/api/orders", json=order("o-1", "returned"), headers=till)
    settle(container)
    account = client.get(f"/api/loyalty/{profile}", headers=read).json()
    assert account["balance"] == 137 - 100
    reverse = account["history"][0]
    assert (
        reverse["kind"] == "reverse" and reverse["points"] == -100 and reverse["orderId"] == "o-1"
    )
    # Returning o-2 too gives its 60 spent points back and takes its 97 earned (once).
    client.post("/api/orders", json=order("o-2", "returned", pointsToSpend=60), headers=till)
    client.post("/api/orders", json=order("o-2", "returned", pointsToSpend=60), headers=till)
    settle(container)
    assert client.get(f"/api/loyalty/{profile}", headers=read).json()["balance"] == 37 + 60 - 97


def test_an_order_with_too_many_points_or_a_used_coupon_records_the_refusal(
    client, tenant, container
):
    admin = auth(tenant.admin_key)
    assert (
        client.put(
            "/api/coupons/pools/once", json={"max_uses": 1, "personal": False}, headers=admin
        ).status_code
        == 200
    )
    client.post("/api/coupons/pools/once/codes", json={"codes": ["ONCE1"]}, headers=admin)
    till = auth(tenant.pos_key)
    client.post("/api/orders", json=order("o-1", coupons=["once1"], pointsToSpend=10), headers=till)
    client.post("/api/orders", json=order("o-2", coupons=["ONCE1"]), headers=till)
    settle(container)
    profile = container.identity.lookup(tenant.workspace_id, "card", "CARD-7")["id"]
    history = client.get(f"/api/loyalty/{profile}", headers=auth(tenant.read_key)).json()["history"]
    refused = {h["orderId"]: h["reason"] for h in history if h["kind"] == "refused"}
    assert "spend refused" in refused["o-1"] and "the balance is 0" in refused["o-1"]
    assert "coupon:ONCE1 refused" in refused["o-2"] and "already used" in refused["o-2"]
    pool = client.get("/api/coupons/pools/once", headers=auth(tenant.read_key)).json()
    assert pool["redemptions"] == 1


def test_coupons_are_checked_when_pricing(client, tenant, container):
    seed(container.engine, tenant.workspace_id)
    admin = auth(tenant.admin_key)
    client.post("/api/orders", json=order("o-0"), headers=auth(tenant.pos_key))
    settle(container)
    anna = container.identity.lookup(tenant.workspace_id, "card", "CARD-7")["id"]
    client.put("/api/coupons/pools/vip", json={"max_uses": 1}, headers=admin)
    client.put(
        "/api/coupons/pools/old", json={"valid_until": "2020-01-01T00:00:00Z"}, headers=admin
    )
    client.post("/api/coupons/pools/old/codes", json={"codes": ["OLD-1"]}, headers=admin)
    issued = client.post(
        "/api/coupons/pools/vip/issue", json={"profileId": anna, "key": "run-1"}, headers=admin
    ).json()
    again = client.post(
        "/api/coupons/pools/vip/issue", json={"profileId": anna, "key": "run-1"}, headers=admin
    ).json()
    assert issued["code"] == again["code"]
    generated = client.post(
        "/api/coupons/pools/vip/codes", json={"batch": "b1", "count": 5}, headers=admin
    ).json()
    assert len(set(generated["codes"])) == 5
    assert (
        client.post(
            "/api/coupons/pools/vip/codes", json={"batch": "b1", "count": 5}, headers=admin
        ).json()
        == generated
    )
    promo = {"when": {"coupon": "vip"}, "effect": {"type": "percent", "percent": 20}}
    client.put("/api/promotions/vip-20", json=promo, headers=admin)
    body = {"lines": [{"sku": "belt", "quantity": 1}], "channel": "site"}
    mine = client.post(
        "/api/pricing/calculate",
        json={**body, "customer": {"loyaltyCard": "CARD-7"}, "coupons": [issued["code"]]},
        headers=auth(tenant.write_key),
    ).json()
    assert mine["total"] == "560.00" and mine["coupons"][0]["valid"] and mine["errors"] == []
    assert mine["customer"]["profileId"] == anna and mine["points"]["toEarn"] == 28
    stranger = client.post(
        "/api/pricing/calculate",
        json={
            **body,
            "customer": {"email": "bob@example.ru"},
            "coupons": [issued["code"], "OLD-1", "NOPE"],
        },
        headers=auth(tenant.write_key),
    ).json()
    assert stranger["total"] == "700.00"
    assert [e["field"] for e in stranger["errors"]] == ["coupons[0]", "coupons[1]", "coupons[2]"]
    reasons = " | ".join(e["message"] for e in stranger["errors"])
    assert (
        "issued to another customer" in reasons
        and "expired" in reasons
        and "unknown coupon" in reasons
    )
    assert not stranger["customer"]["found"] and "bob@example.ru" in stranger["customer"]["reason"]
    vip = [p for p in stranger["promotions"] if p["key"] == "vip-20"][0]
    assert not vip["applied"] and "coupon of pool 'vip'" in vip["reason"]


def test_points_expire_and_birthdays_are_given_once_a_year(database_url, engine, tenant):
    now = [datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    settings = Settings(
        database_url=database_url,
        resolver_interval_seconds=0,
        loyalty_points_expire_days=30,
        loyalty_birthday_points=500,
        loyalty_tiers="gold:1000:10",
    )
    c = bootstrap(settings, engine=engine, clock=lambda: now[0])
    c.ingest.customer(
        tenant.workspace_id,
        tenant.site_id,
        {"customerId": "c1", "loyaltyCard": "CARD-9", "traits": {"birthday": "1990-03-15"}},
    )
    c.resolver.catch_up()
    profile = c.identity.lookup(tenant.workspace_id, "card", "CARD-9")["id"]
    c.loyalty.post(
        tenant.workspace_id,
        Posting(
            "o:earn",
            "earn",
            profile,
            200,
            "order",
            amount=2000,
            expires_at=now[0] + timedelta(days=30),
        ),
    )
    c.loyalty.post(tenant.workspace_id, Posting("o:spend", "spend", profile, -50, "till"))
    assert c.loyalty.account(tenant.workspace_id, profile)["tier"] == "gold"
    assert c.loyalty.birthdays() == 0
    now[0] = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    assert c.loyalty.birthdays() == 1 and c.loyalty.birthdays() == 0
    now[0] = datetime(2026, 4, 2, 0, 0, tzinfo=UTC)
    assert c.loyalty.expire() == 1 and c.loyalty.expire() == 0
    account = c.loyalty.account(tenant.workspace_id, profile)
    assert account["balance"] == 500  # 150 left of the order's 200 expired; the birthday's stays
    assert account["history"][0]["kind"] == "expire" and account["history"][0]["points"] == -150


def test_a_return_through_the_status_endpoint_reverses_the_points(client, tenant, container):
    till = auth(tenant.pos_key)
    client.post("/api/orders", json=order("o-9", "delivered"), headers=till)
    settle(container)
    profile = container.identity.lookup(tenant.workspace_id, "card", "CARD-7")["id"]
    read = auth(tenant.read_key)
    assert client.get(f"/api/loyalty/{profile}", headers=read).json()["balance"] == 100
    moved = client.post(
        "/api/orders/o-9/status", json={"status": "returned", "reason": "too small"}, headers=till
    )
    assert moved.status_code == 200, moved.text
    settle(container)
    account = client.get(f"/api/loyalty/{profile}", headers=read).json()
    assert account["balance"] == 0
    assert [h["kind"] for h in account["history"]] == ["reverse", "earn"]
    assert account["tier"] is None and "spent 0" in account["tierReason"]


def test_a_price_of_the_till_own_is_taken_when_allowed(database_url, engine, tenant):
    from fastapi.testclient import TestClient

    from omniweave.api.app import create_app

    settings = Settings(
        database_url=database_url, resolver_interval_seconds=0, pricing_allow_price_override=True
    )
    c = bootstrap(settings, engine=engine)
    seed(engine, tenant.workspace_id)
    body = {
        "lines": [
            {"sku": "boot", "quantity": 1, "price": "2500"},
            {"sku": "new", "quantity": 1, "price": "10"},
        ],
        "channel": "site",
    }
    with TestClient(create_app(c)) as client:
        found = client.post("/api/pricing/calculate", json=body, headers=auth(tenant.write_key))
    assert found.status_code == 200, found.text
    assert found.json()["total"] == "2510.00" and found.json()["errors"] == []
