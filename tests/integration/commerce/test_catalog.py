"""The catalog through the API on SQLite and PostgreSQL: feeds imported idempotently, stock
set absolutely, and Back In Stock / Price Dropped told once to the people who wanted it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from omniweave.store.tables import events

DATA = Path(__file__).parent / "data"
NOW = datetime.now(UTC)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def setup_store(client, tenant) -> None:
    body = {
        "locations": [
            {
                "id": "pos-001",
                "name": "Ленина, 1",
                "region": "Москва",
                "timezone": "Europe/Moscow",
                "isPickupPoint": True,
            },
            {"id": "wh-1", "name": "Склад", "kind": "warehouse"},
        ]
    }
    answer = client.put("/api/catalog", json=body, headers=bearer(tenant.admin_key))
    assert answer.status_code == 200, answer.text


def import_yml(client, tenant, data=None):
    return client.post(
        "/api/catalog/import?format=yml&location=pos-001",
        content=data or (DATA / "pizzeria.yml").read_bytes(),
        headers={**bearer(tenant.admin_key), "Content-Type": "application/xml"},
    )


def test_a_feed_imported_twice_changes_nothing_the_second_time(client, tenant, engine):
    setup_store(client, tenant)
    first = import_yml(client, tenant)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["counts"]["products"]["created"] == 4  # three offers and their group
    assert body["counts"]["stock"]["created"] == 3
    assert body["skipped"] == [
        {"field": "offers[3] (id 'broken')", "message": "price: 'дорого' is not a number"}
    ]
    again = import_yml(client, tenant).json()
    assert again["changed"] == 0 and again["announced"] == []
    csv = client.post(
        "/api/catalog/import?format=csv&location=pos-001",
        content=(DATA / "pizzeria.csv").read_bytes(),
        headers=bearer(tenant.admin_key),
    ).json()
    assert csv["counts"]["products"]["created"] == 3
    full = (DATA / "pizzeria.yml").read_bytes()
    replaced = client.post(
        "/api/catalog/import?format=yml&replace=true&location=pos-001",
        content=full,
        headers=bearer(tenant.admin_key),
    ).json()
    assert replaced["counts"]["deactivated"]["updated"] == 2  # the CSV's cola-1 and mors-05
    assert (
        client.get("/api/catalog/products/mors-05", headers=bearer(tenant.read_key)).json()[
            "active"
        ]
        is False
    )
    assert (
        client.get("/api/catalog/products/pepperoni-30", headers=bearer(tenant.read_key)).json()[
            "active"
        ]
        is True
    )
    client.post(
        "/api/catalog/import?format=csv&location=pos-001",
        content=(DATA / "pizzeria.csv").read_bytes(),
        headers=bearer(tenant.admin_key),
    )
    product = client.get("/api/catalog/products/pepperoni-30", headers=bearer(tenant.read_key))
    assert product.status_code == 200
    found = product.json()
    assert found["categoryIds"] == ["2", "1"] and found["parentSku"] == "group:pepperoni"
    assert found["prices"][0]["amount"] == 599.0 and found["prices"][0]["compareAt"] == 699.0
    assert found["stock"][0]["available"] == 12
    prices = client.get(
        "/api/catalog/prices?sku=pepperoni-30&sku=tiramisu&sku=ghost&store=pos-001",
        headers=bearer(tenant.read_key),
    ).json()
    assert [ln["sku"] for ln in prices["lines"]] == ["pepperoni-30"]
    assert prices["lines"][0]["reason"] == "base list 'base'"
    assert prices["unpriced"] == [
        {"sku": "ghost", "reason": "unknown product"},
        {"sku": "tiramisu", "reason": "the product is not for sale (inactive)"},
    ]
    assert (
        client.get("/api/catalog/products/ghost", headers=bearer(tenant.read_key)).status_code
        == 404
    )


def test_back_in_stock_and_a_price_drop_are_told_to_who_wanted_them(client, tenant, container):
    setup_store(client, tenant)
    import_yml(client, tenant)
    viewed = {
        "type": "track",
        "userId": "masha",
        "event": "Product Viewed",
        "messageId": "v1",
        "timestamp": (NOW - timedelta(days=2)).isoformat(),
        "properties": {"sku": "pepperoni-35", "name": "Пепперони 35 см"},
    }
    added = {
        "type": "track",
        "userId": "petya",
        "event": "Product Added",
        "messageId": "a1",
        "timestamp": (NOW - timedelta(days=1)).isoformat(),
        "properties": {"sku": "pepperoni-35", "price": 799},
    }
    stale = {
        **viewed,
        "userId": "old",
        "messageId": "v0",
        "timestamp": (NOW - timedelta(days=90)).isoformat(),
    }
    container.ingest.batch(tenant.workspace_id, tenant.site_id, {"batch": [viewed, added, stale]})
    container.catch_up()
    carted_only = {
        "name": "back-in-stock",
        "trigger": {"catalog": {"signal": "back_in_stock", "relation": "carted"}},
        "steps": [{"id": "wait", "wait": {"duration": "1h"}}],
    }
    container.journeys.apply(tenant.workspace_id, carted_only)
    restock = client.put(
        "/api/stock/pos-001",
        json=[{"sku": "pepperoni-35", "onHand": 5}, {"sku": "cola-05", "onHand": 40}],
        headers=bearer(tenant.admin_key),
    )
    assert restock.status_code == 200, restock.text
    (told,) = restock.json()["announced"]
    assert told == {
        **told,
        "kind": "back_in_stock",
        "sku": "pepperoni-35",
        "location": "pos-001",
        "old": 0.0,
        "new": 5.0,
        "people": 2,
    }
    assert restock.json()["counts"]["stock"] == {"created": 0, "updated": 1, "unchanged": 1}
    levels = client.get(
        "/api/stock?sku=pepperoni-35&location=pos-001", headers=bearer(tenant.read_key)
    ).json()["levels"]
    assert [(x["sku"], x["location"], x["available"], x["pickupPoint"]) for x in levels] == [
        ("pepperoni-35", "pos-001", 5, True)
    ]
    again = client.put(
        "/api/stock/pos-001",
        json=[{"sku": "pepperoni-35", "onHand": 5}],
        headers=bearer(tenant.admin_key),
    )
    assert again.json()["announced"] == []
    cheaper = (DATA / "pizzeria.yml").read_bytes().replace(b"<price>799", b"<price>699")
    dropped = import_yml(client, tenant, cheaper).json()["announced"]
    assert [(a["kind"], a["sku"], a["old"], a["new"]) for a in dropped] == [
        ("price_dropped", "pepperoni-35", 799.0, 699.0)
    ]
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(events.c.event, events.c.user_id, events.c.properties)
            .where(events.c.event.in_(("Back In Stock", "Price Dropped")))
            .order_by(events.c.id)
        ).all()
    assert [(r.event, r.user_id, r.properties["reason"]) for r in rows] == [
        ("Back In Stock", "petya", "in_cart"),
        ("Back In Stock", "masha", "viewed"),
        ("Price Dropped", "petya", "in_cart"),
        ("Price Dropped", "masha", "viewed"),
    ]
    assert rows[0].properties["store"] == "pos-001" and rows[0].properties["new_value"] == 5.0
    assert rows[2].properties["price_list"] == "base" and rows[2].properties["old_value"] == 799.0
    for _ in range(3):
        container.catch_up()
    runs = container.journeys.runs(tenant.workspace_id, "back-in-stock")
    petya = container.identity.lookup(tenant.workspace_id, "user_id", "petya")["id"]
    assert [r["profileId"] for r in runs] == [petya]
    changes = client.get("/api/catalog/changes", headers=bearer(tenant.read_key)).json()
    assert [c["kind"] for c in changes["changes"]] == ["price_dropped", "back_in_stock"]


def test_bad_catalog_input_names_the_field(client, tenant):
    admin = bearer(tenant.admin_key)
    cases = {
        "products[0].name": {"products": [{"sku": "x", "name": ""}]},
        "priceLists[0].currency": {"priceLists": [{"id": "x", "name": "x", "currency": "rub"}]},
        "prices.base[0].amount": {"prices": {"base": [{"sku": "x", "amount": -1}]}},
        "locations[0].timezone": {"locations": [{"id": "x", "name": "x", "timezone": "Mars/Base"}]},
    }
    for field, body in cases.items():
        answer = client.put("/api/catalog", json=body, headers=admin)
        assert answer.status_code == 400, (field, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], (field, answer.json())
    missing_list = client.put(
        "/api/catalog", json={"prices": {"nope": [{"sku": "x", "amount": 1}]}}, headers=admin
    )
    assert (
        missing_list.status_code == 400
        and missing_list.json()["errors"][0]["field"] == "prices.nope"
    )
    two_bases = {"priceLists": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}
    assert client.put("/api/catalog", json=two_bases, headers=admin).status_code == 400
    assert client.put("/api/catalog", json={}, headers=bearer(tenant.read_key)).status_code == 403
    unknown = client.put("/api/stock/nowhere", json=[{"sku": "a", "onHand": 1}], headers=admin)
    assert unknown.status_code == 404
    setup_store(client, tenant)
    negative = client.put("/api/stock/pos-001", json=[{"sku": "a", "onHand": -1}], headers=admin)
    assert negative.status_code == 400 and negative.json()["errors"][0]["field"] == "[0].onHand"
    feed = client.post("/api/catalog/import?format=yml", content=b"<x", headers=admin)
    assert feed.status_code == 400 and feed.json()["errors"][0]["field"] == "file"
