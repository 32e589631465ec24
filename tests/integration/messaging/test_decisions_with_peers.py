"""The send decision against the real peers: the cascade picks the cheapest channel each
person can be reached on, two franchisees of one brand reach a guest once, a campaign keeps
its holdout silent and reports its cost against SMS-to-all."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from omniweave.access import service as access
from omniweave.access.model import SourceKind
from omniweave.core.time import utc_now
from omniweave.messaging.service import Origin, SendRequest
from omniweave.store.message_tables import messages
from omniweave.store.tables import workspaces
from tests.integration.messaging.conftest import NOW, deliver, settle

PROMO = {
    "name": "promo",
    "topic": "marketing",
    "dedup_key": "black-friday",
    "channels": {
        "push": {"title": "Black Friday", "body": "-30% on pizza"},
        "email": {"subject": "Black Friday", "html": "<p>-30% on pizza</p>"},
        "web_push": {"title": "Black Friday", "body": "-30%"},
        "viber": {"text": "Black Friday: -30% on pizza"},
        "sms": {"text": "Black Friday: -30% on pizza"},
    },
}


def person(user_id: str, **contacts) -> list[dict]:
    """An identify with the given contacts and opt-ins (push: a device token)."""
    traits, context = {}, {}
    if "email" in contacts:
        traits.update(email=contacts["email"], emailOptIn=True)
    if "phone" in contacts:
        traits.update(phone=contacts["phone"], smsOptIn=True, viberOptIn=True)
    if "token" in contacts:
        traits["pushOptIn"] = True
        context["device"] = {"token": contacts["token"]}
    return [
        {
            "type": "identify",
            "userId": user_id,
            "messageId": f"who-{user_id}",
            "timestamp": NOW.isoformat(),
            "traits": traits,
            "context": context,
        }
    ]


def unique(kind: str) -> str:
    tag = uuid.uuid4().hex[:10]
    return {
        "email": f"g.{tag}@example.com",
        "phone": "+7916" + str(int(tag, 16))[:7],
        "token": tag * 3,
    }[kind]


def subscribe_web_push(client, tenant, peers, user_id: str) -> str:
    import httpx

    made = httpx.post(f"{peers.http_url}/webpush/subscriptions", json={}).json()
    answer = client.post(
        "/api/web-push/subscriptions",
        json={"userId": user_id, "subscription": made},
        auth=(tenant.write_key, ""),
    )
    assert answer.status_code == 200, answer.text
    return made["endpoint"]


def test_the_cascade_table(timed, tenant, peers):
    from fastapi.testclient import TestClient

    from omniweave.api.app import create_app

    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, PROMO)
    everything = {k: unique(k) for k in ("email", "phone", "token")}
    email_only, phone_only = unique("email"), unique("phone")
    batch = (
        person("all", **everything)
        + person("email-only", email=email_only)
        + person("phone-only", phone=phone_only)
    )
    c.ingest.batch(ws, tenant.site_id, {"batch": batch})
    with TestClient(create_app(c)) as client:
        endpoint = subscribe_web_push(client, tenant, peers, "web-only")
        subscribe_web_push(client, tenant, peers, "all")
    settle(c)
    expected = {"all": "push", "email-only": "email", "phone-only": "viber", "web-only": "web_push"}
    chosen = {}
    for user, _channel in expected.items():
        profile = c.identity.lookup(ws, "user_id", user)["id"]
        row = c.messaging.send(ws, profile, SendRequest("promo", f"promo:{user}", Origin("api")))
        chosen[user] = row["channel"]
        assert row["decision"]["rule"] == "cascade", row["decision"]
    assert chosen == expected
    assert deliver(c) == 4
    assert len(peers.journal.inbox(channel="push", to=everything["token"])) == 1
    assert len(peers.mailbox.messages(to=email_only)) == 1
    assert len(peers.journal.inbox(channel="viber", to=phone_only)) == 1
    pushed = [
        r
        for r in peers.journal.inbox(channel="web_push")
        if endpoint.endswith(r["to"]) or r["to"] in endpoint
    ]
    assert len(pushed) == 1
    assert "Black Friday" in str(pushed[0]["body"])


def test_two_franchisees_send_one_promo_once(timed, tenant, peers):
    c = timed
    now = utc_now()
    with c.engine.begin() as conn:
        second = access.ensure_workspace(conn, "franchise-b", now)
        till = access.ensure_source(conn, second, "pos-b", SourceKind.POS, now)
        conn.execute(update(workspaces).values(brand="pizza-chain"))
    email = unique("email")
    for ws, source in ((tenant.workspace_id, tenant.site_id), (second, till)):
        c.messaging.save_template(ws, PROMO)
        c.ingest.batch(ws, source, {"batch": person("guest", email=email)})
    settle(c)
    outcomes = []
    for ws in (tenant.workspace_id, second):
        profile = c.identity.lookup(ws, "email", email)["id"]
        row = c.messaging.send(ws, profile, SendRequest("promo", f"promo:{ws}", Origin("api")))
        outcomes.append((row["status"], row["decision"]["rule"]))
    assert outcomes == [("queued", "cascade"), ("suppressed", "dedup")]
    deliver(c)
    assert len(peers.mailbox.messages(to=email)) == 1


def test_a_campaign_with_a_holdout_and_its_report(timed, tenant, peers, clock):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, {**PROMO, "dedup_key": None, "name": "weekly"})
    people = []
    for i in range(40):
        kind = ("email", "phone", "token")[i % 3]
        contact = unique(kind)
        people += person(f"c{i}", **{kind: contact})
    c.ingest.batch(ws, tenant.site_id, {"batch": people})
    settle(c)
    c.segments.save(ws, "everyone", {"identifier": {"type": "user_id"}}, None)
    c.campaigns.save(
        ws, {"name": "weekly", "segment": "everyone", "template": "weekly", "holdout": 20}
    )
    c.campaigns.start(ws, "weekly")
    settle(c)
    deliver(c, rounds=5)
    report = c.campaigns.report(ws, "weekly")
    statuses = report["report"]["byStatus"]
    assert report["status"] == "done"
    assert report["counts"]["audience"] == 40
    held = statuses.get("held_out", 0)
    assert 1 <= held <= 20
    assert statuses.get("sent", 0) + held == 40
    assert report["report"]["saved"] > 0  # push and email instead of SMS for most
    c.campaigns.run_due()  # a second walk sends no one twice
    assert deliver(c) == 0


def test_send_time_optimisation_waits_for_each_persons_best_hour(timed, tenant, clock):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, {**PROMO, "dedup_key": None, "name": "digest"})
    clock.now = clock.now.replace(hour=8, minute=0, second=0, microsecond=0)
    email = unique("email")
    opens = [
        {
            "type": "track",
            "userId": "evening",
            "event": "Email Opened",
            "messageId": f"open-{day}",
            "timestamp": (clock.now.replace(hour=19, minute=10) - timedelta(days=day)).isoformat(),
        }
        for day in range(1, 6)
    ]
    c.ingest.batch(ws, tenant.site_id, {"batch": person("evening", email=email) + opens})
    settle(c)
    c.segments.save(ws, "readers", {"identifier": {"type": "user_id"}}, None)
    c.campaigns.save(
        ws,
        {
            "name": "digest",
            "segment": "readers",
            "template": "digest",
            "send_time_optimisation": True,
        },
    )
    c.campaigns.start(ws, "digest")
    settle(c)
    with c.engine.connect() as conn:
        row = conn.execute(select(messages)).one()
    assert row.status == "queued"
    assert row.next_attempt_at == clock.now.replace(hour=19)  # the hour they read, today
