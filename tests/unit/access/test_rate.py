"""The token bucket: never more than the burst plus the rate over any stretch of time, and
nothing refused that the rate allows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniweave.access.rate import Limit, RateLimiter, limit_from, take

limits = st.builds(
    Limit,
    per_second=st.floats(min_value=0.1, max_value=1000),
    burst=st.integers(min_value=1, max_value=100),
)
gaps = st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=300)


@given(limits, gaps)
def test_never_more_than_burst_plus_rate(limit, gaps):
    bucket, now, allowed = None, 0.0, 0
    for gap in gaps:
        now += gap
        bucket, wait = take(bucket, limit, now)
        allowed += wait == 0
        assert allowed <= limit.burst + limit.per_second * now + 1e-6


@given(limits, st.integers(min_value=1, max_value=200))
def test_requests_spaced_at_the_rate_all_pass(limit, n):
    bucket = None
    for i in range(n):
        bucket, wait = take(bucket, limit, i / limit.per_second)
        assert wait == 0


@given(limits)
def test_a_refusal_says_when_a_token_is_there(limit):
    bucket, now = None, 0.0
    for _ in range(limit.burst):
        bucket, wait = take(bucket, limit, now)
        assert wait == 0
    bucket, wait = take(bucket, limit, now)
    assert wait > 0
    assert take(bucket, limit, now + wait + 1e-9)[1] == 0


def test_keys_have_their_own_buckets_and_overrides():
    now = [0.0]
    limiter = RateLimiter(Limit(1, 1), clock=lambda: now[0])
    assert limiter.check(1)[1] == 0 and limiter.check(1)[1] > 0
    assert limiter.check(2)[1] == 0
    assert all(limiter.check(3, Limit(10, 5))[1] == 0 for _ in range(5))  # its own limit
    assert limiter.check(3, Limit(10, 5))[1] > 0
    assert RateLimiter(None).check(1) == (None, 0.0)
    assert limit_from(0, 5) is None and limit_from(None, None) is None
    assert limit_from(20, None) == Limit(20, 20) and limit_from(0.5, None) == Limit(0.5, 1)
