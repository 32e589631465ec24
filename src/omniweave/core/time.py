"""Time is always timezone-aware UTC inside Omniweave; the clock is passed in, never read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The production clock. Core code receives a ``Clock`` instead of calling this."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A naive datetime is taken to be UTC (the store's convention); an aware one is converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 as Segment SDKs send it (``Z`` or an offset); naive means UTC."""
    return as_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))


def iso(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")
