"""A mixed load on the real server for ``--seconds``: Segment batches, profile reads, till price
calculations and a campaign sending through the local peers, all at once, on PostgreSQL.

Seeds a scratch schema (bench/pricing.py's catalog and 50 promotions; ``--people`` people with
a device token and push consent; a segment of them and a campaign), starts the stand-in
providers and ``uvicorn omniweave.server:from_env`` (which also runs the consumers, the
campaign and the sender in its background, as one production process does), and runs a
baseline phase of ingestion alone, then every kind together. Afterwards it waits for the
background work to finish and checks that nothing was lost or doubled: every acknowledged
event is in the log once, and every campaign recipient got exactly one message.

Prints one JSON line: per kind, requests, per second, p50 and p99 (ms); ``ratio`` is the mixed
ingest rate over the ingest-alone rate of the same run; ``lost`` and ``doubled`` must be 0.

    .venv/bin/python bench/load.py [--seconds 60] [--people 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from ingest import start_server, stop_server  # noqa: E402
from pricing import carts, percentile, seed  # noqa: E402
from scratch import scratch_schema  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from omniweave.access import service as access  # noqa: E402
from omniweave.access.model import Scope  # noqa: E402
from omniweave.bootstrap import bootstrap  # noqa: E402
from omniweave.channels.peers.runner import start_peers  # noqa: E402
from omniweave.cli.peers import peer_settings, vapid_key  # noqa: E402
from omniweave.core.time import utc_now  # noqa: E402
from omniweave.settings import Settings  # noqa: E402
from omniweave.store.message_tables import campaigns, messages  # noqa: E402
from omniweave.store.tables import events, sources  # noqa: E402

BASE = os.environ.get(
    "OMNIWEAVE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEMPLATE = {
    "name": "weekly",
    "topic": "marketing",
    "channels": {"push": {"title": "This week", "body": "Two for one, {{ profile.first_name }}"}},
}


def people(count: int) -> list[dict]:
    return [
        {
            "type": "identify",
            "userId": f"load-{i}",
            "messageId": f"load-person-{i}",
            "traits": {"first_name": f"Guest {i}", "pushOptIn": True},
            "context": {"device": {"token": f"{i:08d}" + "cd" * 20}},
        }
        for i in range(count)
    ]


def prepare(url: str, count: int) -> dict:
    """Catalog, promotions and people; a read key, the till's key, the site's write key."""
    till_key, ws = seed(url)
    c = bootstrap(Settings(database_url=url, resolver_interval_seconds=0))
    now = utc_now()
    with c.engine.begin() as conn:
        site = conn.execute(select(sources.c.id).where(sources.c.workspace_id == ws)).scalar()
        read = access.create_key(conn, workspace_id=ws, scope=Scope.READ, name="r", now=now)
        admin = access.create_key(conn, workspace_id=ws, scope=Scope.ADMIN, name="a", now=now)
    everyone = people(count)
    for start in range(0, count, 500):
        c.ingest.batch(ws, site, {"batch": everyone[start : start + 500]})
    while c.catch_up():
        pass
    c.messaging.save_template(ws, TEMPLATE)
    c.segments.save(ws, "everyone", {"identifier": {"type": "user_id"}}, None)
    c.campaigns.save(ws, {"name": "weekly", "segment": "everyone", "template": "weekly"})
    profile_ids = [c.identity.lookup(ws, "user_id", f"load-{i}")["id"] for i in range(0, count, 10)]
    c.close()
    return {
        "ws": ws,
        "write": till_key,
        "read": read.secret,
        "admin": admin.secret,
        "profiles": profile_ids,
    }


class Load:
    def __init__(self, url: str, keys: dict) -> None:
        self.url = url
        self.keys = keys
        self.latency: dict[str, list[float]] = {}
        self.accepted: set[str] = set()
        self.failures: list[str] = []
        self.sequence = 0

    async def _timed(self, kind: str, call) -> None:
        started = time.perf_counter()
        answer = await call
        if answer.status_code != 200:
            self.failures.append(f"{kind}: {answer.status_code} {answer.text[:200]}")
            return
        self.latency.setdefault(kind, []).append((time.perf_counter() - started) * 1000)

    async def ingest(self, client: httpx.AsyncClient, until: float, kind: str) -> None:
        token = base64.b64encode(f"{self.keys['write']}:".encode()).decode()
        while time.monotonic() < until:
            first = self.sequence
            self.sequence += 50
            batch = [
                {"type": "track", "event": "Product Viewed", "userId": f"load-{n % 500}",
                 "messageId": f"load-event-{n}", "properties": {"sku": f"sku-{n % 500:03d}"}}
                for n in range(first, first + 50)
            ]  # fmt: skip
            call = client.post("/v1/batch", json={"batch": batch},
                               headers={"Authorization": f"Basic {token}"})  # fmt: skip
            before = len(self.latency.get(kind, []))
            await self._timed(kind, call)
            if len(self.latency.get(kind, [])) > before:
                self.accepted.update(m["messageId"] for m in batch)

    async def reads(self, client: httpx.AsyncClient, until: float) -> None:
        chance = random.Random(3)
        headers = {"Authorization": f"Bearer {self.keys['read']}"}
        while time.monotonic() < until:
            pid = chance.choice(self.keys["profiles"])
            await self._timed("profile_read", client.get(f"/api/profiles/{pid}", headers=headers))

    async def pricing(self, client: httpx.AsyncClient, until: float) -> None:
        bodies = carts(500)
        headers = {"Authorization": f"Bearer {self.keys['write']}"}
        n = 0
        while time.monotonic() < until:
            body = bodies[n % len(bodies)]
            n += 1
            call = client.post("/api/pricing/calculate", json=body, headers=headers)
            await self._timed("pricing", call)

    async def run(self, seconds: float, baseline: float) -> dict:
        async with httpx.AsyncClient(base_url=self.url, timeout=60.0) as client:
            started = time.monotonic()
            await asyncio.gather(*(self.ingest(client, started + baseline, "ingest_alone")
                                   for _ in range(2)))  # fmt: skip
            alone = len(self.latency.get("ingest_alone", [])) * 50 / (time.monotonic() - started)
            admin = {"Authorization": f"Bearer {self.keys['admin']}"}
            answer = await client.post("/api/campaigns/weekly/start", json={}, headers=admin)
            if answer.status_code != 200:
                raise RuntimeError(f"the campaign did not start: {answer.text}")
            started = time.monotonic()
            until = started + seconds
            await asyncio.gather(
                self.ingest(client, until, "ingest"),
                self.ingest(client, until, "ingest"),
                self.reads(client, until),
                self.pricing(client, until),
            )
            mixed_seconds = time.monotonic() - started
        return {"ingest_alone_per_s": alone, "mixed_seconds": mixed_seconds}


def settled(url: str, accepted: set[str], people_count: int, timeout: float) -> dict:
    """Wait for the background work, then count what the log and the outbox hold."""
    c = bootstrap(Settings(database_url=url, resolver_interval_seconds=0))
    deadline = time.monotonic() + timeout
    while True:
        with c.engine.connect() as conn:
            status = conn.execute(select(campaigns.c.status)).scalar()
            pending = conn.execute(
                select(func.count()).where(messages.c.status.in_(("queued", "sending", "deferred")))
            ).scalar()
        if (status == "done" and pending == 0) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    with c.engine.connect() as conn:
        stored = conn.execute(
            select(func.count(), func.count(events.c.message_id.distinct())).where(
                events.c.message_id.like("load-event-%")
            )
        ).one()
        ids = set(
            conn.execute(
                select(events.c.message_id).where(events.c.message_id.like("load-event-%"))
            ).scalars()
        )
    c.close()
    return {"campaign": status, "stored": stored[0], "distinct": stored[1],
            "lost": len(accepted - ids), "outbox_pending": pending}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline", type=float, default=10, help="ingest alone first")
    parser.add_argument("--people", type=int, default=2000)
    args = parser.parse_args()
    with scratch_schema(BASE, "bench_load") as url, tempfile.TemporaryDirectory() as tmp:
        keys = prepare(url, args.people)
        with start_peers(Path(tmp) / "peers", report_delay=0.05) as peers:
            env = {**peer_settings(peers, vapid_key(Path(tmp) / "peers")),
                   "OMNIWEAVE_IDENTITY_SETTLE_SECONDS": "0"}  # fmt: skip
            process, base = start_server(url, 1, Path(tmp) / "server.log", env)
            try:
                load = Load(base, keys)
                phases = asyncio.run(load.run(args.seconds, args.baseline))
                after = settled(url, load.accepted, args.people, timeout=600)
            finally:
                stop_server(process)
            inbox = [entry["to"] for entry in peers.journal.inbox(channel="push")]
    kinds = {}
    for kind, values in load.latency.items():
        seconds = args.baseline if kind == "ingest_alone" else phases["mixed_seconds"]
        per_request = 50 if kind.startswith("ingest") else 1
        kinds[kind] = {
            "requests": len(values),
            "per_s": round(len(values) * per_request / seconds, 1),
            "p50_ms": round(percentile(values, 0.5), 2),
            "p99_ms": round(percentile(values, 0.99), 2),
        }
    mixed_ingest = kinds.get("ingest", {}).get("per_s", 0.0)
    print(
        json.dumps(
            {
                "bench": "load",
                "backend": "postgresql",
                "seconds": args.seconds,
                "kinds": kinds,
                "ratio": round(mixed_ingest / phases["ingest_alone_per_s"], 3),
                "accepted_events": len(load.accepted),
                "lost": after["lost"],
                "doubled": after["stored"] - after["distinct"],
                "campaign": after["campaign"],
                "campaign_recipients": args.people,
                "campaign_received": len(inbox),
                "campaign_received_twice": len(inbox) - len(set(inbox)),
                "failures": load.failures[:5],
            }
        )
    )


if __name__ == "__main__":
    main()
