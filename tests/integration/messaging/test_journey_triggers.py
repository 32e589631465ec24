"""Journey triggers in the store: history that arrived before a journey was published does
not enter it; birthdays fire N days before on the person's clock; segment entries trigger;
runs survive a restart (a new container on the same store picks up the timers)."""

from __future__ import annotations

from datetime import timedelta

from omniweave.bootstrap import bootstrap
from tests.integration.messaging.conftest import settle

NOTE = {
    "name": "note",
    "topic": "transactional",
    "channels": {"email": {"subject": "Hi", "html": "<p>Hi</p>"}},
}


def identify(user: str, at, **traits) -> dict:
    return {
        "type": "identify",
        "userId": user,
        "messageId": f"{user}-{sorted(traits)}",
        "timestamp": at.isoformat(),
        "traits": {"email": f"{user}@example.com", "emailOptIn": True, **traits},
    }


def track(user: str, name: str, at, n: int = 0) -> dict:
    return {
        "type": "track",
        "userId": user,
        "event": name,
        "messageId": f"{user}-{name}-{n}",
        "timestamp": at.isoformat(),
    }


def test_history_before_publishing_does_not_enter(timed, tenant, clock):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, NOTE)
    old = [identify("old", clock.now), track("old", "Signed Up", clock.now)]
    c.ingest.batch(ws, tenant.site_id, {"batch": old})
    settle(c)
    clock.move(minutes=5)
    journey = {
        "name": "welcome",
        "trigger": {"event": {"name": "Signed Up"}},
        "steps": [{"id": "hello", "send": {"template": "note"}}],
    }
    c.journeys.apply(ws, journey)
    new = [identify("new", clock.now), track("new", "Signed Up", clock.now)]
    c.ingest.batch(ws, tenant.site_id, {"batch": new})
    settle(c)
    runs = c.journeys.runs(ws, "welcome")
    assert len(runs) == 1
    assert runs[0]["profileId"] == c.identity.lookup(ws, "user_id", "new")["id"]


def test_a_birthday_fires_three_days_before_at_ten(timed, tenant, clock):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, NOTE)
    start = clock.now.replace(hour=8, minute=0, second=0, microsecond=0)
    clock.now = start
    birthday = (start + timedelta(days=3)).date()
    person = identify("bday", start, birthday=f"1990-{birthday:%m-%d}", timezone="UTC")
    c.ingest.batch(ws, tenant.site_id, {"batch": [person]})
    settle(c)
    c.journeys.apply(
        ws,
        {
            "name": "birthday",
            "trigger": {"date": {"trait": "birthday", "days_before": 3, "at": "10:00"}},
            "reentry": {"mode": "always"},
            "steps": [{"id": "greet", "send": {"template": "note"}}],
        },
    )
    clock.move(hours=1)  # 09:00: not yet
    settle(c)
    assert c.journeys.runs(ws, "birthday") == []
    clock.move(hours=2)  # 11:00: fired for 10:00
    settle(c)
    runs = c.journeys.runs(ws, "birthday")
    assert len(runs) == 1 and runs[0]["status"] == "completed"
    clock.move(minutes=5)  # the next sweep does not enter again
    settle(c)
    assert len(c.journeys.runs(ws, "birthday")) == 1


def test_segment_entry_triggers_and_waits_survive_a_restart(timed, tenant, clock, peers):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, NOTE)
    c.segments.save(ws, "buyers", {"event": {"name": "Order Completed"}}, None)
    c.journeys.apply(
        ws,
        {
            "name": "thanks",
            "trigger": {"segment": {"name": "buyers", "on": "entered"}},
            "steps": [
                {"id": "later", "wait": {"duration": "2h"}},
                {"id": "thank", "send": {"template": "note"}},
            ],
        },
    )
    c.ingest.batch(
        ws,
        tenant.site_id,
        {"batch": [identify("buyer", clock.now), track("buyer", "Order Completed", clock.now)]},
    )
    settle(c)
    runs = c.journeys.runs(ws, "thanks")
    assert [r["status"] for r in runs] == ["waiting"]
    # A new process on the same store: the timer is in the store, not in memory.
    restarted = bootstrap(c.settings, engine=c.engine, clock=clock, channels=c.channels)
    clock.move(hours=3)
    settle(restarted)
    runs = restarted.journeys.runs(ws, "thanks")
    assert runs[0]["status"] == "completed"
    assert [s["outcome"] for s in runs[0]["steps"]][-2:] == ["send", "completed"]


def test_a_schedule_fires_at_each_persons_own_ten_oclock(timed, tenant, clock):
    c, ws = timed, tenant.workspace_id
    c.messaging.save_template(ws, NOTE)
    clock.now = clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    people = [
        identify("msk", clock.now, timezone="Europe/Moscow"),  # 10:00 there is 07:00 UTC
        identify("nyc", clock.now, timezone="America/New_York"),  # 14:00 or 15:00 UTC
    ]
    c.ingest.batch(ws, tenant.site_id, {"batch": people})
    settle(c)
    c.journeys.apply(
        ws,
        {
            "name": "morning",
            "trigger": {"schedule": {"cron": "0 10 * * *"}},
            "reentry": {"mode": "always"},
            "steps": [{"id": "hello", "send": {"template": "note"}}],
        },
    )

    def entered() -> set[str]:
        runs = c.journeys.runs(ws, "morning")
        return {r["profileId"] for r in runs}

    msk = c.identity.lookup(ws, "user_id", "msk")["id"]
    nyc = c.identity.lookup(ws, "user_id", "nyc")["id"]
    clock.move(hours=7, minutes=30)
    settle(c)
    assert entered() == {msk}
    clock.move(hours=8)  # 15:30 UTC: past ten in New York in any season
    settle(c)
    assert entered() == {msk, nyc}
    clock.move(minutes=10)
    settle(c)
    assert len(c.journeys.runs(ws, "morning")) == 2  # each once a day


def test_a_webhook_step_posts_a_signed_body(timed, tenant, clock, peers):
    import uuid

    from tests.integration.messaging.conftest import deliver

    c, ws = timed, tenant.workspace_id
    hook = f"{peers.http_url}/webhook/crm"
    who = f"hooked-{uuid.uuid4().hex[:8]}"  # the peers serve every test
    c.journeys.apply(
        ws,
        {
            "name": "tell-crm",
            "trigger": {"event": {"name": "Signed Up"}},
            "steps": [{"id": "notify", "webhook": {"url": hook, "body": {"list": "new"}}}],
        },
    )
    c.ingest.batch(
        ws,
        tenant.site_id,
        {"batch": [identify(who, clock.now), track(who, "Signed Up", clock.now, n=7)]},
    )
    settle(c)
    assert deliver(c) == 1
    profile = c.identity.lookup(ws, "user_id", who)["id"]
    got = [
        r
        for r in peers.journal.inbox(channel="webhook")
        if isinstance(r["body"], dict) and r["body"].get("profileId") == profile
    ]
    assert len(got) == 1
    body = got[0]["body"]
    assert body["journey"] == "tell-crm" and body["data"] == {"list": "new"}
    assert got[0]["headers"]["x-omniweave-signature"].startswith("v1=")  # HMAC-SHA256
