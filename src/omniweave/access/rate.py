"""Ingestion rate limits per key: a token bucket. ``take`` is pure (the time is passed in);
``RateLimiter`` keeps one bucket per key in the process.

The buckets live in each process's memory: with several uvicorn workers each one limits on
its own, so the installation-wide limit is the setting times the number of workers (set the
rate divided by the workers). Keeping buckets in PostgreSQL would cost a write per request on
the hottest path; a limit per process costs a dictionary lookup.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_EPSILON = 1e-9


@dataclass(frozen=True)
class Limit:
    per_second: float  # tokens (requests) added each second
    burst: int  # the bucket's size: how many may come at once

    def as_dict(self) -> dict[str, float | int]:
        return {"perSecond": self.per_second, "burst": self.burst}


@dataclass(frozen=True)
class Bucket:
    tokens: float
    at: float  # when ``tokens`` was true (seconds, monotonic)


def take(bucket: Bucket | None, limit: Limit, now: float) -> tuple[Bucket, float]:
    """Take one token: the new bucket, and 0 if allowed, else how many seconds until a token
    is there (the bucket is then unchanged but for the refill)."""
    if bucket is None:
        bucket = Bucket(float(limit.burst), now)
    elapsed = max(0.0, now - bucket.at)
    tokens = min(float(limit.burst), bucket.tokens + elapsed * limit.per_second)
    if tokens >= 1.0 - _EPSILON:  # requests spaced exactly at the rate must all pass
        return Bucket(max(0.0, tokens - 1.0), now), 0.0
    return Bucket(tokens, now), (1.0 - tokens) / limit.per_second


class RateLimiter:
    def __init__(self, default: Limit | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.default = default
        self.clock = clock
        self._buckets: dict[int, Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key_id: int, override: Limit | None = None) -> tuple[Limit | None, float]:
        """The key's limit and 0 if the request may go, else the seconds to wait."""
        limit = override or self.default
        if limit is None:
            return None, 0.0
        with self._lock:
            bucket, wait = take(self._buckets.get(key_id), limit, self.clock())
            self._buckets[key_id] = bucket
        return limit, wait


def limit_from(per_second: float | None, burst: int | None) -> Limit | None:
    """A limit from settings or a key's columns: none when the rate is unset or 0; the burst
    defaults to one second's worth (at least 1)."""
    if not per_second or per_second <= 0:
        return None
    return Limit(per_second, burst if burst and burst > 0 else max(1, round(per_second)))
