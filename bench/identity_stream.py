"""Incremental identity resolution on PostgreSQL with a large graph already in place.

Preloads ``--identifiers`` identities (three per profile: user id, email, phone) with COPY,
appends ``--events`` new identify/track events (a mix of returning people, new visitors and
cross-channel merges), then times the resolver catching up in batches, and the p99 of
resolving one event at a time for ``--single`` events. The baseline, measured in the same run,
is appending the same events to the log (``IngestService.append``).

Prints one JSON line:
{"bench": "identity_stream", "identifiers": ..., "events_per_s": ..., "append_per_s": ...,
 "ratio": resolve/append, "p99_ms": ..., "p50_ms": ...}

    .venv/bin/python bench/identity_stream.py [--identifiers 1000000] [--events 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

import psycopg
from scratch import scratch_schema
from sqlalchemy.engine import make_url

from omniweave.access import service as access
from omniweave.access.model import SourceKind
from omniweave.bootstrap import bootstrap
from omniweave.ingest.rows import Envelope, event_rows
from omniweave.settings import Settings
from omniweave.store.engine import build_engine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--identifiers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--single", type=int, default=2_000, help="events resolved one by one")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("OMNIWEAVE_BENCH_POSTGRES_URL", DEFAULT_URL)
    )
    return parser.parse_args()


def preload(url: str, workspace_id: int, people: int) -> None:
    """People 0..n-1, each a profile with a user id, an email and a phone, written by COPY."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    now = datetime.now(UTC)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy("COPY profiles (id, workspace_id, created_seq, created_at) FROM STDIN") as cp:
            for n in range(people):
                cp.write_row((f"p_pre{n:017d}", workspace_id, 0, now))
        with cur.copy(
            "COPY identities (workspace_id, type, value, profile_id, first_seen_at) FROM STDIN"
        ) as cp:
            for n in range(people):
                profile = f"p_pre{n:017d}"
                cp.write_row((workspace_id, "user_id", f"user-{n}", profile, now))
                cp.write_row((workspace_id, "email", f"person{n}@mail.ru", profile, now))
                cp.write_row((workspace_id, "phone", f"+7916{n:07d}", profile, now))
        cur.execute("ANALYZE profiles; ANALYZE identities")


def stream(people: int, count: int, rng: random.Random) -> list[dict]:
    """Returning people (track), new visitors identifying with a known email (a merge of a new
    anonymous id into a known profile), and app users seen with a known phone."""
    messages = []
    for n in range(count):
        person = rng.randrange(people)
        roll = rng.random()
        if roll < 0.6:
            body = {"type": "track", "userId": f"user-{person}", "event": "Product Viewed"}
        elif roll < 0.85:
            body = {
                "type": "identify",
                "anonymousId": f"web-{uuid.UUID(int=rng.getrandbits(128))}",
                "traits": {"email": f"Person{person}@mail.ru"},
            }
        else:
            body = {
                "type": "identify",
                "anonymousId": f"app-{n}",
                "traits": {"phone": f"8 916 {person:07d}"},
            }
        messages.append({**body, "messageId": f"bench-{n}"})
    return messages


def main() -> None:
    args = arguments()
    with scratch_schema(args.postgres_url, "ow_bench_id") as url:
        engine = build_engine(url)
        container = bootstrap(
            Settings(database_url=url, identity_settle_seconds=0, resolver_interval_seconds=0),
            engine=engine,
        )
        now = datetime.now(UTC)
        with engine.begin() as conn:
            ws = access.ensure_workspace(conn, "bench", now)
            source = access.ensure_source(conn, ws, "site", SourceKind.SITE, now)
        people = args.identifiers // 3
        preload(url, ws, people)

        rng = random.Random(7)
        messages = stream(people, args.events + args.single, rng)
        envelope = Envelope(ws, source, now)
        rows = event_rows(messages, envelope, container.ingest.limits)
        started = time.perf_counter()
        for i in range(0, args.events, 1000):
            container.ingest.append(rows[i : min(i + 1000, args.events)])
        append_seconds = time.perf_counter() - started

        started = time.perf_counter()
        resolved = container.resolver.catch_up(batch_size=2000)
        resolve_seconds = time.perf_counter() - started

        container.ingest.append(rows[args.events :])
        latencies = []
        for _ in range(args.single):
            one = time.perf_counter()
            container.resolver.catch_up(batch_size=1, max_batches=1)
            latencies.append((time.perf_counter() - one) * 1000)
        latencies.sort()
        result = {
            "bench": "identity_stream",
            "backend": "postgresql",
            "identifiers": args.identifiers,
            "events": resolved,
            "events_per_s": round(resolved / resolve_seconds, 1),
            "append_per_s": round(args.events / append_seconds, 1),
            "ratio": round((resolved / resolve_seconds) / (args.events / append_seconds), 4),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
