"""Cart abandonment for journeys, with the real peers: a cart filled in the app and on the
site is one cart; the event-triggered abandoned-cart journey reminds once, 6 hours later,
and the reminder's template sees both channels' items."""

from __future__ import annotations

import uuid

from omniweave.access.model import SourceKind
from omniweave.access.service import ensure_source
from tests.integration.messaging.conftest import deliver, settle

REMINDER = {
    "name": "cart-reminder",
    "topic": "marketing",
    "channels": {
        "push": {
            "title": "Your cart misses you",
            "body": "{{ cart.items | length }} items: "
            "{{ cart.items | map(attribute='product_id') | sort | join(',') }}",
        },
    },
}
JOURNEY = {
    "name": "abandoned-cart",
    "trigger": {"event": {"name": "Product Added"}},
    "reentry": {"mode": "after_exit"},
    "goal": {"event": {"name": "Order Completed"}},
    "steps": [
        {"id": "wait", "wait": {"duration": "6h"}},
        {"id": "remind", "send": {"template": "cart-reminder"}},
    ],
}


def test_a_cart_from_app_and_site_is_reminded_once_with_both_items(timed, tenant, clock, peers):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, REMINDER)
    c.journeys.apply(ws, JOURNEY)
    with c.engine.begin() as conn:
        app = ensure_source(conn, ws, "app", SourceKind.APP, clock.now)
    token = uuid.uuid4().hex
    now = clock.now.isoformat()
    c.ingest.batch(
        ws,
        app,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": "ivan",
                    "messageId": "id-1",
                    "timestamp": now,
                    "traits": {"first_name": "Ivan", "pushOptIn": True},
                    "context": {"device": {"token": token}},
                },
                {
                    "type": "track",
                    "userId": "ivan",
                    "event": "Product Added",
                    "messageId": "app-add",
                    "timestamp": now,
                    "properties": {"sku": "pepperoni-30", "price": 599},
                },
            ]
        },
    )
    clock.move(minutes=30)
    site_add = {
        "type": "track",
        "userId": "ivan",
        "event": "Product Added",
        "messageId": "site-add",
        "timestamp": clock.now.isoformat(),
        "properties": {"sku": "cola-05", "price": 149},
    }
    c.ingest.batch(ws, tenant.site_id, {"batch": [site_add]})
    settle(c)
    profile = c.identity.lookup(ws, "user_id", "ivan")["id"]
    cart = c.carts.cart(ws, profile)
    assert sorted(ln["sku"] for ln in cart["lines"]) == ["cola-05", "pepperoni-30"]
    assert sorted(cart["channels"]) == ["app", "site"]
    assert [r["status"] for r in c.journeys.runs(ws, "abandoned-cart")] == ["waiting"]

    clock.move(hours=6, minutes=1)
    settle(c)
    assert deliver(c) == 1
    (pushed,) = peers.journal.inbox(channel="push", to=token)
    assert "2 items: cola-05,pepperoni-30" in str(pushed["body"])
    clock.move(hours=6)
    settle(c)
    assert deliver(c) == 0
