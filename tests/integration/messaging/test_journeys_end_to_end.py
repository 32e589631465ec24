"""The seeds' case end to end with the real peers: a cart abandoned on the site, then the same
items bought in a store. No reminder goes; the next day a "did you like it?" message goes by
push, because the person has the app, not by SMS."""

from __future__ import annotations

import uuid

from tests.integration.messaging.conftest import deliver, settle

CART_REMINDER = {
    "name": "cart-reminder",
    "topic": "marketing",
    "products": "{{ cart.items | map(attribute='product_id') | join(',') }}",
    "channels": {
        "push": {"title": "Your cart misses you", "body": "{{ cart.items | length }} items"},
        "email": {"subject": "Your cart", "html": "<p>Come back, {{ profile.first_name }}</p>"},
        "sms": {"text": "Your cart is waiting"},
    },
}
FEEDBACK = {
    "name": "feedback",
    "topic": "marketing",
    "channels": {
        "push": {"title": "Did you like it?", "body": "Rate your order, {{ profile.first_name }}"},
        "email": {"subject": "Did you like it?", "html": "<p>Rate us</p>"},
        "sms": {"text": "Did you like it? Rate us"},
    },
}
ABANDONED_CART = {
    "name": "abandoned-cart",
    "trigger": {"event": {"name": "Product Added"}},
    "reentry": {"mode": "after_exit"},
    "goal": {"event": {"name": "Order Completed"}},
    "steps": [
        {"id": "wait", "wait": {"duration": "6h"}},
        {"id": "remind", "send": {"template": "cart-reminder"}},
    ],
}
POST_PURCHASE = {
    "name": "post-purchase",
    "trigger": {"event": {"name": "Order Completed"}},
    "steps": [
        {"id": "next-day", "wait": {"duration": "1d"}},
        {"id": "ask", "send": {"template": "feedback"}},
    ],
}


def test_bought_in_store_no_reminder_then_feedback_by_push(timed, tenant, clock, peers):
    c, ws = timed, tenant.workspace_id
    for template in (CART_REMINDER, FEEDBACK):
        c.messaging.save_template(ws, template)
    for journey in (ABANDONED_CART, POST_PURCHASE):
        c.journeys.apply(ws, journey)
    token = uuid.uuid4().hex  # the app's FCM registration token
    phone = "+7916" + str(uuid.uuid4().int)[:7]
    now = clock.now.isoformat()
    site = [
        {
            "type": "identify",
            "userId": "guest-1",
            "messageId": "id-1",
            "timestamp": now,
            "traits": {
                "first_name": "Ivan",
                "phone": phone,
                "email": "ivan@example.com",
                "pushOptIn": True,
                "smsOptIn": True,
                "emailOptIn": True,
            },
            "context": {"device": {"token": token}},
        },
        {
            "type": "track",
            "userId": "guest-1",
            "event": "Product Added",
            "messageId": "cart-1",
            "timestamp": now,
            "properties": {"product_id": "pepperoni-30", "name": "Pepperoni", "price": 690},
        },
    ]
    c.ingest.batch(ws, tenant.site_id, {"batch": site})
    settle(c)
    runs = c.journeys.runs(ws, "abandoned-cart")
    assert [r["status"] for r in runs] == ["waiting"]

    clock.move(hours=1)  # the same pizza bought at the till, found by the phone
    c.ingest.order(
        ws,
        tenant.pos_id,
        {
            "orderId": "pos-1",
            "channel": "pos",
            "store": "store-7",
            "status": "paid",
            "paymentStatus": "paid",
            "customer": {"phone": phone},
            "lines": [{"sku": "pepperoni-30", "quantity": 1, "price": 690}],
            "placedAt": clock.now.isoformat(),
        },
    )
    settle(c)
    cart = c.journeys.runs(ws, "abandoned-cart")[0]
    assert cart["status"] == "goal", cart
    assert any(s["outcome"] == "goal" for s in cart["steps"])

    clock.move(hours=6)  # the reminder's time: nothing, the run ended
    settle(c)
    assert deliver(c) == 0

    clock.move(hours=18)  # the next day: the feedback request
    settle(c)
    assert deliver(c) == 1
    pushed = peers.journal.inbox(channel="push", to=token)
    assert len(pushed) == 1
    assert "Did you like it?" in str(pushed[0]["body"])
    assert peers.journal.inbox(channel="sms", to=phone) == []
