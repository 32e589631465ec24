"""What happens after the decision, with the real peers: a bounce makes the address
unreachable and the next channel takes over; an email unopened in time is followed by the
next channel; a provider that keeps failing alerts the admin by email; quiet hours defer a
message, which is decided again when they end."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from omniweave.bootstrap import bootstrap
from omniweave.messaging.service import Origin, SendRequest
from omniweave.settings import Settings
from omniweave.store.message_tables import alerts
from tests.integration.messaging.conftest import deliver, settle

NEWS = {
    "name": "news",
    "topic": "marketing",
    "channels": {
        "email": {"subject": "News", "html": "<p>News</p>"},
        "sms": {"text": "News"},
    },
}


def someone(c, tenant, email: str, phone: str) -> str:
    c.ingest.batch(
        tenant.workspace_id,
        tenant.site_id,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": email,
                    "messageId": f"who-{email}",
                    "traits": {
                        "email": email,
                        "phone": phone,
                        "emailOptIn": True,
                        "smsOptIn": True,
                    },
                }
            ]
        },
    )
    settle(c)
    return c.identity.lookup(tenant.workspace_id, "email", email)["id"]


def phone() -> str:
    return "+7926" + str(uuid.uuid4().int)[:7]


def test_a_bounce_makes_email_unreachable_and_sms_takes_over(timed, tenant, peers):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, NEWS)
    email, number = f"dead.{uuid.uuid4().hex[:8]}@example.com", phone()
    profile = someone(c, tenant, email, number)
    first = c.messaging.send(ws, profile, SendRequest("news", "news:1", Origin("api")))
    assert first["channel"] == "email"
    deliver(c)
    reach = c.profiles.profile(ws, profile)["reachability"]["email"]["marketing"]
    assert reach["reachable"] is False
    assert any("hard bounce" in r for r in reach["reasons"])
    sms = peers.journal.inbox(channel="sms", to=number)
    assert len(sms) == 1  # the fallback went by SMS at once
    again = c.messaging.send(ws, profile, SendRequest("news", "news:2", Origin("api")))
    assert again["channel"] == "sms"  # and the next message does not try email


def test_an_unopened_email_is_followed_by_the_next_channel(timed, tenant, peers, clock):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, NEWS)
    email, number = f"reader.{uuid.uuid4().hex[:8]}@example.com", phone()
    profile = someone(c, tenant, email, number)
    request = SendRequest("news", "news:u", Origin("api"), fallback_unopened=timedelta(hours=24))
    c.messaging.send(ws, profile, request)
    deliver(c)
    assert len(peers.mailbox.messages(to=email)) == 1
    clock.move(hours=25)
    assert c.sender().chase_unopened() == 1
    deliver(c)
    assert len(peers.journal.inbox(channel="sms", to=number)) == 1


def test_an_opened_email_is_not_chased(timed, tenant, peers, clock):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, NEWS)
    email, number = f"opener.{uuid.uuid4().hex[:8]}@example.com", phone()
    profile = someone(c, tenant, email, number)
    request = SendRequest("news", "news:o", Origin("api"), fallback_unopened=timedelta(hours=24))
    c.messaging.send(ws, profile, request)
    deliver(c)
    c.receipts.report("news:o", "opened")
    clock.move(hours=25)
    assert c.sender().chase_unopened() == 0


def test_a_failing_provider_alerts_the_admin(database_url, engine, peers, vapid, tenant, clock):
    admin = f"ops.{uuid.uuid4().hex[:6]}@example.com"
    broken = peers.channels_config(vapid_private_key=vapid[0])
    from dataclasses import replace

    from omniweave.channels.sms import SmsGatewayConfig

    broken = replace(broken, sms=SmsGatewayConfig("http://127.0.0.1:9", "k", "Omniweave"))
    settings = Settings(
        database_url=database_url,
        identity_settle_seconds=0,
        resolver_interval_seconds=0,
        alert_email=admin,
    )
    c = bootstrap(settings, engine=engine, clock=clock, channels=broken)
    ws = tenant.workspace_id
    c.messaging.save_template(ws, {**NEWS, "channels": {"sms": {"text": "News"}}})
    for i in range(6):
        profile = someone(c, tenant, f"x{i}.{uuid.uuid4().hex[:6]}@example.com", phone())
        c.messaging.send(ws, profile, SendRequest("news", f"n{i}:{uuid.uuid4()}", Origin("api")))
    deliver(c)
    with c.engine.connect() as conn:
        alert = conn.execute(select(alerts)).one()
    assert alert.subject == "sms" and alert.count >= 5 and alert.notified_at is not None
    mail = peers.mailbox.messages(to=admin)
    assert len(mail) == 1 and "sms" in mail[0]["subject"]


def test_quiet_hours_defer_and_the_message_goes_when_they_end(
    database_url, engine, peers, vapid, tenant, clock
):
    settings = Settings(
        database_url=database_url,
        identity_settle_seconds=0,
        resolver_interval_seconds=0,
        quiet_hours="21:00-09:00",
    )
    c = bootstrap(
        settings,
        engine=engine,
        clock=clock,
        channels=peers.channels_config(vapid_private_key=vapid[0]),
    )
    ws = tenant.workspace_id
    c.messaging.save_template(ws, NEWS)
    clock.now = clock.now.replace(hour=23, minute=0, second=0, microsecond=0)
    email = f"night.{uuid.uuid4().hex[:8]}@example.com"
    profile = someone(c, tenant, email, phone())
    row = c.messaging.send(ws, profile, SendRequest("news", "news:night", Origin("api")))
    assert row["status"] == "deferred" and row["decision"]["rule"] == "quiet_hours"
    assert deliver(c) == 0
    clock.move(hours=10, minutes=1)  # 09:01 UTC
    deliver(c)
    assert len(peers.mailbox.messages(to=email)) == 1
