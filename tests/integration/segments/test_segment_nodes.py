"""The computed, consent and reachable nodes on hand-made histories, on SQLite and PostgreSQL:
members equal what the profile's own view (``consent_view``, ``traits_view``) says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omniweave.core.errors import InvalidInput
from omniweave.core.time import iso
from omniweave.profiles.consent_model import ConsentPolicy, Proof, as_of, in_force
from omniweave.profiles.consent_repo import decisions_of_profile
from omniweave.profiles.consent_view import reachability_of
from omniweave.profiles.traits_service import traits_view
from omniweave.segments.compile import Context, members
from omniweave.segments.model import parse
from omniweave.segments.service import SegmentService
from omniweave.store.trait_tables import computed_traits

NOW = datetime.now(UTC)
PEOPLE = {  # who: identify traits
    "anna": {"email": "anna@mail.ru"},
    "boris": {"email": "boris@mail.ru"},
    "vera": {"email": "vera@mail.ru", "phone": "+79160000003"},
    "gleb": {"email": "gleb@mail.ru"},
    "dina": {"phone": "+79160000005"},
    "egor": {"email": "egor@mail.ru"},
    "zoya": {"email": "zoya@mail.ru", "phone": "+79160000007"},
    "tima": {"email": "tima@mail.ru"},
    "olga": {"email": "olga@mail.ru"},
}


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def town(container, tenant):
    """Nine people with consents and bounces chosen to hit each rule of reachability."""
    batch = [
        {
            "type": "identify",
            "userId": name,
            "messageId": f"{name}-id",
            "timestamp": ago(10).isoformat(),
            "traits": traits,
        }
        for name, traits in PEOPLE.items()
    ]
    ws = tenant.workspace_id
    container.ingest.batch(ws, tenant.site_id, {"batch": batch})
    container.resolver.catch_up()
    consents = container.consents

    def say(field, value, channel, topic, state, days, proof=None):
        consents.record(ws, (field, value), channel, topic, state, at=ago(days), proof=proof)

    say("email", "anna@mail.ru", "email", "marketing", "granted", 5)  # grant
    say("email", "boris@mail.ru", "email", "marketing", "granted", 5)  # grant, then revoke
    say("email", "boris@mail.ru", "email", "marketing", "revoked", 2)
    say("email", "vera@mail.ru", "email", "marketing", "revoked", 5)  # revoke, then grant
    say("email", "vera@mail.ru", "email", "marketing", "granted", 2)
    say("phone", "+79160000003", "sms", "marketing", "granted", 2)
    say("email", "gleb@mail.ru", "email", "marketing", "granted", 5)  # grant, hard bounce
    consents.delivery_report(ws, "email", "gleb@mail.ru", "hard_bounce", "550", at=ago(1))
    say("phone", "+79160000005", "sms", "marketing", "granted", 3)  # no email address
    say("email", "egor@mail.ru", "email", "marketing", "granted", 5)  # paused soft bounce
    consents.delivery_report(ws, "email", "egor@mail.ru", "soft_bounce", "full", at=ago(0.01))
    say("email", "zoya@mail.ru", "email", "transactional", "revoked", 3)  # refuses transactional
    say("phone", "+79160000007", "sms", "marketing", "granted", 4)  # ... then STOP
    consents.sms_reply(ws, "+79160000007", "STOP")
    say("email", "tima@mail.ru", "email", "marketing", "granted", 4)  # a revoke wins a tie
    say("email", "tima@mail.ru", "email", "marketing", "revoked", 4)
    confirmed = Proof(double_opt_in_token="t", confirmed_at=ago(3))
    say("email", "olga@mail.ru", "email", "marketing", "granted", 3, confirmed)  # double opt-in
    consents.delivery_report(ws, "email", "olga@mail.ru", "soft_bounce", "old", at=ago(3))
    ids = {name: container.identity.lookup(ws, "user_id", name)["id"] for name in PEOPLE}
    return SegmentService(container.engine, container.clock), ids, ws


def names(service, ws, definition, ids) -> set[str]:
    found = service.preview(ws, definition, sample=100)
    by_id = {v: k for k, v in ids.items()}
    return {by_id[p] for p in found["sample"]}


def run(container, ws, definition, policy: ConsentPolicy, ids) -> set[str]:
    ctx = Context(ws, NOW, container.engine.dialect.name, lambda _: None, policy=policy)
    by_id = {v: k for k, v in ids.items()}
    with container.engine.connect() as conn:
        return {by_id[p] for p in conn.execute(members(parse(definition), ctx)).scalars()}


CHANNEL_TOPICS = [(c, t) for c in ("email", "sms") for t in ("marketing", "news", "transactional")]


@pytest.mark.parametrize("policy", [ConsentPolicy(), ConsentPolicy(email_double_opt_in=True)])
def test_reachable_equals_decide_reachability(container, town, policy):
    _service, ids, ws = town
    with container.engine.connect() as conn:
        view = {name: reachability_of(conn, p, NOW, policy) for name, p in ids.items()}
    for channel, topic in CHANNEL_TOPICS:
        expected = {name for name, r in view.items() if r[channel][topic].reachable}
        definition = {"reachable": {"channel": channel, "topic": topic}}
        assert run(container, ws, definition, policy, ids) == expected, (channel, topic)


def test_reachable_on_the_cases(town):
    service, ids, ws = town
    email = names(service, ws, {"reachable": {"channel": "email", "topic": "marketing"}}, ids)
    assert email == {"anna", "vera", "olga"}  # not boris, gleb, egor (paused), tima, dina
    transactional = {"reachable": {"channel": "email", "topic": "transactional"}}
    assert names(service, ws, transactional, ids) == {"anna", "boris", "vera", "tima", "olga"}
    sms = names(service, ws, {"reachable": {"channel": "sms"}}, ids)  # marketing by default
    assert sms == {"vera", "dina"}  # zoya sent STOP


def test_consent_in_force(container, town):
    service, ids, ws = town
    for channel, topic in CHANNEL_TOPICS:
        with container.engine.connect() as conn:
            forced = {
                name: in_force(as_of(decisions_of_profile(conn, p), NOW), channel, topic)
                for name, p in ids.items()
            }
        for state in ("granted", "revoked", "unknown"):
            expected = {
                name
                for name, d in forced.items()
                if (d.state if d is not None else "unknown") == state
            }
            definition = {"consent": {"channel": channel, "topic": topic, "state": state}}
            assert names(service, ws, definition, ids) == expected, (channel, topic, state)
    granted = {"consent": {"channel": "email", "topic": "marketing"}}
    assert names(service, ws, granted, ids) == {"anna", "vera", "gleb", "egor", "olga"}


def test_a_revoke_takes_a_profile_out_at_once(container, town):
    service, ids, ws = town
    definition = {"reachable": {"channel": "email", "topic": "marketing"}}
    assert "anna" in names(service, ws, definition, ids)
    container.consents.record(ws, ("email", "anna@mail.ru"), "email", "marketing", "revoked")
    assert "anna" not in names(service, ws, definition, ids)


def put_traits(container, ws, rows):
    """Computed traits as the updater stores them (``days_since``: the last time, ISO)."""
    with container.engine.begin() as conn:
        conn.execute(
            computed_traits.insert(),
            [
                {
                    "profile_id": profile,
                    "name": name,
                    "workspace_id": ws,
                    "value": value,
                    "computed_at": NOW,
                    "window_days": None,
                    "basis": {"aggregation": aggregation},
                    "definition_hash": "test",
                }
                for profile, name, aggregation, value in rows
            ],
        )


@pytest.fixture
def traits(container, town):
    service, ids, ws = town
    exact_30 = NOW.replace(microsecond=0) - timedelta(days=30)  # stored without microseconds
    rows = [
        (ids["anna"], "order_count", "count", 5),
        (ids["anna"], "revenue", "sum", 4321.5),
        (ids["anna"], "days_since_last_purchase", "days_since", iso(ago(2))),
        (ids["anna"], "rfm", "rfm", {"r": 5, "f": 4, "segment": "champions", "score": "545"}),
        (ids["anna"], "favourite_store", "most_frequent", "Lenina 1"),
        (ids["boris"], "order_count", "count", 3),
        (ids["boris"], "revenue", "sum", 900),
        (ids["boris"], "days_since_last_purchase", "days_since", iso(exact_30)),
        (ids["boris"], "rfm", "rfm", {"r": 2, "f": 3, "segment": "at_risk", "score": "232"}),
        (ids["vera"], "order_count", "count", 1),
        (ids["vera"], "days_since_last_purchase", "days_since", iso(ago(30.5))),
        (ids["vera"], "rfm", "rfm", None),
        (ids["gleb"], "order_count", "count", 0),
        (ids["gleb"], "days_since_last_purchase", "days_since", None),
        (ids["gleb"], "favourite_store", "most_frequent", "Mira 7"),
    ]
    put_traits(container, ws, rows)
    return service, ids, ws


COMPUTED = [
    ({"name": "order_count", "op": "gte", "value": 3}, {"anna", "boris"}),
    ({"name": "order_count", "value": 1}, {"vera"}),
    ({"name": "order_count", "op": "lt", "value": 1}, {"gleb"}),
    ({"name": "order_count", "op": "in", "value": [0, 5]}, {"anna", "gleb"}),
    ({"name": "revenue", "op": "gt", "value": 1000}, {"anna"}),
    ({"name": "revenue", "op": "lte", "value": 900}, {"boris"}),
    ({"name": "days_since_last_purchase", "op": "gt", "value": 29}, {"boris", "vera"}),
    ({"name": "days_since_last_purchase", "op": "gte", "value": 30}, {"boris", "vera"}),
    ({"name": "days_since_last_purchase", "op": "gt", "value": 30}, set()),
    ({"name": "days_since_last_purchase", "op": "eq", "value": 30}, {"boris", "vera"}),
    ({"name": "days_since_last_purchase", "op": "lt", "value": 30}, {"anna"}),
    ({"name": "days_since_last_purchase", "op": "lte", "value": 2}, {"anna"}),
    ({"name": "days_since_last_purchase", "op": "ne", "value": 2}, {"boris", "vera"}),
    ({"name": "days_since_last_purchase", "op": "exists"}, {"anna", "boris", "vera"}),
    ({"name": "rfm", "path": "segment", "value": "champions"}, {"anna"}),
    ({"name": "rfm", "path": "segment", "op": "in", "value": ["at_risk", "x"]}, {"boris"}),
    ({"name": "rfm", "path": "r", "op": "gte", "value": 4}, {"anna"}),
    ({"name": "rfm", "op": "exists"}, {"anna", "boris"}),
    ({"name": "favourite_store", "op": "contains", "value": "lenina"}, {"anna"}),
    ({"name": "favourite_store", "op": "ne", "value": "Lenina 1"}, {"gleb"}),
]


@pytest.mark.parametrize(("spec", "expected"), COMPUTED)
def test_computed(traits, spec, expected):
    service, ids, ws = traits
    assert names(service, ws, {"computed": spec}, ids) == expected


def test_days_since_agrees_with_the_traits_view(container, traits):
    """What the profile shows in days is what the segment compares."""
    _service, ids, ws = traits
    with container.engine.connect() as conn:
        days = {
            name: traits_view(conn, p, NOW).get("days_since_last_purchase", {}).get("value")
            for name, p in ids.items()
        }
    for op in ("gt", "gte", "lt", "lte", "eq", "ne"):
        for value in (1, 2, 29, 30, 31, 29.5):
            definition = {
                "computed": {"name": "days_since_last_purchase", "op": op, "value": value}
            }
            compare = {
                "gt": float.__gt__,
                "gte": float.__ge__,
                "lt": float.__lt__,
                "lte": float.__le__,
                "eq": float.__eq__,
                "ne": float.__ne__,
            }[op]
            expected = {n for n, d in days.items() if d is not None and compare(float(d), value)}
            assert run(container, ws, definition, ConsentPolicy(), ids) == expected, (op, value)


def test_computed_traits_from_the_updater(container, tenant):
    """The real fold: an order at the till makes order_count 1 and days since it 3."""
    ws = tenant.workspace_id
    container.ingest.order(
        ws,
        tenant.pos_id,
        {
            "orderId": "o-1",
            "channel": "pos",
            "store": "Lenina 1",
            "customer": {"email": "ivan@mail.ru"},
            "placedAt": ago(3.5).isoformat(),
            "lines": [{"sku": "1", "name": "Pepperoni", "quantity": 1, "price": "549"}],
        },
    )
    container.resolver.catch_up()
    container.traits.catch_up()
    service = SegmentService(container.engine, container.clock)
    one = {"computed": {"name": "order_count", "value": 1}}
    assert service.preview(ws, one)["size"] == 1
    recent = {"computed": {"name": "days_since_last_purchase", "op": "eq", "value": 3}}
    assert service.preview(ws, recent)["size"] == 1
    assert service.preview(ws, {"all": [one, {"not": recent}]})["size"] == 0


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ({"reachable": {"channel": "fax"}}, "definition.reachable.channel"),
        (
            {"all": [{"consent": {"channel": "sms", "state": "maybe"}}]},
            "definition.all[0].consent.state",
        ),
        ({"computed": {"name": "rfm", "path": "a b", "value": 1}}, "definition.computed.path"),
        ({"computed": {"name": "order_count", "op": "gt"}}, "definition.computed.value"),
        (
            {"not": {"reachable": {"channel": "email", "extra": 1}}},
            "definition.not.reachable.extra",
        ),
    ],
)
def test_invalid_definitions_name_the_node(definition, path):
    with pytest.raises(InvalidInput) as raised:
        parse(definition)
    assert [e.field for e in raised.value.errors] == [path]


def test_an_unknown_topic_is_refused(town):
    service, _ids, ws = town
    with pytest.raises(InvalidInput, match="unknown topic 'spam'"):
        service.preview(ws, {"reachable": {"channel": "email", "topic": "spam"}})


def test_nodes_combine(traits):
    service, ids, ws = traits
    definition = {
        "all": [
            {"computed": {"name": "order_count", "op": "gte", "value": 1}},
            {"reachable": {"channel": "email", "topic": "marketing"}},
            {"not": {"consent": {"channel": "sms", "topic": "marketing"}}},
        ]
    }
    assert names(service, ws, definition, ids) == {"anna"}
