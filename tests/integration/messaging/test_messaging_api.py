"""The messaging API over HTTP: templates, journeys, campaigns and messages, their errors
naming the field, and which key may do what."""

from __future__ import annotations

from tests.integration.messaging.conftest import settle

TEMPLATE = {
    "name": "hello",
    "topic": "marketing",
    "channels": {"email": {"subject": "Hi {{ profile.first_name }}", "html": "<p>Hi</p>"}},
}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_templates_journeys_campaigns_and_messages_over_http(client, container, tenant):
    admin, read = bearer(tenant.admin_key), bearer(tenant.read_key)
    wrong = {**TEMPLATE, "channels": {"email": {"subject": "{{ profile.frist_name }}",
                                                "html": "<p>x</p>"}}}  # fmt: skip
    answer = client.post("/api/templates", json=wrong, headers=admin)
    assert answer.status_code == 400
    assert "channels.email.subject" in answer.text
    saved = client.post("/api/templates", json=TEMPLATE, headers=admin).json()
    assert (saved["version"], saved["changed"]) == (1, True)
    assert client.post("/api/templates", json=TEMPLATE, headers=admin).json()["changed"] is False
    assert client.post("/api/templates", json=TEMPLATE, headers=read).status_code == 403

    bad_journey = {
        "name": "j",
        "trigger": {"event": {"name": "X"}},
        "steps": [{"id": "a", "wait": {"duration": "1h"}, "next": "nowhere"}],
    }
    answer = client.post("/api/journeys", json=bad_journey, headers=admin)
    assert answer.status_code == 400 and "steps[0].next" in answer.text
    journey = {
        "name": "welcome",
        "trigger": {"event": {"name": "Signed Up"}},
        "steps": [{"id": "hi", "send": {"template": "hello"}}],
    }
    assert client.post("/api/journeys", json=journey, headers=admin).json()["version"] == 1
    listed = client.get("/api/journeys", headers=read).json()["journeys"]
    assert [j["name"] for j in listed] == ["welcome"]
    assert client.post("/api/journeys/welcome/pause", headers=admin).json()["status"] == "paused"

    container.ingest.batch(tenant.workspace_id, tenant.site_id, {"batch": [{
        "type": "identify", "userId": "ann", "messageId": "ann-1",
        "traits": {"email": "ann@example.com", "first_name": "Ann", "emailOptIn": True},
    }]})  # fmt: skip
    settle(container)
    profile = container.identity.lookup(tenant.workspace_id, "user_id", "ann")["id"]
    preview = client.post("/api/templates/hello/preview", json={"profileId": profile},
                          headers=read).json()  # fmt: skip
    assert preview["content"]["email"]["subject"] == "Hi Ann"
    send = {"profileId": profile, "template": "hello", "key": "k-1"}
    assert client.post("/api/messages", json=send, headers=read).status_code == 403
    first = client.post("/api/messages", json=send, headers=admin).json()
    again = client.post("/api/messages", json=send, headers=admin).json()
    assert first["id"] == again["id"]
    # No provider is configured here: the decision says so, and nothing is queued.
    assert first["status"] == "suppressed"
    assert "no provider configured" in str(first["decision"])
    page = client.get("/api/messages", params={"profile": profile}, headers=read).json()
    assert [m["id"] for m in page["messages"]] == [first["id"]]
    one = client.get(f"/api/messages/{first['id']}", headers=read).json()
    assert one["decision"]["checks"]

    container.segments.save(tenant.workspace_id, "all", {"identifier": {"type": "user_id"}}, None)
    campaign = {"name": "c1", "segment": "all", "template": "hello", "holdout": 0}
    assert client.post("/api/campaigns", json=campaign, headers=admin).json()["status"] == "draft"
    bad = client.post("/api/campaigns", json={**campaign, "segment": "none"}, headers=admin)
    assert bad.status_code == 400 and "segment" in bad.text
    assert client.post("/api/campaigns/c1/start", json={}, headers=admin).status_code == 200
    container.campaigns.run_due()
    report = client.get("/api/campaigns/c1", headers=read).json()
    assert report["status"] == "done" and report["counts"]["audience"] == 1
    assert client.post("/api/campaigns/c1/start", json={}, headers=admin).status_code == 409


def test_the_open_pixel_always_answers_with_an_image(client):
    answer = client.get("/o/not-a-token.gif")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/gif"
    assert client.get("/r/not-a-token", follow_redirects=False).status_code == 404
