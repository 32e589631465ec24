"""Hand-made histories sent through the real ingest path, for the computed trait tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def send(container, tenant, *messages, source="site"):
    source_id = tenant.site_id if source == "site" else tenant.pos_id
    return container.ingest.batch(tenant.workspace_id, source_id, {"batch": list(messages)})


def order(container, tenant, order_id, days, channel, lines, customer, **extra):
    source_id = tenant.pos_id if channel == "pos" else tenant.site_id
    body = {
        "orderId": order_id,
        "channel": channel,
        "customer": customer,
        "placedAt": ago(days),
        "lines": [
            {"sku": sku, "name": name, "category": "pizza", "quantity": q, "price": str(p)}
            for sku, name, q, p in lines
        ],
        **extra,
    }
    return container.ingest.order(tenant.workspace_id, source_id, body)


def kolya(container, tenant):
    """Signs in on the site, orders there twice (one cancelled), once in the app (refunded),
    buys at the till of pos-001 with his loyalty card, opens emails and pushes."""
    me = {"userId": "kolya"}
    send(
        container,
        tenant,
        {
            "type": "identify",
            "userId": "kolya",
            "traits": {"email": "kolya@mail.ru", "phone": "+7 916 123 4567"},
            "timestamp": ago(300),
            "messageId": "k-1",
        },
        {
            "type": "identify",
            "anonymousId": "app-1",
            "traits": {"phone": "+79161234567"},
            "timestamp": ago(299),
            "messageId": "k-2",
        },
    )
    pepperoni = [("pepperoni-30", "Pepperoni", 2, 500)]
    order(container, tenant, "s-1", 60, "site", pepperoni, me, status="delivered")
    order(container, tenant, "s-2", 40, "site", [("hawaii-30", "Hawaii", 5, 450)], me)
    order(
        container,
        tenant,
        "s-2",
        40,
        "site",
        [("hawaii-30", "Hawaii", 5, 450)],
        me,
        status="cancelled",
        updatedAt=ago(39.9),
    )
    order(
        container,
        tenant,
        "a-1",
        20,
        "app",
        [("veggie-30", "Veggie", 4, 400)],
        {"phone": "+79161234567"},
        status="delivered",
    )
    order(
        container,
        tenant,
        "a-1",
        20,
        "app",
        [("veggie-30", "Veggie", 4, 400)],
        {"phone": "+79161234567"},
        status="returned",
        updatedAt=ago(19),
    )
    order(
        container,
        tenant,
        "p-1",
        10,
        "pos",
        [("margherita-30", "Margherita", 1, 400)],
        {"loyaltyCard": "7700 123", "phone": "8 (916) 123-45-67"},
        store="pos-001",
        status="paid",
    )
    send(
        container,
        tenant,
        {
            "type": "track",
            "event": "Email Opened",
            "properties": {"campaign_name": "weekly"},
            "context": {"externalIds": [{"type": "email", "id": "kolya@mail.ru"}]},
            "timestamp": ago(30),
            "messageId": "k-3",
        },
        *(
            {
                "type": "track",
                "anonymousId": "app-1",
                "event": event,
                "timestamp": ago(days),
                "messageId": f"k-push-{i}",
            }
            for i, (event, days) in enumerate(
                [("Push Opened", 8), ("Push Clicked", 8), ("Push Opened", 2)]
            )
        ),
    )


def olga(container, tenant):
    """Buys once at the till by phone only; nobody else knows her."""
    order(
        container,
        tenant,
        "p-2",
        100,
        "pos",
        [("veggie-30", "Veggie", 1, 400)],
        {"phone": "+79035550000"},
        store="pos-001",
        status="paid",
    )
