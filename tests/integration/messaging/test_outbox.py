"""A message from decision to the peer: the outbox row with its decision, the send, the
status events in the log, and idempotency of both the row and the send."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from omniweave.messaging.service import Origin, SendRequest
from omniweave.store.tables import events
from tests.integration.messaging.conftest import deliver, identify

WELCOME = {
    "name": "welcome",
    "topic": "marketing",
    "channels": {
        "email": {
            "subject": "Hello {{ profile.first_name }}",
            "html": "<p>Hi {{ profile.first_name }}! <a href='https://pizza.example/menu'>Menu</a>"
            "</p><a href='{{ message.unsubscribe_url }}'>unsubscribe</a>",
        },
        "sms": {"text": "Hi {{ profile.first_name }}"},
    },
}


def test_a_message_reaches_the_mailbox_once(delivering, tenant, peers):
    c = delivering
    email = f"anna.{uuid.uuid4().hex[:8]}@example.com"  # the peers serve every test
    c.ingest.batch(
        tenant.workspace_id,
        tenant.site_id,
        {"batch": [identify("u1", email=email, first_name="Anna", emailOptIn=True)]},
    )
    c.catch_up()
    c.messaging.save_template(tenant.workspace_id, WELCOME)
    profile = c.identity.lookup(tenant.workspace_id, "user_id", "u1")["id"]
    request = SendRequest("welcome", "welcome:u1", Origin("api"))
    row = c.messaging.send(tenant.workspace_id, profile, request)
    assert row["status"] == "queued", row["decision"]
    assert row["channel"] == "email"
    again = c.messaging.send(tenant.workspace_id, profile, request)
    assert again["id"] == row["id"]
    assert deliver(c) == 1
    got = [m for m in peers.mailbox.messages(to=email)]
    assert len(got) == 1
    assert got[0]["subject"] == "Hello Anna"
    assert "List-Unsubscribe" in got[0]["headers"]
    with c.engine.connect() as conn:
        names = list(conn.execute(select(events.c.event).where(events.c.event == "Email Sent")))
    assert len(names) == 1
