"""A source whose requests keep being refused alerts the admin; its next good request closes
the alert."""

from __future__ import annotations

from sqlalchemy import select

from omniweave.store.message_tables import alerts


def test_a_source_refused_again_and_again_raises_an_alert(client, container, tenant):
    notified = []
    container.alerts.notify = notified.append
    bad = {"type": "track", "userId": "u1"}  # no event name: a 400 naming the field
    for _ in range(5):
        answer = client.post("/v1/track", json=bad, auth=(tenant.write_key, ""))
        assert answer.status_code == 400
    with container.engine.connect() as conn:
        alert = conn.execute(select(alerts)).one()
    assert alert.kind == "source" and alert.subject == f"{tenant.workspace_id}/site"
    assert alert.count == 5 and alert.resolved_at is None
    assert "event" in alert.message
    assert [n["subject"] for n in notified] == [f"{tenant.workspace_id}/site"]
    good = {"type": "track", "userId": "u1", "event": "Fixed", "messageId": "ok-1"}
    assert client.post("/v1/track", json=good, auth=(tenant.write_key, "")).status_code == 200
    with container.engine.connect() as conn:
        assert conn.execute(select(alerts.c.resolved_at)).scalar() is not None
