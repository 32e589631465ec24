"""Computed traits on a real store (SQLite and PostgreSQL): pinned values, incremental equals
rebuild, merges and splits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from omniweave.identity.profile_view import find_by_identifier
from omniweave.profiles.traits_model import load_catalog
from omniweave.profiles.traits_service import TraitUpdater, traits_view
from omniweave.store.tables import log_cursors
from omniweave.store.trait_tables import computed_traits, trait_cutoffs
from tests.integration.profiles.test_traits_history import NOW, kolya, olga, order, send


@pytest.fixture
def updater(container):
    return TraitUpdater(container.engine, load_catalog(), lambda: NOW)


def profile_of(engine, workspace_id, kind, value):
    with engine.connect() as conn:
        return find_by_identifier(conn, workspace_id, kind, value)


def view(engine, profile_id):
    with engine.connect() as conn:
        return traits_view(conn, profile_id, NOW, load_catalog())


def stored(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(select(computed_traits)).all()
    return {(r.profile_id, r.name): (r.value, r.basis) for r in rows}


def test_each_default_trait_on_kolyas_history(container, tenant, engine, updater):
    kolya(container, tenant)
    container.resolver.catch_up()
    assert updater.catch_up() > 0
    found = view(engine, profile_of(engine, tenant.workspace_id, "user_id", "kolya"))
    value = {name: entry["value"] for name, entry in found.items()}
    # s-1 (site, 1000), p-1 (till at pos-001, 400); s-2 cancelled and a-1 refunded do not count
    assert value["order_count"] == 2
    assert value["revenue"] == 1400
    assert value["average_check"] == 700
    assert value["last_order_channel"] == "pos"
    assert value["favourite_store"] == "pos-001"
    assert value["favourite_product"] == "Pepperoni"
    assert value["favourite_category"] == "pizza"
    assert value["days_since_last_purchase"] == 10
    assert found["days_since_last_purchase"]["lastAt"] == "2026-10-22T12:00:00Z"
    assert value["engagement"] == {"email": 1, "push": 3}
    assert value["preferred_channel"] == "push"
    assert value["rfm"]["frequency"] == 2 and value["rfm"]["monetary"] == 1400
    assert value["rfm"]["segment"] is None  # no quintiles before the first rebuild
    basis = found["order_count"]["from"]
    assert basis["definition"] == "order_count" and basis["orders"] == 2
    assert found["favourite_store"]["window"] == "all time"
    assert found["favourite_product"]["window"] == {"days": 365}
    assert not any(entry.get("stale") for entry in found.values())


def test_rebuild_scores_rfm_across_the_workspace(container, tenant, engine, updater):
    kolya(container, tenant)
    olga(container, tenant)
    container.resolver.catch_up()
    assert updater.rebuild() == 2  # kolya (site, app and card are one person) and olga
    kolya_id = profile_of(engine, tenant.workspace_id, "user_id", "kolya")
    olga_id = profile_of(engine, tenant.workspace_id, "phone", "+79035550000")
    kolya_rfm = view(engine, kolya_id)["rfm"]["value"]
    olga_rfm = view(engine, olga_id)["rfm"]["value"]
    assert kolya_rfm["r"] > olga_rfm["r"] and kolya_rfm["f"] > olga_rfm["f"]
    assert olga_rfm["segment"] == "hibernating"
    with engine.connect() as conn:
        cut = conn.execute(select(trait_cutoffs)).one()
    assert cut.population == 2 and cut.name == "rfm"


def test_incremental_equals_rebuild(container, tenant, engine, updater):
    kolya(container, tenant)
    container.resolver.catch_up()
    updater.catch_up(batch_size=3)  # many small batches
    olga(container, tenant)
    order(container, tenant, "s-9", 1, "site", [("cola", "Cola", 2, 100)], {"userId": "kolya"})
    container.resolver.catch_up()
    updater.catch_up(batch_size=3)
    incremental = stored(engine)
    updater.rebuild()
    rebuilt = stored(engine)
    assert incremental.keys() == rebuilt.keys()
    for key, (value, basis) in rebuilt.items():
        if key[1] == "rfm" and value is not None:  # the rebuild adds the scores
            value = {k: value[k] for k in ("last_order_at", "frequency", "monetary")}
            incremental[key] = ({k: incremental[key][0][k] for k in value}, incremental[key][1])
        assert incremental[key] == (value, basis), key


def test_catch_up_never_reads_past_the_resolver(container, tenant, engine, updater):
    kolya(container, tenant)
    assert updater.catch_up() == 0  # nothing resolved yet
    container.resolver.catch_up(max_batches=1, batch_size=2)
    assert updater.catch_up() == 2
    with engine.connect() as conn:
        cursors = dict(conn.execute(select(log_cursors.c.name, log_cursors.c.position)).all())
    assert cursors["traits"] == cursors["identity"]


def test_a_merge_gives_the_union_and_a_split_gives_it_back(container, tenant, engine, updater):
    order(
        container,
        tenant,
        "s-1",
        5,
        "site",
        [("pepperoni-30", "Pepperoni", 1, 500)],
        {"userId": "kolya"},
    )
    olga(container, tenant)  # a till order by phone only: another profile for now
    container.resolver.catch_up()
    updater.catch_up()
    kolya_id = profile_of(engine, tenant.workspace_id, "user_id", "kolya")
    phone_id = profile_of(engine, tenant.workspace_id, "phone", "+79035550000")
    assert kolya_id != phone_id
    # the same person signs in with that phone: the resolver merges the two profiles
    send(
        container,
        tenant,
        {
            "type": "identify",
            "userId": "kolya",
            "traits": {"phone": "+79035550000"},
            "messageId": "m",
        },
    )
    container.resolver.catch_up()
    updater.catch_up()
    survivor = profile_of(engine, tenant.workspace_id, "user_id", "kolya")
    merged = ({kolya_id, phone_id} - {survivor}).pop()
    union = view(engine, survivor)
    assert union["order_count"]["value"] == 2 and union["revenue"]["value"] == 900
    assert union["favourite_store"]["value"] == "pos-001"
    assert view(engine, merged) == {}  # a merged profile keeps no values of its own

    split = container.identity.split(tenant.workspace_id, survivor, None, "two people")
    with engine.begin() as conn:
        assert updater.recompute(conn, [split["profile"], split["restored"]]) == 2
    assert view(engine, split["profile"])["order_count"]["value"] == 1
    assert view(engine, split["restored"])["order_count"]["value"] == 1


def test_a_changed_definition_marks_values_stale(container, tenant, engine, updater):
    olga(container, tenant)
    container.resolver.catch_up()
    updater.catch_up()
    olga_id = profile_of(engine, tenant.workspace_id, "phone", "+79035550000")
    with engine.begin() as conn:
        conn.execute(computed_traits.update().values(definition_hash="old"))
    assert all(entry["stale"] for entry in view(engine, olga_id).values())
