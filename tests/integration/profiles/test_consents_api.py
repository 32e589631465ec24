"""Consents and reachability on a real store (SQLite and PostgreSQL): a revoke removes the
channel from reachability at once, whichever way it arrives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from omniweave.api.app import create_app
from omniweave.profiles.consent_service import build_consent_service, build_consent_updater
from tests.integration.identity.test_resolver import kolya_everywhere, send


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api(container) -> Iterator[TestClient]:
    app = create_app(container)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def updater(container):
    return build_consent_updater(
        container.settings, container.engine, container.identity.rules, container.clock
    )


def kolya(api, container, tenant) -> str:
    kolya_everywhere(container, tenant)
    container.resolver.catch_up()
    found = api.get(
        "/api/profiles", params={"email": "kolya@mail.ru"}, headers=bearer(tenant.read_key)
    )
    assert found.status_code == 200, found.text
    return found.json()["id"]


def grant(api, tenant, channel="email", state="granted", **identifier):
    body = {"channel": channel, "topic": "marketing", "state": state, **identifier}
    return api.post("/api/consents", json=body, headers=bearer(tenant.write_key))


def reach(api, tenant, profile_id, channel="email", topic="marketing") -> dict:
    view = api.get(f"/api/profiles/{profile_id}/consents", headers=bearer(tenant.read_key))
    assert view.status_code == 200, view.text
    return view.json()["reachability"][channel][topic]


def test_grant_then_revoke_through_the_api_takes_effect_at_once(api, container, tenant):
    pid = kolya(api, container, tenant)
    assert not reach(api, tenant, pid)["reachable"]
    granted = grant(api, tenant, email="Kolya@Mail.ru")
    assert granted.status_code == 200, granted.text
    answer = granted.json()
    assert answer["profile"] == pid
    assert answer["reachability"]["email"]["marketing"]["reachable"] is True
    now = reach(api, tenant, pid)
    assert now["reachable"] and now["address"] == "kolya@mail.ru"
    assert now["consent"]["state"] == "granted" and now["consent"]["source"] == "api"
    revoked = grant(api, tenant, state="revoked", userId=None, phone="+7 916 123 4567")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["reachability"]["email"]["marketing"]["reachable"] is False
    after = reach(api, tenant, pid)
    assert not after["reachable"] and "revoked" in after["reasons"][0]
    assert reach(api, tenant, pid, topic="transactional")["reachable"]


def test_one_click_unsubscribe_needs_no_login(api, container, tenant):
    pid = kolya(api, container, tenant)
    grant(api, tenant, email="kolya@mail.ru", proof={"ip": "10.1.1.1", "formId": "footer"})
    service = build_consent_service(
        container.settings, container.engine, container.identity.rules, container.clock
    )
    headers = service.headers(tenant.workspace_id, "Kolya@mail.ru")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = "/u/" + headers["List-Unsubscribe"][1:-1].rsplit("/u/", 1)[1]
    page = api.get(path)
    assert page.status_code == 200 and 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert reach(api, tenant, pid)["reachable"]
    empty = api.post(path, content=b"", headers={"Content-Type": "text/plain"})
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "List-Unsubscribe"
    done = api.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200, done.text
    after = reach(api, tenant, pid)
    assert not after["reachable"] and "one-click unsubscribe" in after["reasons"][0]
    again = api.post(path, files={"List-Unsubscribe": (None, "One-Click")})  # multipart
    assert again.status_code == 200
    view = api.get(f"/api/profiles/{pid}/consents", headers=bearer(tenant.read_key)).json()
    assert [h["source"] for h in view["history"]] == ["one_click", "api"], "a repeat is a no-op"
    assert view["history"][1]["proof"] == {"ip": "10.1.1.1", "formId": "footer"}
    for bad in ("/u/nonsense", path[:-3] + "abc", "/u/1.e30.AAAA"):
        assert api.post(bad, data={"List-Unsubscribe": "One-Click"}).status_code == 404
        assert api.get(bad).status_code == 404


def test_sms_stop_revokes_sms_marketing_for_the_phone(api, container, tenant):
    pid = kolya(api, container, tenant)
    grant(api, tenant, channel="sms", phone="+79161234567")
    assert reach(api, tenant, pid, "sms")["reachable"]
    write = bearer(tenant.write_key)
    chat = api.post(
        "/api/channels/sms/inbound",
        json={"from": "+79161234567", "text": "where is my pizza"},
        headers=write,
    )
    assert chat.status_code == 200 and chat.json()["action"] == "none"
    assert reach(api, tenant, pid, "sms")["reachable"]
    stop = api.post(
        "/api/channels/sms/inbound",
        json={"from": "8 (916) 123-45-67", "text": "  Стоп "},
        headers=write,
    )
    assert stop.status_code == 200, stop.text
    assert stop.json()["action"] == "unsubscribed"
    assert stop.json()["reachability"]["sms"]["marketing"]["reachable"] is False
    after = reach(api, tenant, pid, "sms")
    assert not after["reachable"]
    assert (
        after["reasons"][0].startswith("sms: STOP received")
        and "via sms_stop" in after["reasons"][0]
    )
    assert reach(api, tenant, pid, "sms", "transactional")["reachable"]
    assert reach(api, tenant, pid, "email", "transactional")["reachable"]


def test_a_consent_revoked_event_applies_when_the_consumer_runs(api, container, tenant):
    pid = kolya(api, container, tenant)
    grant(api, tenant, email="kolya@mail.ru")
    consumer = updater(container)
    assert consumer.catch_up() == 2, "the two identify events so far (no consent in them)"
    send(
        container,
        tenant,
        {
            "type": "track",
            "anonymousId": "web-1",
            "event": "Consent Revoked",
            "properties": {"channel": "email", "topic": "marketing"},
            "messageId": "c-1",
        },
    )
    assert consumer.catch_up() == 0, "reads only what the identity resolver has processed"
    assert reach(api, tenant, pid)["reachable"]
    container.resolver.catch_up()
    assert consumer.catch_up() == 1
    after = reach(api, tenant, pid)
    assert not after["reachable"] and "via site" in after["reasons"][0]
    assert consumer.catch_up() == 0


def test_opt_in_traits_grant_and_a_stale_resend_does_not_undo_an_unsubscribe(
    api, container, tenant
):
    pid = kolya(api, container, tenant)
    crm = {"type": "identify", "userId": None, "anonymousId": "web-1"}
    send(
        container,
        tenant,
        {**crm, "traits": {"emailOptIn": True, "pushOptIn": True}, "messageId": "t-1"},
    )
    container.resolver.catch_up()
    updater(container).catch_up()
    assert reach(api, tenant, pid)["reachable"]
    push = reach(api, tenant, pid, "push")
    assert push["reachable"] and push["address"] == "fcm-1"
    grant(api, tenant, state="revoked", email="kolya@mail.ru")
    send(container, tenant, {**crm, "traits": {"emailOptIn": True}, "messageId": "t-2"})
    container.resolver.catch_up()
    updater(container).catch_up()
    assert not reach(api, tenant, pid)["reachable"], "an unchanged trait is not a new decision"


def test_a_hard_bounce_makes_email_unreachable_even_with_consent(api, container, tenant):
    pid = kolya(api, container, tenant)
    grant(api, tenant, email="kolya@mail.ru")
    bounce = api.post(
        "/api/channels/email/delivery-events",
        json={
            "address": "KOLYA@mail.ru",
            "state": "hard_bounce",
            "reason": "no such mailbox",
            "at": "2026-11-02T10:00:00Z",
        },
        headers=bearer(tenant.write_key),
    )
    assert bounce.status_code == 200, bounce.text
    after = reach(api, tenant, pid)
    assert not after["reachable"]
    assert "email kolya@mail.ru: hard bounce 2026-11-02 (no such mailbox)" in after["reasons"]
    assert after["consent"]["state"] == "granted"


def test_consent_follows_a_merge(api, container, tenant):
    # the consent arrives before anyone has seen the email
    early = grant(api, tenant, email="kolya@mail.ru")
    assert early.status_code == 200 and early.json()["profile"] is None
    pid = kolya(api, container, tenant)
    assert reach(api, tenant, pid)["reachable"]
    view = api.get(f"/api/profiles/{pid}/consents", headers=bearer(tenant.read_key)).json()
    merged = api.get(f"/api/profiles/{pid}", headers=bearer(tenant.read_key)).json()["mergedIds"]
    assert merged
    for old in merged:
        through = api.get(f"/api/profiles/{old}/consents", headers=bearer(tenant.read_key))
        assert through.status_code == 200 and through.json()["profile"] == pid
        assert through.json()["consents"] == view["consents"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/consents", {"email": "a@b.ru", "channel": "fax", "state": "granted"}, "channel"),
        ("/api/consents", {"channel": "email", "state": "granted"}, "identifier"),
        (
            "/api/consents",
            {"email": "a@b.ru", "phone": "+79161234567", "channel": "sms", "state": "granted"},
            "identifier",
        ),
        ("/api/consents", {"phone": "12", "channel": "sms", "state": "granted"}, "phone"),
        ("/api/consents", {"email": "a@b.ru", "channel": "email", "state": "maybe"}, "state"),
        (
            "/api/consents",
            {"email": "a@b.ru", "channel": "email", "topic": "x", "state": "granted"},
            "topic",
        ),
        ("/api/consents", {"email": "a@b.ru", "state": "granted"}, "channel"),
        (
            "/api/consents",
            {
                "email": "a@b.ru",
                "channel": "email",
                "state": "granted",
                "at": "2999-01-01T00:00:00Z",
            },
            "at",
        ),
        ("/api/channels/fax/delivery-events", {"address": "a@b.ru", "state": "ok"}, "channel"),
        ("/api/channels/email/delivery-events", {"address": "a@b.ru", "state": "lost"}, "state"),
        ("/api/channels/email/delivery-events", {"address": "nope", "state": "ok"}, "address"),
        ("/api/channels/sms/inbound", {"text": "STOP"}, "from"),
        ("/api/channels/sms/inbound", {"from": "abc", "text": "STOP"}, "from"),
    ],
)
def test_bad_input_names_the_field(api, tenant, path, body, field):
    answer = api.post(path, json=body, headers=bearer(tenant.write_key))
    assert answer.status_code == 400, answer.text
    named = [e["field"].removeprefix("body.") for e in answer.json()["errors"]]
    assert field in named, named


def test_keys_and_unknown_profiles(api, tenant):
    body = {"email": "a@b.ru", "channel": "email", "state": "granted"}
    assert api.post("/api/consents", json=body).status_code == 401
    assert api.post("/api/consents", json=body, headers=bearer(tenant.read_key)).status_code == 403
    assert api.post("/api/consents", json=body, headers=bearer(tenant.admin_key)).status_code == 200
    missing = api.get("/api/profiles/p_nope/consents", headers=bearer(tenant.read_key))
    assert missing.status_code == 404
