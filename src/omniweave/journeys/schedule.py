"""Time in a journey: durations and local times as written, and the moments they fall on.

Everything here takes and returns aware UTC datetimes; a person's clock is an IANA zone name
(an unknown or missing one means UTC). A local time that does not exist (a spring-forward gap)
falls the length of the gap later; one that happens twice (fall back) is its first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from omniweave.core.time import as_utc

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
CRON_LIMIT = 100


def parse_duration(value: object) -> timedelta:
    """``30m``, ``6h``, ``7d``, ``2w`` (or whole seconds as an integer) as a positive span."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str) and (found := _DURATION.match(value)):
        seconds = int(found[1]) * _UNITS[found[2]]
    else:
        raise ValueError("a duration such as 30m, 6h, 7d, 2w, or whole seconds")
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """The shortest exact spelling: ``timedelta(hours=36)`` is ``36h``, 14 days ``2w``."""
    seconds = int(span.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def parse_time_of_day(value: object) -> time:
    """``HH:MM`` on a 24-hour clock, a local time (no zone: the person's zone applies)."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str) and (found := _TIME.match(value.strip())):
        return time(int(found[1]), int(found[2]))
    raise ValueError("a local time of day as HH:MM (00:00 to 23:59)")


def format_time_of_day(moment: time) -> str:
    return moment.strftime("%H:%M")


def zone(name: str | None) -> tzinfo:
    """The person's zone; an unknown name falls back to UTC rather than failing a run."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_moment(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC moment a clock in ``tz`` shows ``at`` on ``day``: fold 0 reads a time in a
    gap with the offset from before the change (so it rolls forward) and a repeated time as
    its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def next_local(at: time, tz: str | None, after: datetime) -> datetime:
    """The first moment strictly after ``after`` when the person's clock shows ``at``."""
    where = zone(tz)
    today = as_utc(after).astimezone(where).date()
    for offset in range(3):
        moment = local_moment(today + timedelta(days=offset), at, where)
        if moment > as_utc(after):
            return moment
    raise AssertionError("a local time recurs within three days")  # pragma: no cover


def cron_valid(expression: str) -> bool:
    return isinstance(expression, str) and croniter.is_valid(expression)


def cron_due(
    cron: str, tz: str | None, last: datetime, now: datetime, limit: int = CRON_LIMIT
) -> list[datetime]:
    """The fire times in ``(last, now]``, read on the person's wall clock, in UTC.

    At most ``limit`` (the earliest): a caller catching up moves ``last`` to the last one.
    """
    where = zone(tz)
    last, now = as_utc(last), as_utc(now)
    wall = croniter(cron, last.astimezone(where).replace(tzinfo=None))
    due: list[datetime] = []
    latest = last
    for _ in range(limit * 4):  # a gap can map several wall times onto one moment
        local = wall.get_next(datetime)
        moment = local_moment(local.date(), local.time(), where)
        if moment > now or len(due) >= limit:
            break
        if moment > latest:
            due.append(moment)
            latest = moment
    return due


def parse_birthday(value: object) -> tuple[int, int] | None:
    """Month and day from ``YYYY-MM-DD``, ``MM-DD``, ``DD.MM.YYYY`` or a date; else None."""
    if isinstance(value, date):
        return value.month, value.day
    if not isinstance(value, str):
        return None
    text = value.strip()
    patterns = (
        (r"^\d{4}-(\d{2})-(\d{2})(?:[T ].*)?$", (1, 2)),
        (r"^(?:--)?(\d{2})-(\d{2})$", (1, 2)),
        (r"^(\d{1,2})\.(\d{1,2})\.\d{4}$", (2, 1)),
    )
    for pattern, (month_group, day_group) in patterns:
        if found := re.match(pattern, text):
            month, day = int(found[month_group]), int(found[day_group])
            try:
                date(2000, month, day)  # a leap year: Feb 29 is a valid birthday
            except ValueError:
                return None
            return month, day
    return None


def birthday_due(
    birthday: str | date,
    days_before: int,
    at: time,
    tz: str | None,
    window_start: datetime,
    window_end: datetime,
) -> datetime | None:
    """When in ``(window_start, window_end]`` the yearly date trigger fires, if it does.

    Feb 29 is celebrated on Feb 28 in other years; an unreadable date never fires.
    """
    parsed = parse_birthday(birthday)
    if parsed is None:
        return None
    month, day = parsed
    where = zone(tz)
    start, end = as_utc(window_start), as_utc(window_end)
    first, last = start.astimezone(where).year, end.astimezone(where).year
    for year in range(first, last + 2):  # days_before can pull next year's date back
        if month == 2 and day == 29 and not _leap(year):
            celebrated = date(year, 2, 28)
        else:
            celebrated = date(year, month, day)
        moment = local_moment(celebrated - timedelta(days=days_before), at, where)
        if start < moment <= end:
            return moment
    return None


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
