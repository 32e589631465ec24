"""Real-time segment membership: events/s the membership consumer keeps up with while 20
segments are live, on PostgreSQL, against the resolver's rate on the same events (same run).

Loads the demo chain (``--customers``), resolves it, saves 20 typical segments, then appends
``--events`` new events from existing customers and times, separately, the identity resolver,
the consent and trait updaters, and the membership consumer catching up. Prints one JSON line:
{"bench": "segments_realtime", "segments": 20, "events": ..., "membership_per_s": ...,
 "resolver_per_s": ..., "ratio": membership/resolver, "entered": ..., "exited": ...}

    .venv/bin/python bench/segments_realtime.py [--customers 2000] [--events 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta

from scratch import scratch_schema
from sqlalchemy import func, select, text

from omniweave.bootstrap import bootstrap
from omniweave.demo.loader import load, prepare_workspace
from omniweave.demo.model import DemoSpec
from omniweave.settings import Settings
from omniweave.store.engine import build_engine
from omniweave.store.tables import events, identities

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CATEGORIES = ("pizza", "drinks", "desserts")


def segments() -> dict[str, dict]:
    """Twenty live segments of the kinds a marketer keeps."""
    found: dict[str, dict] = {}
    for category in CATEGORIES:
        for days in (1, 7, 30):
            found[f"viewed-{category}-{days}d"] = {
                "event": {
                    "name": "Product Viewed",
                    "withinDays": days,
                    "where": {"category": category},
                }
            }
    found["no-order-30d"] = {"not": {"event": {"name": "Order Completed", "withinDays": 30}}}
    found["viewed-not-ordered"] = {
        "all": [
            {"event": {"name": "Product Viewed", "withinDays": 7}},
            {"not": {"event": {"name": "Order Completed", "withinDays": 7}}},
        ]
    }
    found["has-email"] = {"identifier": {"type": "email"}}
    found["has-phone"] = {"identifier": {"type": "phone"}}
    found["loyal"] = {"computed": {"name": "order_count", "op": "gte", "value": 5}}
    found["lapsed"] = {"computed": {"name": "days_since_last_purchase", "op": "gt", "value": 60}}
    found["email-reachable"] = {"reachable": {"channel": "email", "topic": "marketing"}}
    found["sms-reachable"] = {"reachable": {"channel": "sms", "topic": "marketing"}}
    found["kazan"] = {"trait": {"name": "city", "value": "Казань"}}
    found["big-cart"] = {"event": {"name": "Product Added", "min": 3, "withinDays": 7}}
    found["pizza-and-email"] = {"all": [{"segment": "viewed-pizza-7d"}, {"segment": "has-email"}]}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("OMNIWEAVE_BENCH_POSTGRES_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    with scratch_schema(args.postgres_url, "ow_bench_rt") as url:
        engine = build_engine(url)
        c = bootstrap(
            Settings(database_url=url, identity_settle_seconds=0, resolver_interval_seconds=0),
            engine=engine,
        )
        workspace = prepare_workspace(c)
        load(c, workspace, DemoSpec(seed=42, customers=args.customers))
        while c.catch_up():
            pass
        with engine.begin() as conn:  # what autovacuum does within a minute in production
            conn.execute(text("ANALYZE"))
        for name, definition in segments().items():
            c.segments.save(workspace.workspace_id, name, definition)
        while c.catch_up():
            pass
        with engine.connect() as conn:
            users = list(
                conn.execute(
                    select(identities.c.value).where(identities.c.type == "user_id")
                ).scalars()
            )
            before = conn.execute(select(func.count()).select_from(events)).scalar_one()
        rng = random.Random(3)
        now = datetime.now(UTC)
        batch = []
        for n in range(args.events):
            kind = rng.random()
            body = {
                "type": "track",
                "userId": rng.choice(users),
                "messageId": f"rt-{n}",
                "timestamp": (now - timedelta(seconds=args.events - n)).isoformat(),
            }
            if kind < 0.7:
                body |= {
                    "event": "Product Viewed",
                    "properties": {"category": rng.choice(CATEGORIES)},
                }
            elif kind < 0.9:
                body |= {"event": "Product Added", "properties": {"category": "pizza"}}
            else:
                body |= {"event": "Order Completed", "properties": {"total": 990}}
            batch.append(body)
        for start in range(0, len(batch), 500):
            c.ingest.batch(
                workspace.workspace_id,
                workspace.source_ids["site"],
                {"batch": batch[start : start + 500]},
            )
        timings = {}
        for name, step in (
            ("resolver", c.resolver.catch_up),
            ("derived", lambda: c.consent_updater.catch_up() + c.traits.catch_up()),
            ("membership", c.segments.membership.catch_up),
        ):
            started = time.perf_counter()
            while step():
                pass
            timings[name] = time.perf_counter() - started
        with engine.connect() as conn:
            emitted = dict(
                conn.execute(
                    select(events.c.event, func.count())
                    .where(events.c.id > before, events.c.event.like("Segment %"))
                    .group_by(events.c.event)
                ).all()
            )
        result = {
            "bench": "segments_realtime",
            "backend": "postgresql",
            "segments": len(segments()),
            "customers": args.customers,
            "events": args.events,
            "membership_per_s": round(args.events / timings["membership"], 1),
            "resolver_per_s": round(args.events / timings["resolver"], 1),
            "traits_and_consents_per_s": round(args.events / timings["derived"], 1),
            "ratio": round(timings["resolver"] / timings["membership"], 4),
            "entered": emitted.get("Segment Entered", 0),
            "exited": emitted.get("Segment Exited", 0),
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
