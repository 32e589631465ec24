"""Segment's clock-skew correction, as a pure function of the four times it knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class EventTimes:
    timestamp: datetime  # when it happened, corrected to the server's clock
    original_timestamp: datetime | None  # when the device said it happened
    sent_at: datetime | None  # when the device said it sent it
    received_at: datetime  # when we received it (our clock)


def correct_skew(
    original: datetime | None, sent_at: datetime | None, received_at: datetime
) -> EventTimes:
    """``timestamp = receivedAt - (sentAt - originalTimestamp)``: a device whose clock is an hour
    off sends both times an hour off, and the difference survives. Without ``sentAt`` the
    original time is trusted as is (historical imports); without either, arrival time is used."""
    if original is None:
        timestamp = received_at
    elif sent_at is None:
        timestamp = original
    else:
        timestamp = received_at - (sent_at - original)
    return EventTimes(timestamp, original, sent_at, received_at)


def too_far_ahead(times: EventTimes, limit: timedelta) -> bool:
    return times.timestamp - times.received_at > limit
