"""Local times, cron schedules and birthdays on the person's own clock, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from omniweave.journeys.schedule import (
    birthday_due,
    cron_due,
    format_duration,
    next_local,
    parse_birthday,
    parse_duration,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_moscow_has_no_dst_so_10_00_is_always_07_00_utc():
    for month in (1, 3, 7, 10, 12):
        assert next_local(time(10), "Europe/Moscow", utc(2025, month, 1, 6)) == utc(
            2025, month, 1, 7
        )
    assert next_local(time(10), "Europe/Moscow", utc(2025, 3, 30, 7)) == utc(2025, 3, 31, 7)


def test_new_york_10_00_moves_with_daylight_saving():
    assert next_local(time(10), "America/New_York", utc(2025, 3, 8, 0)) == utc(2025, 3, 8, 15)
    assert next_local(time(10), "America/New_York", utc(2025, 3, 8, 15)) == utc(2025, 3, 9, 14)
    assert next_local(time(10), "America/New_York", utc(2025, 11, 1, 15)) == utc(2025, 11, 2, 15)


def test_a_time_in_the_spring_gap_rolls_forward_and_a_repeated_time_is_the_first():
    # 2025-03-09 02:30 does not exist in New York: 03:30 EDT (07:30 UTC) instead
    assert next_local(time(2, 30), "America/New_York", utc(2025, 3, 9, 0)) == utc(2025, 3, 9, 7, 30)
    # 2025-11-02 01:30 happens twice: the first, EDT (05:30 UTC)
    assert next_local(time(1, 30), "America/New_York", utc(2025, 11, 2, 0)) == utc(
        2025, 11, 2, 5, 30
    )


def test_next_local_is_strictly_after_and_an_unknown_zone_is_utc():
    assert next_local(time(10), "Mars/Olympus", utc(2025, 1, 1, 10)) == utc(2025, 1, 2, 10)
    assert next_local(time(10), None, utc(2025, 1, 1, 9, 59)) == utc(2025, 1, 1, 10)


def test_cron_across_a_day_boundary_in_two_zones():
    last, now = utc(2025, 6, 1, 20), utc(2025, 6, 2, 8)
    # 00:30 local every day: Moscow (UTC+3) is 21:30 UTC, New York (UTC-4) is 04:30 UTC
    assert cron_due("30 0 * * *", "Europe/Moscow", last, now) == [utc(2025, 6, 1, 21, 30)]
    assert cron_due("30 0 * * *", "America/New_York", last, now) == [utc(2025, 6, 2, 4, 30)]
    # Mondays (2025-06-02 is a Monday) at 10:00: due in Moscow, still to come in New York
    assert cron_due("0 10 * * 1", "Europe/Moscow", last, now) == [utc(2025, 6, 2, 7)]
    assert cron_due("0 10 * * 1", "America/New_York", last, now) == []


def test_cron_keeps_the_local_hour_through_a_dst_change():
    due = cron_due("0 10 * * *", "America/New_York", utc(2025, 3, 7, 16), utc(2025, 3, 11, 16))
    assert due == [
        utc(2025, 3, 8, 15),
        utc(2025, 3, 9, 14),
        utc(2025, 3, 10, 14),
        utc(2025, 3, 11, 14),
    ]


def test_cron_in_the_spring_gap_fires_once_and_the_window_is_half_open():
    due = cron_due("*/30 * * * *", "America/New_York", utc(2025, 3, 9, 6), utc(2025, 3, 9, 8))
    assert due == [
        utc(2025, 3, 9, 6, 30),
        utc(2025, 3, 9, 7),
        utc(2025, 3, 9, 7, 30),
        utc(2025, 3, 9, 8),
    ]


def test_cron_returns_a_bounded_number_the_earliest_first():
    due = cron_due("* * * * *", "UTC", utc(2025, 1, 1), utc(2025, 1, 2), limit=5)
    assert due == [utc(2025, 1, 1, 0, minute) for minute in range(1, 6)]
    assert len(cron_due("* * * * *", "UTC", utc(2025, 1, 1), utc(2025, 1, 2))) == 100


@pytest.mark.parametrize("spelled", ["1990-07-15", "07-15", "15.07.1990", date(1990, 7, 15)])
def test_birthday_formats(spelled):
    assert parse_birthday(spelled) == (7, 15)


@pytest.mark.parametrize("spelled", ["1990-13-01", "31.02.1990", "someday", "", None, 715])
def test_unreadable_birthdays_never_fire(spelled):
    assert parse_birthday(spelled) is None
    assert birthday_due(spelled, 0, time(10), "UTC", utc(2025, 1, 1), utc(2026, 1, 1)) is None


def fires(birthday, days_before, at, tz, start, end):
    return birthday_due(birthday, days_before, time(*at), tz, start, end)


def test_birthday_fires_days_before_at_local_time():
    window = (utc(2025, 7, 12), utc(2025, 7, 13))
    assert fires("1990-07-15", 3, (10,), "Europe/Moscow", *window) == utc(2025, 7, 12, 7)
    # the window is half open: a start at the moment itself has it already past
    assert fires("1990-07-15", 3, (10,), "Europe/Moscow", utc(2025, 7, 12, 7), window[1]) is None
    assert fires("1990-07-15", 3, (10,), "America/New_York", *window) == utc(2025, 7, 12, 14)


def test_days_before_can_reach_into_the_previous_year():
    assert fires("01-02", 3, (10,), "UTC", utc(2025, 12, 25), utc(2026, 1, 5)) == utc(
        2025, 12, 30, 10
    )


def test_feb_29_is_celebrated_on_feb_28_in_other_years():
    non_leap = (utc(2025, 2, 28), utc(2025, 3, 1))
    assert fires("2000-02-29", 0, (9,), "UTC", *non_leap) == utc(2025, 2, 28, 9)
    leap = (utc(2028, 2, 28, 12), utc(2028, 3, 1))
    assert fires("29.02.2000", 0, (9,), "UTC", *leap) == utc(2028, 2, 29, 9)
    before = (utc(2025, 2, 26), utc(2025, 2, 28))
    assert fires("02-29", 1, (9,), "UTC", *before) == utc(2025, 2, 27, 9)


def test_duration_spelling_round_trips():
    for spelled in ("30m", "6h", "1d", "2w", "45s", "36h"):
        assert format_duration(parse_duration(spelled)) == spelled
    assert format_duration(parse_duration("14d")) == "2w"
    for bad in ("0h", "-1h", "1y", "", True, 1.5, -5):
        with pytest.raises(ValueError):
            parse_duration(bad)
