"""Unchanged Segment and RudderStack clients against the real server, read back through the API.

The Segment SDK is the released ``analytics-python`` package, pointed at our address; the
RudderStack case is the wire format its server-side SDKs send (gzipped ``/v1/batch``).
"""

from __future__ import annotations

import base64
import gzip
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType

import analytics
import httpx
import orjson
import pytest
from analytics.request import APIError

pytestmark = pytest.mark.e2e


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def by_message_id(events: list[dict]) -> dict[str, dict]:
    counts = Counter(e["message_id"] for e in events)
    assert max(counts.values(), default=1) == 1, f"stored more than once: {counts}"
    return {e["message_id"]: e for e in events}


def assert_skew_corrected(event: dict) -> None:
    """Segment's rule: timestamp = receivedAt - (sentAt - originalTimestamp)."""
    received, sent, original = (
        at(event[k]) for k in ("received_at", "sent_at", "original_timestamp")
    )
    assert at(event["timestamp"]) == received - (sent - original)


@pytest.fixture
def segment_sdk(server, tenant) -> Iterator[tuple[ModuleType, list]]:
    """The module-level ``analytics`` client aimed at the server; errors land in the list."""
    errors: list = []
    analytics.write_key = tenant.write_key
    analytics.host = server.url
    analytics.sync_mode = False
    analytics.max_retries = 2
    analytics.on_error = lambda exc, batch: errors.append((repr(exc), batch))
    analytics.default_client = None
    try:
        yield analytics, errors
    finally:
        if analytics.default_client is not None:
            analytics.default_client.join()  # stops the consumer thread
        analytics.default_client = None
        analytics.write_key = analytics.host = analytics.on_error = None


def test_every_segment_sdk_call_is_stored_once(segment_sdk, server, tenant):
    sdk, errors = segment_sdk
    five_minutes_ago = datetime.now(UTC) - timedelta(minutes=5)
    sdk.identify("u-1", {"email": "kolya@example.com", "plan": "pro"}, message_id="sdk-identify")
    sdk.track(
        "u-1",
        "Order Completed",
        {"revenue": 12.5, "currency": "EUR"},
        timestamp=five_minutes_ago,
        message_id="sdk-track",
    )
    sdk.page(
        "u-1", "docs", "Pricing", {"url": "https://example.com/pricing"}, message_id="sdk-page"
    )
    sdk.screen(anonymous_id="a-1", name="Cart", properties={"items": 2}, message_id="sdk-screen")
    sdk.group("u-1", "company-7", {"name": "Acme"}, message_id="sdk-group")
    sdk.alias("a-1", "u-1", message_id="sdk-alias")
    sdk.flush()
    # A retry of a call the app already made: the same messageId, so it is stored once.
    sdk.track("u-1", "Order Completed", {"revenue": 12.5}, message_id="sdk-track")
    sdk.flush()
    assert errors == []

    stored = by_message_id(server.events(tenant.read_key))
    assert set(stored) == {
        f"sdk-{k}" for k in ("identify", "track", "page", "screen", "group", "alias")
    }
    assert all(e["source"] == "site" and e["origin"] == "api" for e in stored.values())

    identify = stored["sdk-identify"]
    assert (identify["type"], identify["user_id"]) == ("identify", "u-1")
    assert identify["traits"] == {"email": "kolya@example.com", "plan": "pro"}
    assert identify["context"]["library"]["name"] == "analytics-python"

    track = stored["sdk-track"]
    assert (track["type"], track["event"]) == ("track", "Order Completed")
    assert track["properties"] == {"revenue": 12.5, "currency": "EUR"}  # the first one won
    assert at(track["original_timestamp"]) == five_minutes_ago
    assert_skew_corrected(track)
    assert abs(at(track["timestamp"]) - five_minutes_ago) < timedelta(seconds=30)

    page = stored["sdk-page"]
    assert (page["type"], page["event"], page["user_id"]) == ("page", "Pricing", "u-1")
    assert page["properties"] == {"url": "https://example.com/pricing"}
    assert page["extra"] == {"category": "docs"}

    screen = stored["sdk-screen"]
    assert (screen["type"], screen["event"], screen["user_id"]) == ("screen", "Cart", None)
    assert (screen["anonymous_id"], screen["properties"]) == ("a-1", {"items": 2})

    group = stored["sdk-group"]
    assert (group["type"], group["group_id"], group["traits"]) == (
        "group",
        "company-7",
        {"name": "Acme"},
    )

    alias = stored["sdk-alias"]
    assert (alias["type"], alias["user_id"], alias["previous_id"]) == ("alias", "u-1", "a-1")
    for event in stored.values():
        assert event["sent_at"] is not None  # the SDK stamps each request's sentAt
        assert_skew_corrected(event)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def rudderstack_batch(now: datetime, first: int, count: int) -> dict:
    """A batch as RudderStack's server-side SDK sends it, from a device whose clock runs an
    hour fast: each event happened ten seconds before the batch was sent."""
    device_now = now + timedelta(hours=1)
    return {
        "batch": [
            {
                "type": "track",
                "event": "Product Added",
                "userId": f"u-{n}",
                "messageId": f"rudder-{n}",
                "channel": "server",
                "rudderId": f"rid-{n}",
                "originalTimestamp": iso(device_now - timedelta(seconds=10)),
                "sentAt": iso(device_now),
                "properties": {"sku": f"sku-{n}", "price": n + 0.5},
                "context": {"library": {"name": "rudder-sdk-python", "version": "2.1.0"}},
                "integrations": {"All": True},
            }
            for n in range(first, first + count)
        ],
        "sentAt": iso(device_now),
    }


def test_rudderstack_gzipped_batches_are_stored_once(server, tenant):
    now = datetime.now(UTC)
    auth = base64.b64encode(f"{tenant.write_key}:".encode()).decode()
    headers = {
        "Authorization": f"Basic {auth}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    batches = [rudderstack_batch(now, first, 40) for first in (0, 40, 80)]
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        for body in [*batches, batches[1]]:  # the middle one is retried
            answer = client.post(
                "/v1/batch", content=gzip.compress(orjson.dumps(body)), headers=headers
            )
            assert answer.status_code == 200, answer.text
        assert answer.json() == {"success": True, "received": 40, "stored": 0, "duplicates": 40}

    stored = by_message_id(server.events(tenant.read_key))
    assert set(stored) == {f"rudder-{n}" for n in range(120)}
    sample = stored["rudder-7"]
    assert (sample["event"], sample["user_id"]) == ("Product Added", "u-7")
    assert sample["properties"] == {"sku": "sku-7", "price": 7.5}
    assert sample["extra"] == {
        "channel": "server",
        "rudderId": "rid-7",
        "integrations": {"All": True},
    }
    assert sample["context"]["library"]["name"] == "rudder-sdk-python"
    for event in stored.values():
        assert_skew_corrected(event)
        # The device's hour of skew is gone: it happened ten seconds before it was received.
        assert at(event["received_at"]) - at(event["timestamp"]) == timedelta(seconds=10)
        assert at(event["original_timestamp"]) - at(event["timestamp"]) > timedelta(minutes=59)


def test_a_refused_call_reaches_the_sdk_as_an_api_error(server, tenant):
    """The SDK reads ``code`` and ``message`` from an error body; without them it raised
    KeyError and retried a 400 like a network error, for minutes, before reporting it."""
    errors: list = []
    client = analytics.Client(
        tenant.write_key,
        host=server.url,
        on_error=lambda exc, batch: errors.append(exc),
        max_retries=0,
    )
    try:
        far_future = datetime.now(UTC) + timedelta(days=30)  # over the 24-hour limit: a 400
        client.track("u-1", "Too Early", timestamp=far_future, message_id="sdk-future")
        client.flush()
    finally:
        client.join()
    assert len(errors) == 1
    assert isinstance(errors[0], APIError)
    assert (errors[0].status, errors[0].code) == (400, "invalid_input")
    assert server.events(tenant.read_key) == []
