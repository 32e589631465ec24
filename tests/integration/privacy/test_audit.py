"""The audit log over HTTP (both backends): admin changes are recorded once, centrally, with
who, what and how it ended, and never the values sent."""

from __future__ import annotations


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


SECRET_BODY = {
    "name": "hello",
    "topic": "marketing",
    "channels": {"email": {"subject": "Hi sekrit-value", "html": "<p>x</p>"}},
}


def test_admin_changes_are_audited_reads_and_writes_are_not(client, tenant):
    admin, read = bearer(tenant.admin_key), bearer(tenant.read_key)
    assert client.post("/api/templates", json=SECRET_BODY, headers=admin).status_code == 200
    assert client.post("/api/templates", json={"name": 1}, headers=admin).status_code == 400
    assert (
        client.post("/api/templates", json=SECRET_BODY, headers=bearer(tenant.read_key)).status_code
        == 403
    )
    assert client.post("/api/profiles/p_nope/erase", headers=admin).status_code == 404
    assert client.get("/api/templates", headers=read).status_code == 200  # a read: not audited
    assert client.post("/v1/track", json={"userId": "u", "event": "E", "messageId": "m"},
                       headers=bearer(tenant.write_key)).status_code == 200  # fmt: skip

    answer = client.get("/api/audit", headers=admin)
    assert answer.status_code == 200, answer.text
    entries = answer.json()["entries"]
    assert [(e["action"], e["outcome"], e["status"]) for e in entries] == [
        ("POST /api/profiles/{profile_id}/erase", "rejected", 404),
        ("POST /api/templates", "refused", 403),
        ("POST /api/templates", "rejected", 400),
        ("POST /api/templates", "ok", 200),
    ]
    assert entries[0]["resource"] == "profile_id=p_nope"
    assert entries[3]["summary"] == {"fields": ["channels", "name", "topic"]}
    assert entries[3]["actor"].startswith("key:") and "(test)" in entries[3]["actor"]
    assert "sekrit" not in answer.text and tenant.admin_key not in answer.text

    refused = client.get("/api/audit", params={"outcome": "refused"}, headers=admin).json()
    assert [e["status"] for e in refused["entries"]] == [403]
    page = client.get("/api/audit", params={"limit": 2}, headers=admin).json()
    rest = client.get("/api/audit", params={"before": page["next"]}, headers=admin).json()
    assert [e["id"] for e in page["entries"] + rest["entries"]] == [e["id"] for e in entries]
    assert client.get("/api/audit", headers=bearer(tenant.read_key)).status_code == 403
