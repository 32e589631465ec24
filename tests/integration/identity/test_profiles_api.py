"""Profiles through the API: lookup by any identifier, explanation, split (both backends)."""

from __future__ import annotations

from tests.integration.identity.test_resolver import kolya_everywhere, send


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_one_profile_found_by_every_identifier(client, container, tenant):
    kolya_everywhere(container, tenant)
    container.resolver.catch_up()
    read = bearer(tenant.read_key)
    by_phone = client.get("/api/profiles", params={"phone": "8 (916) 123-45-67"}, headers=read)
    assert by_phone.status_code == 200, by_phone.text
    profile = by_phone.json()
    for params in (
        {"email": "KOLYA@mail.ru"},
        {"anonymous_id": "app-1"},
        {"card": "7700123"},
        {"phone": "+7 916 123 4567"},
    ):
        assert (
            client.get("/api/profiles", params=params, headers=read).json()["id"] == profile["id"]
        )
    kinds = {i["type"] for i in profile["identifiers"]}
    assert {"email", "phone", "anonymous_id", "loyalty_card", "device_token"} <= kinds
    phone = next(i for i in profile["identifiers"] if i["type"] == "phone")
    assert {s["raw"] for s in phone["seenAs"]} == {"+7 916 123 4567", "8 (916) 123-45-67"}
    assert profile["traits"]["email"]["source"] == "site"
    assert [o["order_id"] for o in profile["orders"]] == ["o-1"]
    assert len(profile["timeline"]) == 4
    assert profile["merges"] and all(m["explanation"] for m in profile["merges"])


def test_lookup_errors(client, tenant):
    read = bearer(tenant.read_key)
    assert client.get("/api/profiles", params={"email": "x@y.ru"}, headers=read).status_code == 404
    bad = client.get("/api/profiles", params={"phone": "12"}, headers=read)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "phone"
    two = client.get("/api/profiles", params={"phone": "1", "email": "a@b.ru"}, headers=read)
    assert two.status_code == 400
    assert client.get("/api/profiles/p_nope", headers=read).status_code == 404


def test_split_restores_both_and_they_stay_apart(client, container, tenant):
    kolya_everywhere(container, tenant)
    container.resolver.catch_up()
    read, admin = bearer(tenant.read_key), bearer(tenant.admin_key)
    merged = client.get("/api/profiles", params={"anonymous_id": "web-1"}, headers=read).json()
    merges = [m for m in merged["merges"] if m["undoneAt"] is None]
    latest = merges[-1]
    split = client.post(f"/api/profiles/{merged['id']}/split", json={}, headers=admin)
    assert split.status_code == 200, split.text
    assert split.json()["restored"] == latest["merged"]
    restored = client.get(f"/api/profiles/{latest['merged']}", headers=read).json()
    assert restored["id"] == latest["merged"]
    assert restored["identifiers"]
    # the same evidence arriving again does not glue them back
    send(
        container,
        tenant,
        {
            "type": "identify",
            "anonymousId": "web-1",
            "messageId": "again",
            "traits": {"phone": "+79161234567", "email": "kolya@mail.ru"},
        },
    )
    container.resolver.catch_up()
    after = client.get(f"/api/profiles/{latest['merged']}", headers=read).json()
    assert after["id"] == latest["merged"]
    assert any(
        "split apart" in r["reason"]
        for r in after["refused"] + merged_refusals(client, merged, read)
    )


def merged_refusals(client, merged, read):
    return client.get(f"/api/profiles/{merged['id']}", headers=read).json()["refused"]


def test_split_of_a_never_merged_profile_is_409(client, container, tenant):
    send(container, tenant, {"type": "identify", "userId": "solo", "messageId": "s"})
    container.resolver.catch_up()
    found = client.get("/api/profiles", params={"user_id": "solo"}, headers=bearer(tenant.read_key))
    answer = client.post(
        f"/api/profiles/{found.json()['id']}/split", headers=bearer(tenant.admin_key)
    )
    assert answer.status_code == 409
    assert "never merged" in answer.json()["message"]
    assert (
        client.post(
            f"/api/profiles/{found.json()['id']}/split", headers=bearer(tenant.read_key)
        ).status_code
        == 403
    )


def test_a_merged_id_keeps_resolving(client, container, tenant):
    kolya_everywhere(container, tenant)
    container.resolver.catch_up()
    read = bearer(tenant.read_key)
    profile = client.get("/api/profiles", params={"anonymous_id": "web-1"}, headers=read).json()
    for old in profile["mergedIds"]:
        answer = client.get(f"/api/profiles/{old}", headers=read).json()
        assert answer["id"] == profile["id"] and answer["requestedId"] == old
    page = client.get(f"/api/profiles/{profile['id']}/events?limit=2", headers=read).json()
    assert len(page["events"]) == 2
    rest = client.get(
        f"/api/profiles/{profile['id']}/events?before={page['next']}", headers=read
    ).json()
    assert len(rest["events"]) == 2
