"""One cart per person on SQLite and PostgreSQL: cart events from the app, the site and the
till fold into the cart of one profile (merges included); the API reads it; a signed,
short-lived token lets the till load it, and an altered or expired one is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omniweave.access.model import SourceKind
from omniweave.access.service import ensure_source
from omniweave.commerce.carts import Carts
from omniweave.core.time import utc_now

NOW = datetime.now(UTC)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def track(n, event, who, key="userId", minutes=0, **props):
    return {
        "type": "track",
        key: who,
        "event": event,
        "messageId": f"m-{n}",
        "timestamp": (NOW - timedelta(hours=1) + timedelta(minutes=minutes)).isoformat(),
        "properties": props,
    }


def app_source(container, tenant) -> int:
    with container.engine.begin() as conn:
        return ensure_source(conn, tenant.workspace_id, "app", SourceKind.APP, utc_now())


def profile_of(container, tenant, value, kind="user_id"):
    return container.identity.lookup(tenant.workspace_id, kind, value)["id"]


def test_three_channels_one_cart_and_a_merge_joins_them(client, tenant, container):
    ws, app = tenant.workspace_id, app_source(container, tenant)
    container.ingest.batch(
        ws,
        app,
        {"batch": [track(1, "Product Added", "masha", sku="pepperoni-30", price=599, quantity=2)]},
    )
    container.ingest.batch(
        ws,
        tenant.site_id,
        {
            "batch": [
                track(2, "Product Added", "anon-1", "anonymousId", 5, sku="cola-05", price=149),
                track(3, "Cart Viewed", "anon-1", "anonymousId", 6),
            ]
        },
    )
    container.catch_up()
    masha, anon = (
        profile_of(container, tenant, "masha"),
        profile_of(container, tenant, "anon-1", "anonymous_id"),
    )
    assert masha != anon
    assert [
        ln["sku"]
        for ln in client.get(f"/api/carts/{anon}", headers=bearer(tenant.read_key)).json()["lines"]
    ] == ["cola-05"]
    # She logs in on the site: the anonymous visitor is Masha, and the two carts are one.
    login = {
        "type": "identify",
        "userId": "masha",
        "anonymousId": "anon-1",
        "messageId": "login",
        "timestamp": (NOW - timedelta(minutes=40)).isoformat(),
    }
    container.ingest.batch(ws, tenant.site_id, {"batch": [login]})
    container.ingest.batch(
        ws,
        tenant.pos_id,
        {
            "batch": [
                track(4, "Product Removed", "masha", minutes=30, sku="pepperoni-30", quantity=1)
            ]
        },
    )
    container.catch_up()
    merged = client.get(f"/api/carts/{anon}", headers=bearer(tenant.read_key))
    assert merged.status_code == 200, merged.text
    cart = merged.json()
    survivor = cart["profileId"]
    assert survivor in (masha, anon) and cart["requestedId"] == anon
    assert {ln["sku"]: ln["quantity"] for ln in cart["lines"]} == {
        "pepperoni-30": 1.0,
        "cola-05": 1.0,
    }
    assert cart["status"] == "open" and sorted(cart["channels"]) == ["app", "site"]
    assert cart["total"] == 599 + 149
    assert (
        client.get(f"/api/carts/{masha}", headers=bearer(tenant.read_key)).json()["lines"]
        == cart["lines"]
    )
    # The purchase at the till takes the pizza off the cart; the cola stays.
    order = {
        "orderId": "t-1",
        "channel": "pos",
        "store": "pos-001",
        "status": "paid",
        "paymentStatus": "paid",
        "customer": {"userId": "masha"},
        "lines": [{"sku": "pepperoni-30", "quantity": 1, "price": "599"}],
        "placedAt": (NOW - timedelta(minutes=10)).isoformat(),
    }
    assert client.post("/api/orders", json=order, headers=bearer(tenant.pos_key)).status_code == 200
    container.catch_up()
    after = client.get(f"/api/carts/{masha}", headers=bearer(tenant.read_key)).json()
    assert [ln["sku"] for ln in after["lines"]] == ["cola-05"]
    assert client.get("/api/carts/p_nobody", headers=bearer(tenant.read_key)).status_code == 404
    # An operator splits them again: each gets back the cart of its own events, at once.
    split = client.post(
        f"/api/profiles/{survivor}/split", json={}, headers=bearer(tenant.admin_key)
    )
    assert split.status_code == 200, split.text
    carts = {
        p: [
            ln["sku"]
            for ln in client.get(f"/api/carts/{p}", headers=bearer(tenant.read_key)).json()["lines"]
        ]
        for p in (masha, anon)
    }
    assert carts == {masha: [], anon: ["cola-05"]}


def test_the_till_loads_the_cart_with_a_token(client, tenant, container):
    ws = tenant.workspace_id
    container.ingest.batch(
        ws, tenant.site_id, {"batch": [track(1, "Product Added", "olga", sku="latte", price=199)]}
    )
    container.catch_up()
    olga = profile_of(container, tenant, "olga")
    issued = client.post(f"/api/carts/{olga}/token", headers=bearer(tenant.write_key))
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["qrSvg"].startswith("<svg") and body["profileId"] == olga
    loaded = client.get(f"/api/carts/by-token/{body['token']}", headers=bearer(tenant.pos_key))
    assert loaded.status_code == 200, loaded.text
    assert [ln["sku"] for ln in loaded.json()["lines"]] == ["latte"]
    client.put(
        "/api/catalog",
        json={
            "products": [{"sku": "latte", "name": "Латте"}],
            "priceLists": [{"id": "base", "name": "Menu"}],
            "prices": {"base": [{"sku": "latte", "amount": 189}]},
        },
        headers=bearer(tenant.admin_key),
    )
    at_till = client.get(
        f"/api/carts/by-token/{body['token']}?store=pos-001", headers=bearer(tenant.pos_key)
    ).json()
    (line,) = at_till["lines"]
    assert (line["listPrice"], line["priceList"], line["price"]) == (189.0, "base", 199)
    head, payload, mac = body["token"].split(".")
    altered = f"{head}.{payload}.{'A' * len(mac)}"
    refused = client.get(f"/api/carts/by-token/{altered}", headers=bearer(tenant.pos_key))
    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {
        "field": "token",
        "message": "the token's signature is wrong: it was altered or not issued here",
    }
    assert client.get(f"/api/carts/by-token/{body['token']}").status_code == 401
    later = Carts(
        container.engine, lambda: utc_now() + timedelta(hours=1), container.consents.link_key
    )
    expired = client.app.state.container
    expired.carts = later
    try:
        answer = client.get(f"/api/carts/by-token/{body['token']}", headers=bearer(tenant.pos_key))
    finally:
        expired.carts = container.carts
    assert answer.status_code == 400 and "expired" in answer.json()["errors"][0]["message"]
