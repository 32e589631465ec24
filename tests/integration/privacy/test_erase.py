"""Export and erase through the API on both backends: after an erase no table holds the
person's data, and their identifiers arriving again bring nothing back."""

from __future__ import annotations

import time

import orjson
from sqlalchemy import func, select

from omniweave.store import cursors
from omniweave.store.commerce_tables import carts
from omniweave.store.tables import events, metadata
from tests.integration.messaging.conftest import settle

TEMPLATE = {
    "name": "hello",
    "topic": "marketing",
    "channels": {"email": {"subject": "Hi {{ profile.first_name }}", "html": "<p>Hi</p>"}},
}
JOURNEY = {
    "name": "welcome",
    "trigger": {"event": {"name": "Signed Up"}},
    "steps": [{"id": "hi", "send": {"template": "hello"}}],
}
# Everything that would identify Anna, as any table could hold it.
ANNA = ("anna", "79161234567", "916) 123", "fcm-anna", "web-anna", "card-7", "crm-anna")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def send(container, tenant, *messages):
    return container.ingest.batch(tenant.workspace_id, tenant.site_id, {"batch": list(messages)})


def anna_everywhere(client, container, tenant) -> None:
    """Anna browses, signs up by email, uses the app with her phone (two profiles that merge),
    buys at the till, is in the CRM, gets a journey's message."""
    admin = bearer(tenant.admin_key)
    assert client.post("/api/templates", json=TEMPLATE, headers=admin).status_code == 200
    assert client.post("/api/journeys", json=JOURNEY, headers=admin).status_code == 200
    send(
        container,
        tenant,
        {"type": "page", "anonymousId": "web-anna", "name": "Menu", "messageId": "a1"},
        {
            "type": "identify",
            "anonymousId": "app-anna",
            "messageId": "a2",
            "traits": {"phone": "8 (916) 123-45-67", "first_name": "Anna"},
            "context": {"device": {"token": "fcm-anna"}, "ip": "10.1.2.3"},
        },
    )
    settle(container)
    send(
        container,
        tenant,
        {
            "type": "identify",
            "anonymousId": "web-anna",
            "userId": "anna-1",
            "messageId": "a3",
            "traits": {"email": "Anna@Example.com", "phone": "+79161234567", "emailOptIn": True},
        },
        {"type": "track", "userId": "anna-1", "event": "Signed Up", "messageId": "a4"},
        {
            "type": "track",
            "userId": "anna-1",
            "event": "Product Added",
            "messageId": "a5",
            "properties": {"sku": "pizza", "quantity": 1, "price": 500},
        },
    )
    subscription = {
        "userId": "anna-1",
        "subscription": {
            "endpoint": "https://push.example.net/send/web-anna-sub",
            "keys": {"p256dh": "B" * 40, "auth": "a" * 16},
        },
    }
    subscribed = client.post("/api/web-push/subscriptions", json=subscription,
                             headers=bearer(tenant.write_key))  # fmt: skip
    assert subscribed.status_code == 200, subscribed.text
    customer = {"customerId": "crm-anna", "email": "anna@example.com", "loyaltyCard": "card-7",
                "traits": {"city": "Kazan"}}  # fmt: skip
    write = bearer(tenant.write_key)
    assert client.post("/api/customers", json=customer, headers=write).status_code in (200, 201)
    order = {"orderId": "o-17", "channel": "pos", "store": "s1",
             "customer": {"phone": "+7 916 123 45 67"},
             "lines": [{"sku": "pizza", "quantity": 1, "price": 500}]}  # fmt: skip
    assert client.post("/api/orders", json=order, headers=bearer(tenant.pos_key)).status_code in (
        200,
        201,
    )
    settle(container)


def resolve_all(container) -> None:
    """The background work until the resolver has read the whole log. On PostgreSQL a
    duplicate leaves a gap in event ids that the resolver waits on until it is proven final
    (store/log_horizon.py), which a few rounds later it is."""
    for _ in range(100):
        settle(container)
        with container.engine.connect() as conn:
            last = conn.execute(select(func.max(events.c.id))).scalar() or 0
            done = cursors.peek(conn, "identity") >= last
        if done:
            settle(container)
            return
        time.sleep(0.05)
    raise AssertionError("the resolver did not catch up")


def bob(container, tenant) -> str:
    send(container, tenant, {"type": "identify", "userId": "bob-1", "messageId": "b1",
                             "traits": {"email": "bob@example.com"}})  # fmt: skip
    settle(container)
    return container.identity.lookup(tenant.workspace_id, "user_id", "bob-1")["id"]


def leaks(engine, needles=ANNA, but=()) -> list[tuple[str, str]]:
    """(what, table) for each of Anna's identifying strings still stored anywhere."""
    found = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in but:
                continue
            rows = [[str(v) for v in row] for row in conn.execute(select(table))]
            stored = orjson.dumps(rows).decode().lower()
            found += [(needle, table.name) for needle in needles if needle.lower() in stored]
    return found


def test_export_then_erase_leaves_nothing_and_nothing_comes_back(client, container, tenant):
    anna_everywhere(client, container, tenant)
    bob_id = bob(container, tenant)
    read, admin = bearer(tenant.read_key), bearer(tenant.admin_key)
    anna = client.get("/api/profiles", params={"email": "anna@example.com"}, headers=read).json()
    assert anna["merges"], "the app profile merged into the web one"
    merged_id = anna["merges"][0]["merged"]
    assert leaks(container.engine), "the set-up stored Anna's data"
    with container.engine.connect() as conn:
        assert conn.execute(select(carts.c.profile_id)).scalars().all() == [anna["id"]]

    assert client.post(f"/api/profiles/{anna['id']}/export", headers=read).status_code == 403
    exported = client.post(f"/api/profiles/{merged_id}/export", headers=admin)
    assert exported.status_code == 200, exported.text
    doc = exported.json()
    assert doc["profileId"] == anna["id"] and merged_id in doc["mergedProfiles"]
    assert {"a1", "a2", "a3", "a4"} <= {e["message_id"] for e in doc["events"]}
    assert {("email", "anna@example.com"), ("phone", "+79161234567")} <= {
        (i["type"], i["value"]) for i in doc["identifiers"]
    }
    assert [o["order_id"] for o in doc["orders"]] == ["o-17"]
    assert [r["external_id"] for r in doc["customerRecords"]] == ["crm-anna"]
    assert any(c["channel"] == "email" and c["state"] == "granted" for c in doc["consents"])
    assert doc["computedTraits"] and doc["messages"] and doc["journeyRuns"]
    assert doc["journeyRuns"][0]["steps"]
    assert doc["messages"][0]["decision"]["checks"]
    assert [w["endpoint"] for w in doc["webPushSubscriptions"]] == [
        "https://push.example.net/send/web-anna-sub"
    ]
    assert "p256dh" not in doc["webPushSubscriptions"][0]

    erased = client.post(f"/api/profiles/{anna['id']}/erase", headers=admin)
    assert erased.status_code == 200, erased.text
    answer = erased.json()
    assert answer["alreadyErased"] is False and answer["profiles"] == 2
    for table in ("events", "identities", "profiles", "messages", "orders", "consents",
                  "web_push_subscriptions", "customer_records", "journey_runs"):  # fmt: skip
        assert answer["erased"][table] >= 1, table
    assert leaks(container.engine) == []
    # nor her profile ids in any table (carts, loyalty, coupons...), but the records of the
    # erasure itself (the erasure row, the admin request in the audit log), which resolve to no one
    assert leaks(container.engine, (anna["id"], merged_id), but=("erasures", "audit_log")) == []

    # the log keeps the rows, so the old events replayed are duplicates that store nothing
    with container.engine.connect() as conn:
        kept = set(conn.execute(select(events.c.message_id)).scalars())
    assert {"a1", "a2", "a3", "a4"} <= kept
    assert send(container, tenant, {"type": "page", "anonymousId": "web-anna", "name": "Menu",
                                    "messageId": "a1"}).stored == 0  # fmt: skip

    # a repeat, by either id, answers with the first erasure and changes nothing
    for asked in (anna["id"], merged_id):
        again = client.post(f"/api/profiles/{asked}/erase", headers=admin).json()
        assert again["alreadyErased"] is True and again["erasure"] == answer["erasure"]
    assert client.post(f"/api/profiles/{anna['id']}/export", headers=admin).status_code == 404
    assert client.get(f"/api/profiles/{anna['id']}", headers=read).status_code == 404

    # her identifiers arriving again, new events and a new CRM record, bring nothing back
    send(
        container,
        tenant,
        {"type": "identify", "userId": "anna-1", "messageId": "a9",
         "traits": {"email": "ANNA@example.com", "city": "Kazan"}},
        {"type": "track", "anonymousId": "web-anna", "event": "Viewed", "messageId": "a10",
         "properties": {"note": "anna was here"}},
    )  # fmt: skip
    write = bearer(tenant.write_key)
    again = {"customerId": "crm-anna", "email": "anna@example.com", "traits": {"city": "Kazan"}}
    assert client.post("/api/customers", json=again, headers=write).status_code in (200, 201)
    resolve_all(container)
    assert leaks(container.engine) == []
    for params in ({"email": "anna@example.com"}, {"user_id": "anna-1"}, {"phone": "89161234567"}):
        assert client.get("/api/profiles", params=params, headers=read).status_code == 404

    # Bob was not touched
    bob_view = client.get(f"/api/profiles/{bob_id}", headers=read).json()
    assert ("email", "bob@example.com") in {
        (i["type"], i["value"]) for i in bob_view["identifiers"]
    }


def test_erase_errors(client, tenant):
    admin = bearer(tenant.admin_key)
    assert client.post("/api/profiles/p_nope/erase", headers=admin).status_code == 404
    assert client.post("/api/profiles/p_nope/erase").status_code == 401
    assert (
        client.post("/api/profiles/p_nope/erase", headers=bearer(tenant.write_key)).status_code
        == 403
    )
