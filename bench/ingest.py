"""Ingest benchmark: Segment ``/v1/batch`` through the real server, against PostgreSQL's COPY.

Creates a scratch schema, migrates it, starts uvicorn with ``--workers``, streams ``--events``
generated track calls in batches of ``--batch`` from ``--clients`` concurrent connections,
checks that every event was stored, then COPYs the same rows into an index-free copy of the
table. Prints one JSON line; ``ratio`` is ingest/s over copy/s (see bench/README.md).

    .venv/bin/python bench/ingest.py [--events 200000] [--workers 2] [--clients 8] [--batch 100]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
from psycopg import sql
from scratch import scratch_url
from sqlalchemy import JSON, Engine, func, select, text

from omniweave.access import service as access
from omniweave.access.model import Scope, SourceKind
from omniweave.store.engine import build_engine
from omniweave.store.migrate import upgrade
from omniweave.store.tables import events

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EVENT_NAMES = ("Product Viewed", "Product Added", "Cart Viewed", "Checkout Started")
COLUMNS = [c.name for c in events.columns if c.name != "id"]
JSON_COLUMNS = {c.name for c in events.columns if isinstance(c.type, JSON)}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="events to send")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--batch", type=int, default=100, help="events per /v1/batch request")
    parser.add_argument(
        "--bus",
        default="",
        help="a NATS URL: the server publishes to JetStream and its background writer logs",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OMNIWEAVE_BENCH_POSTGRES_URL", DEFAULT_URL),
        help="the database to make the scratch schema in (OMNIWEAVE_BENCH_POSTGRES_URL)",
    )
    return parser.parse_args(argv)


def write_key(engine: Engine) -> str:
    """A workspace, a source and its write key in the scratch store."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        workspace = access.ensure_workspace(conn, "bench", now)
        source = access.ensure_source(conn, workspace, "bench", SourceKind.SERVER, now)
        created = access.create_key(
            conn, workspace_id=workspace, scope=Scope.WRITE, name="bench", now=now, source_id=source
        )
    return created.secret


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    database_url: str, workers: int, log: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """uvicorn as an operator runs it; returns once every worker finished its startup."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "omniweave.api.app:from_env",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "info", "--no-access-log",
    ]  # fmt: skip
    env = {**os.environ, "OMNIWEAVE_DATABASE_URL": database_url, "OMNIWEAVE_LOG_LEVEL": "WARNING"}
    env.update(extra_env or {})
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
        if log.read_text().count("Application startup complete") >= workers:
            return process, url
        time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"the server did not start in 60 s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM lets uvicorn stop its workers; SIGKILL to the group if that hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


# --- the load ---------------------------------------------------------------------------------


def track_call(n: int, happened: datetime) -> dict:
    """A typical e-commerce track call from a website SDK: about 600 bytes of JSON."""
    return {
        "type": "track",
        "messageId": f"bench-{n:08d}",
        "userId": f"user-{n % 20_000}",
        "anonymousId": f"anon-{n % 50_000:05d}-{n % 7}",
        "event": EVENT_NAMES[n % len(EVENT_NAMES)],
        "properties": {
            "sku": f"sku-{n % 500}",
            "price": round(5 + (n % 100) * 0.37, 2),
            "quantity": 1 + n % 3,
            "currency": "EUR",
        },
        "context": {
            "library": {"name": "analytics.js", "version": "4.1.0"},
            "page": {"url": f"https://shop.example/p/{n % 500}", "title": "Product"},
            "ip": "203.0.113.7",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) bench",
        },
        "originalTimestamp": (happened + timedelta(milliseconds=n)).isoformat(),
    }


def request_bodies(count: int, batch: int) -> list[bytes]:
    start = datetime.now(UTC) - timedelta(hours=1)
    sent_at = datetime.now(UTC).isoformat()
    return [
        orjson.dumps(
            {
                "batch": [track_call(n, start) for n in range(first, min(first + batch, count))],
                "sentAt": sent_at,
            }
        )
        for first in range(0, count, batch)
    ]


async def send_all(url: str, key: str, bodies: list[bytes], clients: int) -> tuple[float, int]:
    """Seconds from the first send to the last 200, and how many events the answers say stored."""
    token = base64.b64encode(f"{key}:".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    work = iter(bodies)
    stored = 0

    async def sender(client: httpx.AsyncClient) -> None:
        nonlocal stored
        for body in work:
            answer = await client.post("/v1/batch", content=body)
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:500]}")
            found = answer.json()
            stored += found["stored"] if "stored" in found else found["queued"]

    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=120.0
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(sender(client) for _ in range(clients)))
        return time.perf_counter() - started, stored


# --- the baseline -----------------------------------------------------------------------------


def copy_rows(engine: Engine, runs: int = 3) -> tuple[float, int]:
    """COPY the stored rows (JSON already text) into an index-free copy of ``events``, in one
    transaction: the rate PostgreSQL itself writes these rows at. The best of ``runs``, since
    a checkpoint that the ingest phase started can slow one. Returns seconds and rows copied."""
    picked = sql.SQL(", ").join(
        sql.SQL("{}::text").format(sql.Identifier(c)) if c in JSON_COLUMNS else sql.Identifier(c)
        for c in COLUMNS
    )
    statement = sql.SQL("COPY scratch_copy ({}) FROM STDIN").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS)
    )
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        with pg.cursor() as cur:
            rows = cur.execute(
                sql.SQL("SELECT {} FROM events ORDER BY id").format(picked)
            ).fetchall()
            cur.execute("CREATE TABLE scratch_copy (LIKE events INCLUDING DEFAULTS)")
            pg.commit()
            best = float("inf")
            for _ in range(runs):
                cur.execute("TRUNCATE scratch_copy")
                pg.commit()
                started = time.perf_counter()
                with cur.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
                pg.commit()
                best = min(best, time.perf_counter() - started)
            copied = cur.execute("SELECT count(*) FROM scratch_copy").fetchone()[0]
    finally:
        raw.close()
    return best, copied


# --- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace, engine: Engine, url: str, log: Path) -> dict:
    upgrade(engine)
    key = write_key(engine)
    bodies = request_bodies(args.events, args.batch)
    extra = {}
    if args.bus:
        stream = f"OW_BENCH_{uuid.uuid4().hex[:10]}"
        extra = {
            "OMNIWEAVE_INGEST_BUS_URL": args.bus,
            "OMNIWEAVE_INGEST_BUS_STREAM": stream,
            "OMNIWEAVE_INGEST_BUS_SUBJECT": f"omniweave.bench.{stream}",
        }
    process, base = start_server(url, args.workers, log, extra)
    logged_seconds = None
    try:
        started = time.perf_counter()
        seconds, answered = asyncio.run(send_all(base, key, bodies, args.clients))
        while args.bus and logged(engine) < args.events:  # the writer catching up
            if time.perf_counter() - started > 600:
                raise RuntimeError(f"the log holds {logged(engine)} of {args.events} after 600 s")
            time.sleep(0.05)
        logged_seconds = time.perf_counter() - started
    finally:
        stop_server(process)
    stored = logged(engine)
    if not stored == answered == args.events:
        raise RuntimeError(f"sent {args.events}, answers said {answered}, the log has {stored}")
    copy_seconds, copied = copy_rows(engine)
    if copied != args.events:
        raise RuntimeError(f"COPY wrote {copied} of {args.events} rows")
    ingest_rate, copy_rate = args.events / seconds, copied / copy_seconds
    logged_rate = args.events / logged_seconds
    return {
        "bench": "ingest",
        "events": args.events,
        "ingest_per_s": round(ingest_rate, 1),
        "copy_per_s": round(copy_rate, 1),
        "ratio": round(ingest_rate / copy_rate, 4),
        # with the bus, a 200 means JetStream holds the events; this is the rate they reach
        # the log (the same as ingest_per_s without the bus, up to the last answer's latency)
        "logged_per_s": round(logged_rate, 1),
        "logged_ratio": round(logged_rate / copy_rate, 4),
        "bus": bool(args.bus),
        "workers": args.workers,
        "clients": args.clients,
        "backend": "postgresql",
        "stored": stored,
        "copied": copied,
    }


def logged(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    schema = f"ow_bench_{uuid.uuid4().hex[:10]}"
    admin = build_engine(args.postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = scratch_url(args.postgres_url, schema)
    engine = build_engine(url)
    log = Path(tempfile.mkstemp(prefix="omniweave-bench-", suffix=".log")[1])
    try:
        result = run(args, engine, url, log)
    except Exception:
        print(f"server log: {log}", file=sys.stderr)
        raise
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    log.unlink()
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
