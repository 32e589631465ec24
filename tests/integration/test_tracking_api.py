"""The Segment Tracking API against a real store, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select

from omniweave.store.tables import events


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


def track(message_id: str, **extra) -> dict:
    return {
        "type": "track",
        "event": "Product Viewed",
        "userId": "u-1",
        "messageId": message_id,
        "properties": {"sku": "pepperoni-30"},
        **extra,
    }


def test_batch_is_stored_and_a_repeat_stores_nothing(client, tenant, engine):
    body = {"batch": [track("m-1"), track("m-2")]}
    first = client.post("/v1/batch", json=body, headers=basic(tenant.write_key))
    assert first.status_code == 200, first.text
    assert first.json() == {"success": True, "received": 2, "stored": 2, "duplicates": 0}
    again = client.post("/v1/batch", json=body, headers=basic(tenant.write_key))
    assert again.status_code == 200
    assert again.json()["stored"] == 0 and again.json()["duplicates"] == 2
    assert count(engine) == 2


def test_each_call_type_has_its_endpoint(client, tenant, engine):
    calls = {
        "identify": {"userId": "u-1", "traits": {"email": "kolya@example.com"}},
        "track": {"userId": "u-1", "event": "Cart Viewed"},
        "page": {"anonymousId": "a-1", "name": "Menu", "category": "catalog"},
        "screen": {"anonymousId": "a-1", "name": "Cart"},
        "group": {"userId": "u-1", "groupId": "company-7"},
        "alias": {"userId": "u-1", "previousId": "a-1"},
    }
    for kind, body in calls.items():
        answer = client.post(f"/v1/{kind}", json=body, headers=basic(tenant.write_key))
        assert answer.status_code == 200, (kind, answer.text)
    with engine.connect() as conn:
        rows = {r.type: r for r in conn.execute(select(events))}
    assert set(rows) == set(calls)
    assert rows["page"].event == "Menu"
    assert rows["page"].extra == {"category": "catalog"}
    assert rows["alias"].previous_id == "a-1"
    assert rows["group"].group_id == "company-7"
    assert all(r.source_id == tenant.site_id for r in rows.values())


def test_gzip_body_and_write_key_in_body(client, tenant, engine):
    body = orjson.dumps({"batch": [track("g-1")], "writeKey": tenant.write_key})
    answer = client.post(
        "/v1/batch",
        content=gzip.compress(body),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    assert count(engine) == 1


def test_clock_skew_is_corrected(client, tenant, engine):
    # The device's clock is two hours fast: it says it sent at 12:00 an event of 11:59.
    device_sent = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    body = {
        "batch": [track("s-1", timestamp=(device_sent - timedelta(minutes=1)).isoformat())],
        "sentAt": device_sent.isoformat(),
    }
    before = datetime.now(UTC)
    assert client.post("/v1/batch", json=body, headers=basic(tenant.write_key)).status_code == 200
    with engine.connect() as conn:
        row = conn.execute(select(events)).one()
    assert row.received_at >= before - timedelta(seconds=1)
    assert row.received_at - row.timestamp == timedelta(minutes=1)
    assert row.original_timestamp == device_sent - timedelta(minutes=1)
    assert row.sent_at == device_sent


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"batch": [track("x", userId=None)]}, "batch[0].userId"),
        ({"batch": [{"type": "track", "userId": "u", "messageId": "x"}]}, "batch[0].event"),
        ({"batch": [track("x", properties=[1, 2])]}, "batch[0].properties"),
        ({"batch": [track("x", timestamp="not a time")]}, "batch[0].timestamp"),
        ({"batch": [track("ok"), {"type": "purchase", "userId": "u"}]}, "batch[1].type"),
        ({"batch": []}, "batch"),
        ({"batch": "nope"}, "batch"),
        ([1, 2], "body"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(client, tenant, engine, body, field):
    answer = client.post("/v1/batch", json=body, headers=basic(tenant.write_key))
    assert answer.status_code == 400, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert count(engine) == 0


def test_malformed_json_is_a_400(client, tenant):
    answer = client.post("/v1/track", content=b'{"userId": ', headers=basic(tenant.write_key))
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "body"


def test_far_future_timestamp_is_refused(client, tenant, engine):
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    answer = client.post(
        "/v1/track", json=track("f", timestamp=future), headers=basic(tenant.write_key)
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "timestamp"
    assert count(engine) == 0


def test_limits_are_segments(client, tenant, engine):
    big_event = track("big", properties={"blob": "x" * 33_000})
    one = client.post("/v1/track", json=big_event, headers=basic(tenant.write_key))
    assert one.status_code == 413
    in_batch = client.post(
        "/v1/batch", json={"batch": [track("ok"), big_event]}, headers=basic(tenant.write_key)
    )
    assert in_batch.status_code == 413
    assert in_batch.json()["errors"][0]["field"] == "batch[1]"
    many = {"batch": [track(f"m{i}", properties={"t": "y" * 20_000}) for i in range(30)]}
    too_big = client.post("/v1/batch", json=many, headers=basic(tenant.write_key))
    assert too_big.status_code == 413
    bomb = gzip.compress(orjson.dumps({"batch": [track("z", properties={"p": "0" * 600_000})]}))
    inflated = client.post(
        "/v1/batch",
        content=bomb,
        headers={**basic(tenant.write_key), "Content-Encoding": "gzip"},
    )
    assert inflated.status_code == 413
    assert count(engine) == 0


def test_keys_are_checked(client, tenant, engine):
    assert client.post("/v1/track", json=track("k")).status_code == 401
    assert client.post("/v1/track", json=track("k"), headers=basic("wrong")).status_code == 401
    read_key = client.post("/v1/track", json=track("k"), headers=basic(tenant.read_key))
    assert read_key.status_code == 403
    assert count(engine) == 0


def test_rejections_are_counted_in_metrics(client, tenant):
    client.post("/v1/track", json={"type": "track"}, headers=basic(tenant.write_key))
    text = client.get("/metrics").text
    assert 'omniweave_ingest_rejected_total{endpoint="/v1/track",reason="invalid_input"}' in text
    client.post("/v1/batch", json={"batch": [track("ok")]}, headers=basic(tenant.write_key))
    assert (
        'omniweave_ingest_events_total{outcome="stored",type="track"}'
        in client.get("/metrics").text
    )


def test_a_store_locked_past_its_busy_timeout_is_a_503_to_retry_not_a_500(container):
    import sqlite3

    from fastapi.testclient import TestClient
    from sqlalchemy.exc import OperationalError

    from omniweave.api.app import create_app

    app = create_app(container)

    @app.get("/test-locked")
    def locked() -> None:  # what SQLite raises when its one writer is held too long
        cause = sqlite3.OperationalError("database is locked")
        raise OperationalError("BEGIN IMMEDIATE", {}, cause)

    @app.get("/test-broken")
    def broken() -> None:
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/test-locked")
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
        assert answer.json()["code"] == "busy"
        assert client.get("/test-broken").status_code == 500
