"""The seed's pizzeria case in the demo data: one person across site, app and store."""

from __future__ import annotations

import itertools

import pytest

from omniweave.demo.loader import load, prepare_workspace
from omniweave.demo.model import DemoSpec
from omniweave.demo.people import population
from omniweave.identity.normalise import NormalisationPolicy, phone

SPEC = DemoSpec(seed=42, customers=150)


@pytest.fixture
def demo(container):
    workspace = prepare_workspace(container)
    load(container, workspace, SPEC)
    container.resolver.catch_up()
    return workspace


def e164(digits: str) -> str:
    return phone("8" + digits, NormalisationPolicy()).value


def people():
    return list(itertools.islice(population(SPEC.seed), SPEC.customers))


def lookup(container, workspace, **given):
    ((param, value),) = given.items()
    return container.identity.lookup(workspace.workspace_id, param, value)


def test_site_app_and_store_identifiers_are_one_profile(container, demo):
    kolya = next(
        p
        for p in people()
        if p.user_id
        and p.email
        and p.loyalty_card
        and p.device
        and p.browsers
        and not p.family_phone
        and "test" not in p.email
    )
    profile = lookup(container, demo, user_id=kolya.user_id)
    ids = {(i["type"], i["value"]) for i in profile["identifiers"]}
    assert ("email", kolya.email) in ids
    assert ("loyalty_card", kolya.loyalty_card) in ids
    assert ("anonymous_id", kolya.device) in ids
    assert any(("anonymous_id", b) in ids for b in kolya.browsers)
    for found in (
        lookup(container, demo, card=kolya.loyalty_card),
        lookup(container, demo, phone="8" + kolya.phone),
        lookup(container, demo, email=kolya.email.upper()),
    ):
        assert found["id"] == profile["id"]
    phone_entry = next(i for i in profile["identifiers"] if i["type"] == "phone")
    assert len({s["raw"] for s in phone_entry["seenAs"]}) >= 2  # written differently


def test_a_shared_family_phone_keeps_accounts_apart(container, demo):
    child = next(p for p in people() if p.family_phone and p.user_id)
    parent = next(p for p in people() if p.phone == child.family_phone and p.user_id)
    a = lookup(container, demo, user_id=child.user_id)
    b = lookup(container, demo, user_id=parent.user_id)
    assert a["id"] != b["id"]
    assert any("user_id" in r["reason"] for r in a["refused"] + b["refused"])


def test_a_split_restores_both(container, demo):
    kolya = next(p for p in people() if p.user_id and p.loyalty_card and not p.family_phone)
    merged = lookup(container, demo, user_id=kolya.user_id)
    in_force = [m for m in merged["merges"] if not m["undoneAt"] and m["survivor"] == merged["id"]]
    assert in_force
    result = container.identity.split(demo.workspace_id, merged["id"], in_force[-1]["id"], None)
    restored = container.identity.profile(demo.workspace_id, result["restored"])
    after = container.identity.profile(demo.workspace_id, merged["id"])
    assert restored["id"] != after["id"]
    restored_ids = {(i["type"], i["value"]) for i in restored["identifiers"]}
    remaining = {(i["type"], i["value"]) for i in after["identifiers"]}
    assert restored_ids and not restored_ids & remaining
    assert len(restored["timeline"]) > 0  # its events came back with its identities
