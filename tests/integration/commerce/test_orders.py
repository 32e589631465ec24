"""Orders on SQLite and PostgreSQL: the status machine through the API (a refused move is a
409 naming both statuses), and buy online, pick up in store: stock held at the store,
released on cancellation or expiry (the worker's sweep), taken on collection; concurrent
orders for the last unit: exactly one wins."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from omniweave.commerce.orders import OrderService
from omniweave.core.errors import Conflict
from omniweave.core.time import utc_now
from omniweave.store.commerce_tables import stock_levels
from omniweave.store.tables import events


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def online(order_id, pickup=None, quantity=1, sku="pepperoni-30", **changes):
    body = {
        "orderId": order_id,
        "channel": "site",
        "customer": {"email": "masha@example.com"},
        "status": "created",
        "lines": [{"sku": sku, "quantity": quantity, "price": "599.00"}],
    }
    if pickup:
        body["pickupStore"] = pickup
    body.update(changes)
    return body


def stocked(client, tenant, units: int) -> None:
    body = {
        "locations": [
            {"id": "pos-001", "name": "Ленина, 1", "isPickupPoint": True},
            {"id": "wh-1", "name": "Склад", "kind": "warehouse"},
        ],
        "stock": {"pos-001": [{"sku": "pepperoni-30", "onHand": units}]},
    }
    answer = client.put("/api/catalog", json=body, headers=bearer(tenant.admin_key))
    assert answer.status_code == 200, answer.text


def level(engine, sku="pepperoni-30"):
    with engine.connect() as conn:
        row = conn.execute(select(stock_levels).where(stock_levels.c.sku == sku)).one()
    return row.on_hand, row.reserved


def test_statuses_move_only_where_the_machine_allows(client, tenant):
    key = bearer(tenant.write_key)
    made = client.post("/api/orders", json=online("o-1"), headers=key)
    assert made.status_code == 200, made.text
    assert made.json()["transition"] == {
        "from": None,
        "to": "created",
        "changed": True,
        "reason": "a new order, placed as created",
        "stock": None,
    }
    paid = client.post("/api/orders/o-1/status", json={"status": "paid"}, headers=key)
    assert paid.status_code == 200, paid.text
    assert paid.json()["transition"]["reason"] == "created → paid"
    same = client.post("/api/orders/o-1/status", json={"status": "paid"}, headers=key)
    assert same.json()["transition"]["changed"] is False
    assert same.json()["status"] == "unchanged"
    assert same.json()["messageId"] == paid.json()["messageId"]
    for status in ("shipped", "delivered"):
        assert (
            client.post("/api/orders/o-1/status", json={"status": status}, headers=key).status_code
            == 200
        )
    back = client.post("/api/orders/o-1/status", json={"status": "paid"}, headers=key)
    assert back.status_code == 409
    assert back.json()["message"] == (
        "order o-1: an order cannot go from delivered to paid: "
        "from delivered it can become returned"
    )
    resent = client.post("/api/orders", json=online("o-1", status="cancelled"), headers=key)
    assert resent.status_code == 409 and "from delivered to cancelled" in resent.json()["message"]
    history = client.get("/api/orders/o-1/history", headers=bearer(tenant.read_key)).json()
    assert [(t["from"], t["to"]) for t in history["transitions"]] == [
        (None, "created"),
        ("created", "paid"),
        ("paid", "shipped"),
        ("shipped", "delivered"),
    ]
    assert history["paymentStatus"] == "paid"
    missing = client.post("/api/orders/nope/status", json={"status": "paid"}, headers=key)
    assert missing.status_code == 404
    bad = client.post("/api/orders/o-1/status", json={"status": "teleported"}, headers=key)
    assert bad.status_code == 400


def test_pickup_holds_releases_and_takes_stock(client, tenant, container):
    key, engine = bearer(tenant.write_key), container.engine
    stocked(client, tenant, 3)
    first = client.post("/api/orders", json=online("p-1", "pos-001", 2), headers=key)
    assert first.status_code == 200, first.text
    assert [(r["sku"], r["quantity"], r["status"]) for r in first.json()["reservations"]] == [
        ("pepperoni-30", 2, "held")
    ]
    assert level(engine) == (3, 2)
    short = client.post("/api/orders", json=online("p-2", "pos-001", 2), headers=key)
    assert short.status_code == 409
    assert short.json()["message"] == (
        "order p-2: stock cannot be held at pos-001: pepperoni-30: 2 wanted, 1 available at "
        "pos-001 (3 on hand, 2 reserved)"
    )
    below = client.put(
        "/api/stock/pos-001",
        json=[{"sku": "pepperoni-30", "onHand": 1}],
        headers=bearer(tenant.admin_key),
    )
    assert below.status_code == 409 and "below the 2 reserved" in below.json()["message"]
    warehouse = client.post("/api/orders", json=online("p-3", "wh-1"), headers=key)
    assert warehouse.status_code == 400
    assert warehouse.json()["errors"][0] == {
        "field": "pickupStore",
        "message": "wh-1 is not a pickup point",
    }
    half = client.post("/api/orders", json=online("p-4", "pos-001", 0.5), headers=key)
    assert half.status_code == 400 and half.json()["errors"][0]["field"] == "lines[0].quantity"
    moved = client.post("/api/orders", json=online("p-1", "wh-1", 2), headers=key)
    assert moved.status_code == 409 and "pickup store cannot change" in moved.json()["message"]

    cancelled = client.post("/api/orders/p-1/status", json={"status": "cancelled"}, headers=key)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["reservations"][0]["status"] == "released"
    assert level(engine) == (3, 0)

    collected = client.post("/api/orders", json=online("p-5", "pos-001", 1), headers=key)
    assert collected.status_code == 200
    for status in ("ready_for_pickup", "delivered"):
        moved = client.post("/api/orders/p-5/status", json={"status": status}, headers=key)
        assert moved.status_code == 200, moved.text
    assert moved.json()["reservations"][0]["status"] == "converted"
    assert level(engine) == (2, 0)
    with engine.connect() as conn:
        names = (
            conn.execute(
                select(events.c.event).where(events.c.event.like("Order%")).order_by(events.c.id)
            )
            .scalars()
            .all()
        )
    assert names == [
        "Order Completed",
        "Order Cancelled",
        "Order Completed",
        "Order Updated",
        "Order Updated",
    ]


def test_an_uncollected_order_is_released_and_cancelled_by_the_sweep(client, tenant, container):
    key, engine = bearer(tenant.write_key), container.engine
    stocked(client, tenant, 1)
    assert (
        client.post("/api/orders", json=online("late", "pos-001"), headers=key).status_code == 200
    )
    assert container.orders.sweep() == 0  # not due yet
    assert level(engine) == (1, 1)
    later = OrderService(engine, lambda: utc_now() + timedelta(hours=49))
    assert later.sweep() == 1
    assert later.sweep() == 0
    assert level(engine) == (1, 0)
    history = container.orders.history(tenant.workspace_id, "late")
    assert history["status"] == "cancelled"
    assert history["reservations"][0]["status"] == "released"
    assert "the pickup hold expired" in history["reservations"][0]["reason"]
    assert "the pickup hold expired" in history["transitions"][-1]["reason"]


def test_concurrent_orders_for_the_last_unit_one_wins(client, tenant, container):
    stocked(client, tenant, 1)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def order(n: int) -> None:
        barrier.wait()
        try:
            container.orders.record(
                tenant.workspace_id, tenant.site_id, online(f"race-{n}", "pos-001")
            )
            outcomes.append("won")
        except Conflict as exc:
            assert "pepperoni-30" in str(exc)
            outcomes.append("refused")

    threads = [threading.Thread(target=order, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["won"]
    assert level(container.engine) == (1, 1)


def test_racing_retries_of_one_pickup_order_hold_its_stock_once(client, tenant, container):
    stocked(client, tenant, 5)
    barrier = threading.Barrier(6)
    statuses: list[str] = []

    def retry() -> None:
        barrier.wait()
        body = online("same", "pos-001", 2)
        statuses.append(container.orders.record(tenant.workspace_id, tenant.site_id, body).status)

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == ["created"] + ["unchanged"] * 5
    assert level(container.engine) == (5, 2)


def test_an_older_version_arriving_late_is_logged_not_applied(client, tenant, container):
    key = bearer(tenant.pos_key)
    sale = {
        "orderId": "till-1",
        "channel": "pos",
        "store": "pos-001",
        "customer": {"userId": "u"},
        "lines": [{"sku": "latte", "quantity": 1, "price": "199"}],
        "placedAt": "2026-11-20T10:00:00Z",
    }
    newer = {**sale, "status": "delivered", "updatedAt": "2026-11-20T10:05:00Z"}
    older = {**sale, "status": "paid", "paymentStatus": "paid", "updatedAt": "2026-11-20T10:01:00Z"}
    assert client.post("/api/orders", json=newer, headers=key).status_code == 200
    late = client.post("/api/orders", json=older, headers=key)
    assert late.status_code == 200, late.text
    assert late.json()["transition"]["changed"] is False
    assert "older than the stored one (delivered" in late.json()["transition"]["reason"]
    history = container.orders.history(tenant.workspace_id, "till-1")
    assert history["status"] == "delivered"
    assert [t["to"] for t in history["transitions"]] == ["delivered"]
