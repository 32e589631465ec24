"""Rebuilding from the log gives the graph the incremental resolver built, whatever order the
events arrived in (hypothesis draws the stream)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from omniweave.store.tables import (
    event_identities,
    events,
    identities,
    identity_refusals,
    log_cursors,
    profile_merges,
    profiles,
)

people = st.sampled_from(["kolya", "masha", "dad"])
anon = st.sampled_from(["web-1", "web-2", "app-1", "app-2"])
phones = st.sampled_from(["+79161234567", "8 (916) 123-45-67", "89161112233", "12"])
emails = st.sampled_from(["k@mail.ru", "K@Mail.ru ", "m@mail.ru", "test@test.com"])


@st.composite
def message(draw):
    traits = {}
    if draw(st.booleans()):
        traits["phone"] = draw(phones)
    if draw(st.booleans()):
        traits["email"] = draw(emails)
    body = {"type": "identify", "anonymousId": draw(anon), "traits": traits}
    if draw(st.booleans()):
        body["userId"] = draw(people)
    return body


def snapshot(engine):
    with engine.connect() as conn:
        graph = sorted((r.type, r.value, r.profile_id) for r in conn.execute(select(identities)))
        live = sorted(conn.execute(select(profiles.c.id, profiles.c.merged_into)).all())
        merges = sorted(
            (m.survivor_id, m.merged_id, m.event_id) for m in conn.execute(select(profile_merges))
        )
    return graph, live, merges


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(message(), min_size=1, max_size=12))
def test_rebuild_equals_incremental(container, tenant, engine, stream):
    with engine.begin() as conn:
        for table in (
            identity_refusals,
            profile_merges,
            event_identities,
            identities,
            profiles,
            log_cursors,
            events,
        ):
            conn.execute(delete(table))
    for n, body in enumerate(stream):  # one at a time, resolving as they come
        container.ingest.batch(
            tenant.workspace_id, tenant.site_id, {"batch": [{**body, "messageId": f"m{n}"}]}
        )
        container.resolver.catch_up()
    incremental = snapshot(engine)
    container.resolver.rebuild()
    assert snapshot(engine) == incremental
