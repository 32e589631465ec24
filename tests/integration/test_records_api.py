"""Native records (customers and orders) through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from omniweave.store.tables import customer_records, events, orders


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


KOLYA = {
    "customerId": "crm-1001",
    "email": "Kolya@Example.com ",
    "phone": "8 (916) 123-45-67",
    "loyaltyCard": "7700123",
    "traits": {"firstName": "Николай", "city": "Пермь"},
    "updatedAt": "2026-03-01T10:00:00Z",
}


def order(**changes) -> dict:
    body = {
        "orderId": "ord-1",
        "customer": {"phone": "+7 916 123 4567", "loyaltyCard": "7700123"},
        "channel": "pos",
        "store": "pos-001",
        "status": "paid",
        "paymentStatus": "paid",
        "lines": [
            {"sku": "pepperoni-30", "name": "Пепперони 30 см", "quantity": 2, "price": "549.00"},
            {"sku": "cola-05", "quantity": 1, "price": "99.00", "discount": "9.00"},
        ],
        "placedAt": "2026-03-02T18:30:00Z",
    }
    body.update(changes)
    return body


def test_customer_upsert_is_idempotent_and_lands_in_the_log(client, tenant, engine):
    first = client.post("/api/customers", json=KOLYA, headers=bearer(tenant.write_key))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "created"
    again = client.post("/api/customers", json=KOLYA, headers=bearer(tenant.write_key))
    assert again.json()["status"] == "unchanged"
    changed = {**KOLYA, "traits": {"city": "Казань"}, "updatedAt": "2026-04-01T00:00:00Z"}
    assert (
        client.post("/api/customers", json=changed, headers=bearer(tenant.write_key)).json()[
            "status"
        ]
        == "updated"
    )
    with engine.connect() as conn:
        logged = conn.execute(select(events).order_by(events.c.id)).all()
        record = conn.execute(select(customer_records)).one()
    assert [e.type for e in logged] == ["identify", "identify"]
    assert {"type": "loyalty_card", "id": "7700123"} in logged[0].context["externalIds"]
    assert logged[0].origin == "record"
    assert record.traits == {"city": "Казань"}
    assert record.identifiers["email"] == "Kolya@Example.com"


def test_an_older_version_does_not_overwrite_a_newer_one(client, tenant, engine):
    newer = {**KOLYA, "traits": {"city": "Казань"}, "updatedAt": "2026-05-01T00:00:00Z"}
    client.post("/api/customers", json=newer, headers=bearer(tenant.write_key))
    late = client.post("/api/customers", json=KOLYA, headers=bearer(tenant.write_key))
    assert late.status_code == 200
    with engine.connect() as conn:
        assert conn.execute(select(customer_records.c.traits)).scalar_one() == {"city": "Казань"}


def test_customer_bad_fields_are_named(client, tenant, engine):
    bad = {**KOLYA, "email": "not-an-email", "phone": "12"}
    answer = client.post("/api/customers", json=bad, headers=bearer(tenant.write_key))
    assert answer.status_code == 400
    assert {e["field"] for e in answer.json()["errors"]} == {"email", "phone"}
    missing = client.post(
        "/api/customers", json={"email": "a@b.ru"}, headers=bearer(tenant.write_key)
    )
    assert missing.json()["errors"][0]["field"] == "customerId"
    with engine.connect() as conn:
        assert conn.execute(select(events)).first() is None


def test_admin_key_must_name_the_source(client, tenant):
    unnamed = client.post("/api/customers", json=KOLYA, headers=bearer(tenant.admin_key))
    assert unnamed.status_code == 400
    assert unnamed.json()["errors"][0]["field"] == "source"
    unknown = client.post(
        "/api/customers", json={**KOLYA, "source": "nope"}, headers=bearer(tenant.admin_key)
    )
    assert unknown.status_code == 400
    named = client.post(
        "/api/customers", json={**KOLYA, "source": "pos-001"}, headers=bearer(tenant.admin_key)
    )
    assert named.status_code == 200, named.text
    read_only = client.post("/api/customers", json=KOLYA, headers=bearer(tenant.read_key))
    assert read_only.status_code == 403


def test_order_lifecycle(client, tenant, engine):
    key = bearer(tenant.pos_key)
    created = client.post("/api/orders", json=order(), headers=key)
    assert created.status_code == 200, created.text
    assert created.json()["event"] == "Order Completed"
    assert client.post("/api/orders", json=order(), headers=key).json()["status"] == "unchanged"
    returned = client.post(
        "/api/orders",
        json=order(status="returned", paymentStatus="refunded", updatedAt="2026-03-03T10:00:00Z"),
        headers=key,
    )
    assert returned.json() == {**returned.json(), "status": "updated", "event": "Order Refunded"}
    with engine.connect() as conn:
        state = conn.execute(select(orders)).one()
        names = conn.execute(select(events.c.event).order_by(events.c.id)).scalars().all()
    assert state.status == "returned" and state.total == Decimal("1188.00")
    assert names == ["Order Completed", "Order Refunded"]
    fetched = client.get("/api/orders/ord-1", headers=bearer(tenant.read_key))
    assert fetched.status_code == 200 and fetched.json()["source"] == "pos-001"
    assert client.get("/api/orders/none", headers=bearer(tenant.read_key)).status_code == 404


def test_order_properties_follow_the_ecommerce_spec(client, tenant, engine):
    client.post("/api/orders", json=order(), headers=bearer(tenant.pos_key))
    with engine.connect() as conn:
        logged = conn.execute(select(events)).one()
    assert logged.type == "track"
    assert logged.properties["order_id"] == "ord-1"
    assert logged.properties["total"] == 1188.0
    assert [p["sku"] for p in logged.properties["products"]] == ["pepperoni-30", "cola-05"]
    assert logged.context["traits"] == {"phone": "+7 916 123 4567"}


def test_order_validation(client, tenant):
    key = bearer(tenant.pos_key)
    cases = {
        "store": order(store=None),
        "total": order(total="5.00"),
        "lines": order(lines=[]),
        "lines[0].quantity": order(lines=[{"sku": "x", "quantity": 0, "price": "1"}]),
        "currency": order(currency="rub"),
        "customer": order(customer={}),
        "channel": order(channel="carrier-pigeon"),
    }
    for field, body in cases.items():
        answer = client.post("/api/orders", json=body, headers=key)
        assert answer.status_code == 400, (field, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], (field, answer.json())


def test_reads_need_a_read_key(client, tenant):
    client.post("/api/customers", json=KOLYA, headers=bearer(tenant.write_key))
    assert client.get("/api/events", headers=bearer(tenant.write_key)).status_code == 403
    page = client.get("/api/events", headers=bearer(tenant.read_key)).json()
    assert len(page["events"]) == 1 and page["next"] == page["events"][0]["id"]
    assert client.get(
        f"/api/events?after={page['next']}", headers=bearer(tenant.read_key)
    ).json() == {
        "events": [],
        "next": None,
    }
    record = client.get("/api/customers/site/crm-1001", headers=bearer(tenant.read_key))
    assert record.status_code == 200 and record.json()["external_id"] == "crm-1001"
    sources = client.get("/api/sources", headers=bearer(tenant.admin_key)).json()["sources"]
    assert {s["name"] for s in sources} == {"site", "pos-001"}


def test_probes_need_no_key(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_a_record_known_only_by_its_own_id_is_accepted(client, tenant):
    answer = client.post(
        "/api/customers", json={"customerId": "c-only"}, headers=bearer(tenant.write_key)
    )
    assert answer.status_code == 200, answer.text


def test_an_identical_resend_without_a_time_changes_nothing(client, tenant, engine):
    body = {"customerId": "c-9", "email": "nine@example.com"}
    client.post("/api/customers", json=body, headers=bearer(tenant.write_key))
    with engine.connect() as conn:
        first = conn.execute(select(customer_records.c.updated_at)).scalar_one()
    again = client.post("/api/customers", json=body, headers=bearer(tenant.write_key))
    assert again.json()["status"] == "unchanged"
    with engine.connect() as conn:
        assert conn.execute(select(customer_records.c.updated_at)).scalar_one() == first


def test_ids_beyond_64_bits_are_a_400_not_a_database_error(client, tenant):
    huge = 2**70
    read, admin = bearer(tenant.read_key), bearer(tenant.admin_key)
    assert client.get(f"/api/events?after={huge}", headers=read).status_code == 400
    assert client.get(f"/api/profiles/p_x/events?before={huge}", headers=read).status_code == 400
    decision = {"reviewId": huge, "decision": "approve"}
    assert client.post("/api/identity/reviews", json=decision, headers=admin).status_code == 400
    split = client.post("/api/profiles/p_x/split", json={"mergeId": huge}, headers=admin)
    assert split.status_code == 400


def test_nul_characters_anywhere_are_a_400(client, tenant):
    read, admin = bearer(tenant.read_key), bearer(tenant.admin_key)
    in_query = client.get("/api/events?userId=a%00b", headers=read)
    assert in_query.status_code == 400 and in_query.json()["errors"][0]["field"] == "query"
    in_path = client.get("/api/profiles/p_%00x", headers=read)
    assert in_path.status_code == 400 and in_path.json()["errors"][0]["field"] == "path"
    segment = {"name": "nul", "definition": {"trait": {"name": "city", "value": "a\u0000b"}}}
    saved = client.post("/api/segments", json=segment, headers=admin)
    assert saved.status_code in (200, 400)  # SQLite keeps it; PostgreSQL refuses with a 400
