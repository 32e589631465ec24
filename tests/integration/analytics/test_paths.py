"""A person's path across merged identities, and the batch path table on DuckDB that
attribution reads, on SQLite and PostgreSQL, with a real message delivered by the peers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from omniweave.api.app import create_app
from omniweave.messaging.requests import Origin, SendRequest
from tests.integration.identity.test_matching_backends import spark  # noqa: F401
from tests.integration.messaging.conftest import (  # noqa: F401
    NOW,
    clock,
    deliver,
    peers,
    settle,
    timed,
    vapid,
)
from tests.integration.messaging.test_outbox import WELCOME


def stamp(delta: timedelta) -> str:
    return (NOW + delta).isoformat()


def visit(who: dict, n: int, delta: timedelta, medium: str, name: str) -> dict:
    return {
        "type": "page",
        **who,
        "messageId": f"visit-{n}",
        "timestamp": stamp(delta),
        "context": {"campaign": {"source": "x", "medium": medium, "name": name}},
    }


def order(order_id: str, delta: timedelta, total: str, payment: str = "paid") -> dict:
    return {
        "orderId": order_id,
        "customer": {"userId": "u1"},
        "channel": "site",
        "status": "paid",
        "paymentStatus": payment,
        "lines": [{"sku": "pepperoni-30", "quantity": 1, "price": total}],
        "placedAt": stamp(delta),
    }


@pytest.fixture
def journey(timed, tenant, clock):  # noqa: F811
    """An anonymous ad click, the same person signing up (two profiles merged), a first order;
    an email from a campaign, a second order; then a social visit and an unpaid order."""
    c, ws, site = timed, tenant.workspace_id, tenant.site_id
    email = f"anna.{uuid.uuid4().hex[:8]}@example.com"
    days = lambda n: timedelta(days=n)  # noqa: E731
    c.ingest.batch(
        ws, site, {"batch": [visit({"anonymousId": "a1"}, 1, -days(3), "CPC", "spring")]}
    )
    c.ingest.batch(
        ws,
        site,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": "u1",
                    "messageId": "id-1",
                    "timestamp": stamp(-days(2)),
                    "traits": {"email": email, "first_name": "Anna", "emailOptIn": True},
                }
            ]
        },
    )
    settle(c)
    c.ingest.batch(
        ws,
        site,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": "u1",
                    "anonymousId": "a1",
                    "messageId": "id-2",
                    "timestamp": stamp(-days(2) + timedelta(hours=1)),
                }
            ]
        },
    )
    c.ingest.order(ws, site, order("ord-1", -days(1), "500.00"))
    settle(c)
    c.messaging.save_template(ws, WELCOME)
    person = c.identity.lookup(ws, "user_id", "u1")["id"]
    sent = c.messaging.send(
        ws, person, SendRequest("welcome", "w:u1", Origin("campaign", "spring-email", 7))
    )
    assert sent["channel"] == "email", sent["decision"]
    assert deliver(c) == 1
    c.ingest.order(ws, site, order("ord-2", timedelta(hours=1), "700.00"))
    c.ingest.batch(
        ws, site, {"batch": [visit({"userId": "u1"}, 2, timedelta(hours=2), "social", "vk")]}
    )
    c.ingest.order(ws, site, order("ord-3", timedelta(hours=3), "900.00", payment="pending"))
    settle(c)
    clock.move(hours=4)
    return c, ws, person


def test_a_persons_path_runs_across_merged_profiles_up_to_each_paid_order(journey):
    c, ws, person = journey
    found = c.analytics.profile_path(ws, person)
    assert found["profileId"] == person
    shown = [
        (p["channels"], p["conversion"] and p["conversion"]["orderId"]) for p in found["paths"]
    ]
    assert shown == [(["cpc"], "ord-1"), (["email"], "ord-2"), (["social"], None)]
    assert found["paths"][0]["conversion"]["revenue"] == 500.0
    email_touch = found["paths"][1]["touches"][0]
    assert (email_touch["kind"], email_touch["campaign"]) == ("message", "spring-email")
    by_campaign = c.analytics.profile_path(ws, person, by="campaign")
    assert [p["channels"] for p in by_campaign["paths"]] == [["spring"], ["spring-email"], ["vk"]]


def test_the_batch_path_table_agrees_with_the_persons_paths(journey):
    c, ws, _ = journey
    now = c.clock()
    table = c.analytics.path_table(ws, "channel", now - timedelta(days=30), now)
    assert [(r["path"], r["conversions"], r["value"], r["nulls"]) for r in table] == [
        ("cpc", 1, 500.0, 0),
        ("email", 1, 700.0, 0),
        ("social", 0, 0.0, 1),
    ]
    later = c.analytics.path_table(ws, "campaign", now - timedelta(hours=5), now)
    assert [r["path"] for r in later] == ["spring-email", "vk"]  # ord-1 is before the period


def test_paths_and_attribution_over_http(journey, tenant):
    c, ws, person = journey
    read = {"Authorization": f"Bearer {tenant.read_key}"}
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        path = client.get(f"/api/profiles/{person}/path", headers=read)
        assert path.status_code == 200, path.text
        assert len(path.json()["paths"]) == 3
        assert client.get("/api/profiles/nobody/path", headers=read).status_code == 404
        got = client.get("/api/analytics/attribution?model=markov&order=1", headers=read)
        assert got.status_code == 200, got.text
        body = got.json()
        shares = {x["channel"]: x["conversions"] for x in body["credits"]}
        assert shares == pytest.approx({"cpc": 1.0, "email": 1.0, "social": 0.0})
        assert body["total_value"] == 1200.0 and body["explain"]["order"] == 1
        bad = client.get("/api/analytics/attribution?model=magic", headers=read)
        assert bad.status_code in (400, 422)
        reversed_period = "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"
        assert (
            client.get(f"/api/analytics/attribution?{reversed_period}", headers=read).status_code
            == 400
        )


def test_spark_builds_the_same_path_table_as_duckdb(journey, spark):  # noqa: F811
    c, ws, _ = journey
    if c.engine.dialect.name != "sqlite":
        pytest.skip("DuckDB against Spark: the store they were copied from does not matter")
    now = c.clock()
    for by in ("channel", "campaign"):
        on_duckdb = c.analytics.path_table(ws, by, now - timedelta(days=30), now)
        on_spark = c.analytics.path_table(ws, by, now - timedelta(days=30), now, spark=spark)
        assert len(on_duckdb) == 3
        assert on_spark == on_duckdb
