"""Validation of Segment messages into event-log rows (pure)."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniweave.core.errors import InvalidInput, PayloadTooLarge
from omniweave.ingest.rows import Envelope, Limits, event_rows, message_id_for, unique_by_message_id

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ENVELOPE = Envelope(workspace_id=1, source_id=2, received_at=NOW)


def rows(*messages, path="batch", limits=Limits()):
    return event_rows(list(messages), ENVELOPE, limits, path)


def test_track_becomes_a_row():
    (row,) = rows({"type": "track", "event": "Pizza Ordered", "userId": 42, "messageId": "m"})
    assert row["user_id"] == "42"  # numeric ids are kept as strings, like Segment
    assert row["event"] == "Pizza Ordered"
    assert row["timestamp"] == NOW and row["received_at"] == NOW
    assert (row["workspace_id"], row["source_id"], row["origin"]) == (1, 2, "api")


def test_unknown_top_level_fields_are_kept_in_extra():
    (row,) = rows(
        {"type": "page", "anonymousId": "a", "name": "Menu", "channel": "server", "writeKey": "k"}
    )
    assert row["extra"] == {"channel": "server"}  # the write key is never stored


def test_every_wrong_message_is_reported_with_its_index():
    with pytest.raises(InvalidInput) as caught:
        rows(
            {"type": "track", "userId": "u", "event": "ok"},
            {"type": "track", "userId": "u"},
            {"type": "identify"},
            "nonsense",
        )
    fields = [e.field for e in caught.value.errors]
    assert fields == ["batch[1].event", "batch[2].userId", "batch[3]"]


def test_oversized_event_is_413():
    big = {"type": "track", "userId": "u", "event": "e", "properties": {"x": "y" * 100}}
    with pytest.raises(PayloadTooLarge):
        rows(big, limits=Limits(max_event_bytes=50))


def test_external_ids_alone_identify_a_record():
    message = {"type": "identify", "context": {"externalIds": [{"type": "crm_id", "id": "7"}]}}
    assert rows(message)[0]["user_id"] is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_derived_message_id_ignores_key_order_and_transport(properties):
    message = {"type": "track", "userId": "u", "event": "e", "properties": properties}
    reordered = dict(reversed(list(message.items())))
    resent = {**message, "sentAt": "2026-01-01T00:00:00Z", "writeKey": "k"}
    assert message_id_for(message) == message_id_for(reordered) == message_id_for(resent)


def test_first_of_duplicate_message_ids_wins():
    first, second = rows(
        {"type": "track", "userId": "u", "event": "first", "messageId": "same"},
        {"type": "track", "userId": "u", "event": "second", "messageId": "same"},
    )
    assert [r["event"] for r in unique_by_message_id([first, second])] == ["first"]


def test_nul_characters_are_refused_not_crashed_on():
    with pytest.raises(InvalidInput) as caught:
        rows({"type": "track", "userId": "u", "event": "e", "properties": {"x": "a\x00b"}})
    assert caught.value.errors[0].field == "batch[0]"
