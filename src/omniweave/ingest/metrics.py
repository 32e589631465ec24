"""Prometheus instruments of ingestion, served at ``/metrics``."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import Counter, Histogram

events_stored = Counter(
    "omniweave_ingest_events_total",
    "Events offered to the log, by type and outcome (stored, or duplicate of a stored one)",
    ["type", "outcome"],
)
rejected = Counter(
    "omniweave_ingest_rejected_total",
    "Requests or rows refused, by endpoint and reason (invalid_input, payload_too_large, ...)",
    ["endpoint", "reason"],
)
rate_limited = Counter(
    "omniweave_ingest_rate_limited_total",
    "Ingestion requests refused with 429 because their key was over its rate, by key id",
    ["key"],
)
request_seconds = Histogram(
    "omniweave_ingest_request_seconds",
    "Latency of ingestion requests, from the body read to the commit",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def count_outcomes(rows: list[dict], new_keys: set[tuple[int, str]]) -> None:
    """A row is stored if the INSERT returned its key and no earlier row in ``rows`` had it."""
    tally: Tally[tuple[str, str]] = Tally()
    seen: set[tuple[int, str]] = set()
    for row in rows:
        key = (row["source_id"], row["message_id"])
        tally[row["type"], "stored" if key in new_keys and key not in seen else "duplicate"] += 1
        seen.add(key)
    for (kind, outcome), n in tally.items():
        events_stored.labels(kind, outcome).inc(n)
