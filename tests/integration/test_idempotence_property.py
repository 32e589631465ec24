"""Retries cannot change the log: any duplication and reordering of a stream of batches stores
what sending each distinct batch once stores, and the first content seen for a messageId wins.

messageIds come from a pool of six, so batches collide with each other and with themselves,
often with different content under one id. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from omniweave.store.tables import events

POOL = [f"m-{n}" for n in range(6)]
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def segment_message(message_id: str, kind: str, variant: int) -> dict[str, Any]:
    """A valid Segment call whose content depends on ``variant``: same id, other content."""
    message: dict[str, Any] = {
        "type": kind,
        "messageId": message_id,
        "userId": f"u-{variant}",
        "timestamp": (EPOCH + timedelta(minutes=variant)).isoformat(),
    }
    if kind == "identify":
        message["traits"] = {"variant": variant}
    else:
        message["properties"] = {"variant": variant}
        message["event" if kind == "track" else "name"] = f"Step {variant}"
    return message


messages = st.builds(
    segment_message,
    st.sampled_from(POOL),
    st.sampled_from(["track", "identify", "page"]),
    st.integers(0, 3),
)
distinct_batches = st.lists(st.lists(messages, min_size=1, max_size=5), min_size=1, max_size=5)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[list[dict]], list[int]]:
    """Distinct batches, and the order they arrive in: each at least once, some again."""
    batches = draw(distinct_batches)
    indices = range(len(batches))
    retries = draw(st.lists(st.sampled_from(indices), max_size=8))
    arrival = draw(st.permutations([*indices, *retries]))
    return batches, arrival


def expected(stream: list[list[dict]]) -> dict[str, tuple]:
    """The model: the first message with an id, in arrival order, is the one stored."""
    first: dict[str, tuple] = {}
    for batch in stream:
        for m in batch:
            first.setdefault(m["messageId"], as_stored(m))
    return first


def as_stored(m: dict) -> tuple:
    name = m.get("event", m.get("name"))
    when = datetime.fromisoformat(m["timestamp"])
    return (m["type"], name, m["userId"], m.get("properties"), m.get("traits"), when)


def store(client, engine, write_key: str, stream: list[list[dict]]) -> dict[str, tuple]:
    """Send ``stream`` to an emptied log, one request a batch; return the log by messageId."""
    with engine.begin() as conn:
        conn.execute(events.delete())
    auth = {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}
    stored = 0
    for batch in stream:
        answer = client.post("/v1/batch", json={"batch": batch}, headers=auth)
        assert answer.status_code == 200, answer.text
        stored += answer.json()["stored"]
    columns = (events.c.type, events.c.event, events.c.user_id, events.c.properties)
    with engine.connect() as conn:
        rows = conn.execute(
            select(events.c.message_id, *columns, events.c.traits, events.c.timestamp)
        ).all()
    assert stored == len(rows), "the answers' 'stored' counts disagree with the log"
    log = {r.message_id: tuple(r)[1:] for r in rows}
    assert len(log) == len(rows), "a messageId is stored twice"
    return log


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(delivery=deliveries())
def test_duplicated_reordered_batches_store_what_each_batch_once_stores(
    client, tenant, engine, delivery
):
    batches, arrival = delivery
    stream = [batches[i] for i in arrival]
    once = [batches[i] for i in dict.fromkeys(arrival)]  # first arrivals, in arrival order

    retried = store(client, engine, tenant.write_key, stream)
    assert retried == expected(stream)
    assert store(client, engine, tenant.write_key, once) == retried
