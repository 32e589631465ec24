"""The facts of many people read at once (``batch_facts.load_facts``) are the facts the
per-profile reads give (``facts.recipient``, ``facts.cart_and_viewed``, ``facts.history``), for
~30 varied people of two workspaces of one brand, with a fixed number of queries."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update

from omniweave.access import service as access
from omniweave.access.model import SourceKind
from omniweave.core.time import utc_now
from omniweave.messaging import batch_facts, facts
from omniweave.messaging.batch_facts import load_facts
from omniweave.profiles.consent_model import ConsentPolicy
from omniweave.store.message_tables import messages
from omniweave.store.tables import profiles, workspaces
from tests.integration.messaging.conftest import NOW

BRAND = "pizza"
DEDUP_WINDOW = timedelta(days=10)  # longer than facts.LOOKBACK: older sends count too
JUST_BOUGHT = timedelta(days=14)
PEOPLE = 30


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def track(who: dict[str, str], name: str, mid: str, days_ago: float, /, **props: Any) -> dict:
    return {
        "type": "track",
        "event": name,
        **who,
        "messageId": mid,
        "timestamp": at(days_ago),
        "properties": props,
    }


def product(pid: str, price: float = 100.5, **more: Any) -> dict[str, Any]:
    return {
        "product_id": pid,
        "name": f"Pizza {pid}",
        "price": price,
        "url": f"https://pizza.example/{pid}",
        "image_url": f"https://pizza.example/{pid}.png",
        **more,
    }


def email_of(i: int) -> str | None:
    return f"guest{i}@example.com" if i % 3 != 2 else None


def phone_of(i: int) -> str | None:
    return f"+7 916 000 {i:04d}" if i % 2 == 0 else None


def person(i: int) -> list[dict]:
    """One guest: contacts and opt-ins, devices, consents, a cart, views and orders, all
    varied by ``i``; every fifth one first browses anonymously on two devices."""
    uid = f"u{i}"
    me = {"userId": uid}
    out: list[dict] = []
    traits: dict[str, Any] = {"first_name": f"Guest{i}"}
    if email := email_of(i):
        traits.update(email=email, emailOptIn=i % 4 != 1)
    if phone := phone_of(i):
        traits.update(phone=phone, smsOptIn=i % 3 == 0, viberOptIn=i % 4 == 0)
    if i % 5 != 0:
        traits["pushOptIn"] = True
    if i % 6 == 0:
        traits["timezone"] = "Asia/Yekaterinburg"
    context: dict[str, Any] = {}
    if i % 4 == 0:
        context["device"] = {"token": f"fcm-token-{i}"}
    if i % 5 == 1:
        context["timezone"] = "Europe/Samara"
    merged = i % 5 == 2
    if merged:
        web, app = {"anonymousId": f"a{i}-web"}, {"anonymousId": f"a{i}-app"}
        out.append(track(web, "Product Viewed", f"{uid}-anon-view", 6, **product("p7")))
        anon_add = track(app, "Product Added", f"{uid}-anon-add", 2.5, **product("p8"))
        anon_add["context"] = {"timezone": "Asia/Vladivostok"}
        out.append(anon_add)
        out.append(
            {
                "type": "identify",
                **me,
                **web,
                "messageId": f"{uid}-id-web",
                "timestamp": at(3),
                "traits": traits,
                "context": context,
            }
        )
        out.append(
            {
                "type": "identify",
                **me,
                **app,
                "messageId": f"{uid}-id-app",
                "timestamp": at(2),
                "traits": {"first_name": f"Guesty{i}", "city": "Kazan"},
            }
        )
    else:
        out.append(
            {
                "type": "identify",
                **me,
                "messageId": f"{uid}-id",
                "timestamp": at(4),
                "traits": traits,
                "context": context,
            }
        )
    if i % 7 == 6:  # an older identify, sent later: the latest by time wins, not by arrival
        out.append(
            {
                "type": "identify",
                **me,
                "messageId": f"{uid}-id-old",
                "timestamp": at(20),
                "traits": {"first_name": "Old", "plan": "gold"},
            }
        )
    # consents changed by events
    if i % 7 == 3:
        out.append(track(me, "Unsubscribed", f"{uid}-unsub", 1))
    if i % 7 == 5:
        out.append(track(me, "Consent Revoked", f"{uid}-rev", 1, channel="email"))
    if i % 9 == 4:
        out.append(
            track(
                me,
                "Consent Revoked",
                f"{uid}-rev-tx",
                1,
                channel=["sms", "email"],
                topic="transactional",
            )
        )
    if i % 8 == 6:
        out.append(
            track(
                me,
                "Consent Granted",
                f"{uid}-grant",
                0.5,
                channel="viber",
                doubleOptInConfirmedAt=at(0.4),
            )
        )
    # the cart, views and orders
    if i % 3 == 0:
        out += [
            track(me, "Product Added", f"{uid}-add1", 1.5, quantity=2, **product("p1")),
            track(me, "Product Added", f"{uid}-add2", 1.4, **product("p2", 50)),
            track(me, "Product Added", f"{uid}-add1b", 1.3, **product("p1")),
            track(me, "Product Removed", f"{uid}-rm2", 1.2, product_id="p2"),
            track(me, "Product Viewed", f"{uid}-v1", 1.1, **product("p1")),
            track(me, "Product Viewed", f"{uid}-v3", 1.0, **product("p3")),
            track(me, "Product Viewed", f"{uid}-v1b", 0.9, **product("p1")),
        ]
    if i % 4 == 1:
        out += [
            track(me, "Product Added", f"{uid}-add-o", 6, sku="s9", price=30),
            track(
                me,
                "Order Completed",
                f"{uid}-order",
                5,
                order_id=f"o-{i}",
                channel="site",
                products=[{"product_id": "p1"}, {"sku": "s9"}, {"name": "no id"}, "junk"],
            ),
            track(me, "Product Added", f"{uid}-add4", 3, **product("p4", 12.25)),
        ]
    if i % 5 == 3:
        out += [
            track(
                me,
                "Order Completed",
                f"{uid}-old-order",
                20,
                order_id=f"old-{i}",
                products=[{"product_id": "p5"}],
            ),
            track(me, "Product Added", f"{uid}-ancient-add", 40, **product("p6")),
            track(me, "Product Viewed", f"{uid}-ancient-view", 40, **product("p6")),
            track(me, "Order Completed", f"{uid}-ancient-order", 40, products=[{"sku": "p6"}]),
        ]
    if i % 11 == 10:
        out += [
            track(me, "Product Added", f"{uid}-add-c", 2, **product("p9")),
            track(me, "Cart Cleared", f"{uid}-clear", 1.9),
        ]
    if i == 12:  # more views than the template shows
        out += [
            track(me, "Product Viewed", f"{uid}-many-{k}", 2 - k / 100, **product(f"m{k}"))
            for k in range(13)
        ]
    if i % 4 == 2:  # opens make email the computed preferred channel
        out += [track(me, "Email Opened", f"{uid}-open-{k}", 3 + k) for k in range(2)]
    return out


def add_messages(conn, rows: list[tuple[int, str, str, str | None, str, float, bool]]) -> None:
    now = utc_now()
    for n, (ws, profile_id, status, channel, dedup, days_ago, sent) in enumerate(rows):
        created = now - timedelta(days=days_ago)
        conn.execute(
            messages.insert().values(
                key=f"test-{ws}-{profile_id}-{n}",
                workspace_id=ws,
                brand=BRAND,
                profile_id=profile_id,
                origin="campaign",
                template="promo",
                topic="marketing" if n % 4 else "transactional",
                transactional=n % 4 == 0,
                dedup_key=dedup or None,
                channel=channel,
                status=status,
                decision={"outcome": "send"},
                created_at=created,
                sent_at=created + timedelta(minutes=5) if sent else None,
                updated_at=created,
            )
        )


STATUSES = ("sent", "delivered", "suppressed", "queued", "failed", "opened", "deferred", "held_out")
CHANNELS = ("email", "sms", "push", None)


@pytest.fixture
def brand_people(container, tenant):
    """Workspace A (the tenant's) and B, one brand; guests of A, a few also guests of B."""
    c, ws_a = container, tenant.workspace_id
    now = utc_now()
    with c.engine.begin() as conn:
        ws_b = access.ensure_workspace(conn, "franchise", now)
        site_b = access.ensure_source(conn, ws_b, "site-b", SourceKind.SITE, now)
        conn.execute(
            update(workspaces).where(workspaces.c.id.in_([ws_a, ws_b])).values(brand=BRAND)
        )
    batch = [e for i in range(PEOPLE) for e in person(i)]
    c.ingest.batch(ws_a, tenant.site_id, {"batch": batch})
    guests_b = [
        {
            "type": "identify",
            "userId": f"b-{i}",
            "messageId": f"b-{i}",
            "timestamp": at(2),
            "traits": {"email": email_of(i), "emailOptIn": True, "first_name": f"B{i}"},
        }
        for i in (0, 1, 3)
    ] + [
        {
            "type": "identify",
            "userId": "b-phone-4",
            "messageId": "b-phone-4",
            "timestamp": at(2),
            "traits": {"phone": phone_of(4), "smsOptIn": True},
        },
        {
            "type": "identify",
            "userId": "b-only",
            "messageId": "b-only",
            "timestamp": at(2),
            "traits": {"email": "only.b@example.com"},
        },
    ]
    c.ingest.batch(ws_b, site_b, {"batch": guests_b})
    for _ in range(4):
        if not c.catch_up():
            break
    # providers' reports about addresses
    for i in range(PEOPLE):
        email, phone = email_of(i), phone_of(i)
        if email and i % 6 == 1:
            c.consents.delivery_report(ws_a, "email", email, "hard_bounce", "test")
        if email and i % 10 == 3:
            c.consents.delivery_report(ws_a, "email", email, "soft_bounce", "mailbox full")
        if phone and i % 10 == 4:
            c.consents.delivery_report(ws_a, "sms", phone, "soft_bounce", "unreachable")
        if phone and i % 10 == 8:
            c.consents.delivery_report(ws_a, "viber", phone, "blocked", "operator")
    c.consents.delivery_report(ws_a, "push", "fcm-token-8", "complained", "test")
    c.consents.delivery_report(ws_b, "email", email_of(1), "hard_bounce", "only in B")
    c.consents.delivery_report(ws_a, "email", email_of(3), "ok", "recovered")
    ids_a, ids_b = profile_ids(c, ws_a), profile_ids(c, ws_b)
    # what the brand sent them: in A, and in B to guests A knows too
    by_user = {c.identity.lookup(ws_a, "user_id", f"u{i}")["id"]: i for i in range(PEOPLE)}
    rows = []
    for pid, i in sorted(by_user.items(), key=lambda kv: kv[1]):
        if i % 3 == 1 or i % 5 == 2:
            for k in range(i % 4 + 2):
                rows.append(
                    (
                        ws_a,
                        pid,
                        STATUSES[(i + k) % len(STATUSES)],
                        CHANNELS[k % 4],
                        f"promo-{k % 2}" if k % 3 else "",
                        (0.5, 2, 9, 12, 7.9)[k % 5],
                        k % 2 == 0,
                    )
                )
    for i in (0, 1, 4):
        user = f"b-phone-{i}" if i == 4 else f"b-{i}"
        pid = c.identity.lookup(ws_b, "user_id", user)["id"]
        rows += [
            (ws_b, pid, "sent", "email", "promo-0", 0.5, True),
            (ws_b, pid, "delivered", "sms", "", 3, False),
            (ws_b, pid, "failed", "email", "promo-1", 1, True),
        ]
    with c.engine.begin() as conn:
        add_messages(conn, rows)
    return c, ws_a, ws_b, ids_a, ids_b


def profile_ids(c, ws: int) -> list[str]:
    """Every profile of the workspace, merged ones too: the facts of any id must agree."""
    with c.engine.connect() as conn:
        return list(
            conn.execute(
                select(profiles.c.id).where(profiles.c.workspace_id == ws).order_by(profiles.c.id)
            ).scalars()
        )


def per_profile(conn, ws, pid, topic, now, policy, brand, just_bought=JUST_BOUGHT):
    who, part = facts.recipient(conn, ws, pid, topic, now, policy)
    shopping = facts.cart_and_viewed(conn, pid, now)
    history = facts.history(conn, brand, pid, now, DEDUP_WINDOW, just_bought)
    return who, part, shopping, history


def assert_same(got: batch_facts.PersonFacts, expected) -> None:
    who, part, shopping, history = expected
    assert got.recipient == who
    assert got.profile_part == part
    assert got.shopping == shopping
    assert got.history.goal is None
    assert len(got.history.sends) == len(history.sends)
    assert set(got.history.sends) == set(history.sends)
    assert len(got.history.purchases) == len(history.purchases)
    assert set(got.history.purchases) == set(history.purchases)


POLICIES = {
    "default": None,  # the container's
    "double opt-in": ConsentPolicy(email_double_opt_in=True),
}


@pytest.mark.parametrize("policy_name", list(POLICIES))
def test_batch_facts_are_the_per_profile_facts(brand_people, policy_name):
    c, ws_a, ws_b, ids_a, ids_b = brand_people
    policy = POLICIES[policy_name] or c.consents.policy
    now = utc_now()
    seen: dict[str, Any] = {"reachable": 0, "bounced": 0, "brand_sends": 0, "cart": 0}
    with c.engine.connect() as conn:
        brand = facts.brand_of(conn, ws_a)
        assert brand.workspace_ids == tuple(sorted((ws_a, ws_b)))
        for ws, ids in ((ws_a, ids_a), (ws_b, ids_b)):
            for topic in ("marketing", "transactional", "no-such-topic"):
                batch = load_facts(
                    conn, ws, ids, topic, now, policy, brand, DEDUP_WINDOW, JUST_BOUGHT
                )
                assert set(batch) == set(ids)
                for pid in ids:
                    expected = per_profile(conn, ws, pid, topic, now, policy, brand)
                    assert_same(batch[pid], expected)
                    contacts = batch[pid].recipient.contacts.values()
                    seen["reachable"] += sum(x.reachable for x in contacts)
                    reasons = [r for x in contacts for r in x.reasons]
                    seen["bounced"] += any("hard bounce" in r for r in reasons)
                    sends = batch[pid].history.sends
                    seen["brand_sends"] += any(s.workspace_id != ws for s in sends)
                    seen["cart"] += bool(batch[pid].shopping["cart"]["items"])
    # the people were as varied as intended
    assert all(seen.values()), seen


def test_the_people_are_varied(brand_people):
    """The scenario exercises what it claims: merges, zones, preferred channels, purchases."""
    c, ws_a, _, ids_a, _ = brand_people
    now = utc_now()
    with c.engine.connect() as conn:
        merged = conn.execute(
            select(profiles.c.id).where(profiles.c.merged_into.is_not(None))
        ).all()
        brand = facts.brand_of(conn, ws_a)
        got = load_facts(
            conn,
            ws_a,
            ids_a,
            "marketing",
            now,
            c.consents.policy,
            brand,
            DEDUP_WINDOW,
            JUST_BOUGHT,
        )
    assert len(merged) >= 6
    zones = {f.recipient.timezone for f in got.values()}
    assert {"Asia/Yekaterinburg", "Europe/Samara", "Asia/Vladivostok"} <= zones
    assert any(f.recipient.preferred_channel == "email" for f in got.values())
    assert any(f.history.purchases for f in got.values())
    assert any(len(f.shopping["viewed"]) == 10 for f in got.values())
    revoked = [r for f in got.values() for x in f.recipient.contacts.values() for r in x.reasons]
    assert any("revoked" in r for r in revoked)
    assert any("paused until" in r for r in revoked)


def test_a_just_bought_window_longer_than_the_cart_s(brand_people):
    """Orders of 40 days ago count as purchases in a 45-day window, yet the cart (which reads
    30 days) does not see them; and a topic other than the two the test mostly asks for."""
    c, ws_a, _, ids_a, _ = brand_people
    now, policy = utc_now(), c.consents.policy
    long = timedelta(days=45)
    with c.engine.connect() as conn:
        brand = facts.brand_of(conn, ws_a)
        got = load_facts(conn, ws_a, ids_a, "news", now, policy, brand, DEDUP_WINDOW, long)
        for pid in ids_a:
            assert_same(got[pid], per_profile(conn, ws_a, pid, "news", now, policy, brand, long))
    assert any(p.product_id == "p6" for f in got.values() for p in f.history.purchases)


def test_chunks_give_the_same_facts(brand_people, monkeypatch):
    c, ws_a, _, ids_a, _ = brand_people
    now = utc_now()
    with c.engine.connect() as conn:
        brand = facts.brand_of(conn, ws_a)
        args = (ws_a, ids_a, "marketing", now, c.consents.policy, brand, DEDUP_WINDOW)
        whole = load_facts(conn, *args, JUST_BOUGHT)
        monkeypatch.setattr(batch_facts, "CHUNK", 7)
        chunked = load_facts(conn, *args, JUST_BOUGHT)
    assert chunked == whole


def test_a_fixed_number_of_queries_and_the_timing(brand_people, engine):
    """The queries do not grow with the people; and how long each path takes."""
    c, ws_a, _, ids_a, _ = brand_people
    now, policy = utc_now(), c.consents.policy
    statements: list[str] = []
    # three people who need every read (no timezone trait, identifiers the brand matches on)
    three = [c.identity.lookup(ws_a, "user_id", f"u{i}")["id"] for i in (1, 3, 5)]

    def count(conn, cursor, statement, *_):
        statements.append(statement)

    with c.engine.connect() as conn:
        brand = facts.brand_of(conn, ws_a)
        event.listen(engine, "before_cursor_execute", count)
        try:
            load_facts(
                conn, ws_a, three, "marketing", now, policy, brand, DEDUP_WINDOW, JUST_BOUGHT
            )
            few = len(statements)
            statements.clear()
            started = time.perf_counter()
            load_facts(
                conn, ws_a, ids_a, "marketing", now, policy, brand, DEDUP_WINDOW, JUST_BOUGHT
            )
            batched = time.perf_counter() - started
            many = len(statements)
            statements.clear()
            started = time.perf_counter()
            for pid in ids_a:
                per_profile(conn, ws_a, pid, "marketing", now, policy, brand)
            single = time.perf_counter() - started
            per_person = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert many == few <= 10, statements
    print(
        f"\n{engine.dialect.name}: {len(ids_a)} profiles: load_facts {batched * 1000:.1f} ms "
        f"in {many} queries; per profile {single * 1000:.1f} ms in {per_person} queries"
    )
