"""The deterministic merge decision (pure)."""

from collections import Counter

from omniweave.identity.extract import identifiers_of
from omniweave.identity.model import Identifier, IdentityRules
from omniweave.identity.rules import GraphView, plan_event, profile_id_for

RULES = IdentityRules()


def ident(kind: str, value: str) -> Identifier:
    return Identifier(kind, value, value)


def apply(graph: GraphView, plan, seq: int) -> None:
    """What the resolver does with a plan, for these tests."""
    if plan.new_profile:
        graph.created[plan.profile_id] = seq
        graph.counts[plan.profile_id] = Counter()
    for loser in plan.merged:
        for key, owner in list(graph.owner.items()):
            if owner == loser:
                graph.owner[key] = plan.profile_id
        graph.counts[plan.profile_id].update(graph.counts.pop(loser))
    for i in plan.attach:
        graph.owner[i.key] = plan.profile_id
        graph.counts[plan.profile_id][i.type] += 1


def test_site_app_and_store_become_one_person():
    graph = GraphView()
    site = plan_event([ident("anonymous_id", "a1"), ident("email", "k@x.ru")], graph, RULES, 1)
    apply(graph, site, 1)
    app = plan_event([ident("device_token", "t1"), ident("phone", "+79161234567")], graph, RULES, 1)
    apply(graph, app, 2)
    assert app.profile_id != site.profile_id
    store = plan_event([ident("phone", "+79161234567"), ident("email", "k@x.ru")], graph, RULES, 1)
    assert store.profile_id == site.profile_id  # the older profile survives
    assert store.merged == (app.profile_id,)
    assert [i.type for i in store.linking] == ["phone"]


def test_a_family_phone_does_not_glue_two_accounts():
    graph = GraphView()
    apply(graph, plan_event([ident("user_id", "A"), ident("phone", "+7916")], graph, RULES, 1), 1)
    plan = plan_event([ident("user_id", "B"), ident("phone", "+7916")], graph, RULES, 1)
    assert plan.new_profile and plan.merged == ()
    assert [r.identifier.type for r in plan.refused] == ["phone"]
    assert "2 user_id identifiers (limit 1)" in plan.refused[0].reason


def test_the_lowest_priority_puller_is_dropped_first():
    graph = GraphView()
    apply(graph, plan_event([ident("user_id", "A"), ident("email", "e")], graph, RULES, 1), 1)
    apply(
        graph, plan_event([ident("user_id", "B"), ident("anonymous_id", "x")], graph, RULES, 1), 2
    )
    # user B's event carries A's email and B's own anonymous id: only the email is refused
    plan = plan_event(
        [ident("user_id", "B"), ident("email", "e"), ident("anonymous_id", "x")], graph, RULES, 1
    )
    assert [r.identifier.value for r in plan.refused] == ["e"]
    assert plan.profile_id == graph.owner[("user_id", "B")]


def test_split_profiles_stay_apart():
    graph = GraphView()
    apply(graph, plan_event([ident("email", "e")], graph, RULES, 1), 1)
    apply(graph, plan_event([ident("phone", "p")], graph, RULES, 1), 2)
    graph.separated.add(frozenset(graph.owner.values()))
    plan = plan_event([ident("email", "e"), ident("phone", "p")], graph, RULES, 1)
    assert plan.merged == () and "split apart" in plan.refused[0].reason


def test_invalid_and_junk_identifiers_never_merge():
    row = {
        "type": "identify",
        "source_id": 3,
        "user_id": None,
        "anonymous_id": "a1",
        "traits": {"email": "test@test.com", "phone": "12"},
        "context": {"externalIds": [{"type": "loyalty_card", "id": " 7700 123 "}]},
    }
    found = identifiers_of(row, RULES)
    assert [(i.type, i.valid) for i in found] == [
        ("loyalty_card", True),
        ("anonymous_id", True),
        ("email", False),
        ("phone", False),
    ]
    assert found[0].value == "7700123"
    plan = plan_event(found, GraphView(), RULES, 1)
    assert {i.reason for i in plan.rejected} == {
        "blocklisted junk value",
        "not a valid phone number for its region",
    }


def test_profile_ids_derive_from_the_founding_identifier():
    assert profile_id_for(1, ident("email", "e")) == profile_id_for(1, ident("email", "e"))
    assert profile_id_for(1, ident("email", "e")) != profile_id_for(2, ident("email", "e"))


def test_rules_come_from_settings():
    from omniweave.identity.model import rules_from_settings

    rules = rules_from_settings(
        custom_types="vk_id", limits="email=2", blocklist="email:shop@pizza.ru", gmail_dots=True
    )
    assert rules.joins("vk_id") and rules.limit("email") == 2 and rules.limit("user_id") == 1
    assert (
        "shop@pizza.ru" in rules.blocklist["email"] and "test@test.com" in rules.blocklist["email"]
    )
    assert rules.normalisation.gmail_dots
