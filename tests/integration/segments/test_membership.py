"""Real-time segment membership on SQLite and PostgreSQL: enter, exit, announcements in the
log exactly once, merges, and membership computed when a segment is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from omniweave.api.app import create_app
from omniweave.api.segment_members import router
from omniweave.store.segment_tables import segment_memberships
from omniweave.store.tables import event_identities, events, identities, log_cursors, profiles

NOW = datetime.now(UTC)
BROWSING = {
    "all": [
        {"event": {"name": "Product Viewed", "withinDays": 7}},
        {"not": {"event": {"name": "Order Completed", "withinDays": 7}}},
    ]
}


def track(who, name, n, days_ago=1.0, key="userId"):
    return {
        "type": "track",
        key: who,
        "event": name,
        "messageId": f"{who}-{name}-{n}",
        "timestamp": (NOW - timedelta(days=days_ago)).isoformat(),
        "properties": {"category": "pizza"},
    }


def send(container, tenant, *messages):
    container.ingest.batch(tenant.workspace_id, tenant.site_id, {"batch": list(messages)})


def settle(container):
    """The background loop: identity, consents, traits, then segments; twice, so that the
    announcements themselves are resolved too."""
    for _ in range(2):
        container.catch_up()
        container.segments.membership.catch_up()


def profile_of(container, tenant, user_id, kind="user_id"):
    return container.identity.lookup(tenant.workspace_id, kind, user_id)["id"]


def members(container, tenant, name="browsing"):
    found = container.segments.current_members(tenant.workspace_id, name)["members"]
    return [m["profileId"] for m in found]


def announced(container):
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(events.c.event, events.c.properties, events.c.user_id)
            .where(events.c.event.in_(("Segment Entered", "Segment Exited")))
            .order_by(events.c.id)
        ).all()
    return [(r.event, r.properties["profile_id"], r.user_id) for r in rows]


def test_enter_then_exit_announced_once(container, tenant):
    container.segments.save(tenant.workspace_id, "browsing", BROWSING)
    send(container, tenant, track("masha", "Product Viewed", 1))
    settle(container)
    masha = profile_of(container, tenant, "masha")
    assert members(container, tenant) == [masha]

    send(container, tenant, track("masha", "Order Completed", 1, days_ago=0.5))
    settle(container)
    assert members(container, tenant) == []
    settle(container)  # a second run changes nothing
    assert container.segments.membership.refresh(tenant.workspace_id) == 0
    assert announced(container) == [
        ("Segment Entered", masha, "masha"),
        ("Segment Exited", masha, "masha"),
    ]
    with container.engine.connect() as conn:
        # the announcements are attributed to masha's profile and found no other profile
        owners = conn.execute(
            select(identities.c.profile_id)
            .join(event_identities, event_identities.c.identity_id == identities.c.id)
            .join(events, events.c.id == event_identities.c.event_id)
            .where(events.c.event.like("Segment %"))
        ).scalars()
        assert set(owners) == {masha}
        assert conn.execute(select(func.count()).select_from(profiles)).scalar_one() == 1
        history = conn.execute(
            select(segment_memberships.c.entry, segment_memberships.c.exit_reason)
        ).all()
    assert [tuple(r) for r in history] == [(1, "left")]


def test_a_rerun_of_the_log_does_not_double_announcements(container, tenant):
    container.segments.save(tenant.workspace_id, "browsing", BROWSING)
    send(container, tenant, track("masha", "Product Viewed", 1))
    settle(container)
    with container.engine.begin() as conn:  # forget the cursor: the batch is read again
        conn.execute(update(log_cursors).where(log_cursors.c.name == "segments").values(position=0))
        conn.execute(segment_memberships.delete())
    settle(container)
    assert len(announced(container)) == 1
    assert len(members(container, tenant)) == 1


def test_a_merge_moves_membership_to_the_survivor(container, tenant):
    container.segments.save(tenant.workspace_id, "browsing", BROWSING)
    send(container, tenant, {**track("kolya", "Signed Up", 1, days_ago=3)})
    send(container, tenant, track("anon-1", "Product Viewed", 1, days_ago=2, key="anonymousId"))
    settle(container)
    kolya = profile_of(container, tenant, "kolya")
    visitor = profile_of(container, tenant, "anon-1", "anonymous_id")
    assert members(container, tenant) == [visitor]

    send(
        container,
        tenant,
        {
            "type": "identify",
            "userId": "kolya",
            "anonymousId": "anon-1",
            "messageId": "k-login",
            "timestamp": NOW.isoformat(),
        },
    )
    settle(container)
    assert profile_of(container, tenant, "anon-1", "anonymous_id") == kolya  # the survivor
    assert members(container, tenant) == [kolya]
    with container.engine.connect() as conn:
        rows = {r.profile_id: r for r in conn.execute(select(segment_memberships)).all()}
    assert rows[kolya].carried_from == visitor and rows[kolya].exited_at is None
    assert rows[kolya].entered_at == rows[visitor].entered_at
    assert rows[visitor].exit_reason == "merged"
    assert announced(container) == [("Segment Entered", visitor, None)]  # one person entered once


def test_save_computes_membership_at_once(container, tenant):
    send(
        container,
        tenant,
        track("masha", "Product Viewed", 1),
        track("petya", "Product Viewed", 1),
        track("petya", "Order Completed", 1),
    )
    container.catch_up()
    container.segments.save(tenant.workspace_id, "browsing", BROWSING)
    masha = profile_of(container, tenant, "masha")
    app = create_app(container)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get(
            "/api/segments/browsing/members?limit=10",
            headers={"Authorization": f"Bearer {tenant.read_key}"},
        )
        assert answer.status_code == 200, answer.text
        assert [m["profileId"] for m in answer.json()["members"]] == [masha]
        assert answer.json()["next"] is None
        missing = client.get(
            "/api/segments/nope/members", headers={"Authorization": f"Bearer {tenant.read_key}"}
        )
        assert missing.status_code == 404
    # the segment that refers to it follows a change of its definition
    container.segments.save(tenant.workspace_id, "nested", {"segment": "browsing"})
    assert members(container, tenant, "nested") == [masha]
    container.segments.save(tenant.workspace_id, "browsing", {"event": {"name": "Order Completed"}})
    petya = profile_of(container, tenant, "petya")
    assert members(container, tenant, "nested") == [petya]
