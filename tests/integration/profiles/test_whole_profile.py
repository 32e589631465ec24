"""One answer for the whole person: identity, computed traits, consents and reachability."""

from __future__ import annotations


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_the_profile_shows_traits_consents_and_reachability(client, container, tenant):
    container.ingest.batch(
        tenant.workspace_id,
        tenant.site_id,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": "kolya",
                    "messageId": "1",
                    "traits": {"email": "kolya@mail.ru", "phone": "+79161234567"},
                },
            ]
        },
    )
    container.ingest.order(
        tenant.workspace_id,
        tenant.pos_id,
        {
            "orderId": "o-1",
            "channel": "pos",
            "store": "pos-001",
            "status": "paid",
            "paymentStatus": "paid",
            "customer": {"userId": "kolya"},
            "lines": [
                {
                    "sku": "pepperoni-30",
                    "name": "Пепперони",
                    "category": "pizza",
                    "quantity": 1,
                    "price": "549",
                }
            ],
        },
    )
    assert container.catch_up() > 0  # identity, then consents and traits, as the server does
    granted = client.post(
        "/api/consents",
        headers=bearer(tenant.write_key),
        json={
            "email": "kolya@mail.ru",
            "channel": "email",
            "topic": "marketing",
            "state": "granted",
            "proof": {"ip": "203.0.113.7", "formId": "checkout"},
        },
    )
    assert granted.status_code < 300, granted.text
    profile = client.get(
        "/api/profiles", params={"user_id": "kolya"}, headers=bearer(tenant.read_key)
    ).json()
    assert profile["computedTraits"]["order_count"]["value"] == 1
    assert profile["computedTraits"]["favourite_store"]["value"] == "pos-001"
    email = profile["reachability"]["email"]["marketing"]
    assert email["reachable"] and email["address"] == "kolya@mail.ru"
    assert not profile["reachability"]["sms"]["marketing"]["reachable"]  # no consent for SMS
    assert profile["reachability"]["sms"]["marketing"]["reasons"]

    revoked = client.post(
        "/api/consents",
        headers=bearer(tenant.write_key),
        json={
            "email": "kolya@mail.ru",
            "channel": "email",
            "topic": "marketing",
            "state": "revoked",
        },
    )
    assert revoked.status_code < 300, revoked.text
    after = client.get(f"/api/profiles/{profile['id']}", headers=bearer(tenant.read_key)).json()
    assert not after["reachability"]["email"]["marketing"]["reachable"]  # at once
