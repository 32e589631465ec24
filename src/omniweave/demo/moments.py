"""When things happen: lunch and dinner rushes in local time, busier weekends, one fixed year."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, time, timedelta

from omniweave.core.time import iso

# Orders by local hour: a lunch peak, a bigger dinner peak, almost nothing at night.
_HOURS = (
    0.3, 0.1, 0.05, 0, 0, 0, 0.05, 0.1, 0.3, 0.5, 0.8, 1.6,
    2.4, 2.0, 1.2, 1.0, 1.2, 1.8, 2.6, 2.8, 2.2, 1.4, 0.8, 0.5,
)  # fmt: skip
_HOUR_CUMULATIVE = tuple(itertools.accumulate(_HOURS))
_DAYS = 362  # the last days are left for deliveries and refunds to finish inside the year
_WEEKDAY_KEEP = 0.7  # a Monday to Thursday is 70% as busy as a Friday to Sunday


def moment(
    rng: random.Random, start: datetime, window: tuple[float, float], utc_offset: int
) -> datetime:
    """A busy-hour moment inside ``window`` (fractions of the year), as aware UTC."""
    low, high = window
    while True:
        local_day = (start + timedelta(days=int(rng.uniform(low, high) * _DAYS))).date()
        if local_day.weekday() >= 4 or rng.random() < _WEEKDAY_KEEP:
            break
    (hour,) = rng.choices(range(24), cum_weights=_HOUR_CUMULATIVE)
    local = datetime.combine(local_day, time(hour, rng.randrange(60), rng.randrange(60)))
    return (local - timedelta(hours=utc_offset)).replace(tzinfo=UTC)


def later(rng: random.Random, moment: datetime, low: int, high: int) -> datetime:
    """A step ``low``..``high`` seconds on: the next click, the courier's arrival."""
    return moment + timedelta(seconds=rng.randint(low, high))


def poisson(rng: random.Random, mean: float) -> int:
    """How many times something happens in a period that averages ``mean`` (Knuth's method)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def stamp(moment: datetime) -> str:
    """How the demo's payloads write a time (ISO 8601, UTC, ``Z``)."""
    return iso(moment)
