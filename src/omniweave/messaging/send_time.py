"""Send-time optimisation: each person's best hour, from when they opened, clicked and bought
before (in UTC hours, so no time zone is needed); a message waits for that hour within a day.
Without history the campaign's own time stands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from omniweave.store.tables import event_identities, events, identities

ENGAGED = (
    "Email Opened",
    "Email Link Clicked",
    "Push Opened",
    "Push Clicked",
    "SMS Link Clicked",
    "Order Completed",
)
LOOKBACK = timedelta(days=180)


def best_hour(moments: Iterable[datetime]) -> int | None:
    """The hour of day (UTC) with the most engagement; ties go to the earlier hour."""
    hours = Counter(m.hour for m in moments)
    if not hours:
        return None
    return min(hours, key=lambda h: (-hours[h], h))


def next_at_hour(hour: int, after: datetime) -> datetime:
    candidate = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    return candidate if candidate >= after else candidate + timedelta(days=1)


def best_moment(conn: Connection, profile_id: str, after: datetime) -> datetime:
    rows = conn.execute(
        select(events.c.timestamp)
        .join(event_identities, event_identities.c.event_id == events.c.id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(
            identities.c.profile_id == profile_id,
            events.c.event.in_(ENGAGED),
            events.c.timestamp > after - LOOKBACK,
        )
    )
    hour = best_hour(r.timestamp for r in rows)
    return after if hour is None else next_at_hour(hour, after)
