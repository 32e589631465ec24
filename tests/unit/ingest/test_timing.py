"""Segment's clock-skew correction."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omniweave.ingest.timing import EventTimes, correct_skew, too_far_ahead

ARRIVAL = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=7)))
def test_a_wrong_device_clock_cancels_out(device_now, delay):
    """Whatever the device's clock says, the event is placed ``delay`` before arrival."""
    times = correct_skew(device_now - delay, device_now, ARRIVAL)
    assert times.timestamp == ARRIVAL - delay
    assert times.original_timestamp == device_now - delay


def test_without_sent_at_the_original_time_is_trusted():
    old = datetime(2025, 1, 1, tzinfo=UTC)
    assert correct_skew(old, None, ARRIVAL).timestamp == old


def test_without_any_time_arrival_is_used():
    assert correct_skew(None, None, ARRIVAL) == EventTimes(ARRIVAL, None, None, ARRIVAL)


def test_too_far_ahead():
    ahead = correct_skew(ARRIVAL + timedelta(days=2), None, ARRIVAL)
    assert too_far_ahead(ahead, timedelta(days=1))
    assert not too_far_ahead(correct_skew(ARRIVAL, None, ARRIVAL), timedelta(days=1))
