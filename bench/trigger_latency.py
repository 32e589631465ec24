"""Trigger latency: from a triggering event's acceptance to its email at the SMTP peer, with the
real server sending, at a steady rate of events; against an email sent straight to the peer.

Creates a fresh store (a scratch PostgreSQL schema, or ``--sqlite``), identifies ``--people``
people with an email and ``emailOptIn``, starts the peers in this process and the real server
(uvicorn) as a subprocess pointed at them, saves a template with an email channel and a journey
triggered by ``Bench Triggered`` that sends it at once, then posts ``--rate`` ``track`` calls a
second for ``--seconds`` and waits for every email at the mailbox. Latency is the mailbox's
``received_at`` minus the moment the event's 200 came back. Prints one JSON line (see
bench/README.md); the baseline (same run) is an email sent straight to the mailbox. Where the
time went comes from the consumers' cursors (sampled every 20 ms) and the ``messages`` rows;
events a cursor moved past without acting on them are counted in ``skipped``.

    .venv/bin/python bench/trigger_latency.py [--rate 1000] [--seconds 10] [--people 1000]
    .venv/bin/python bench/trigger_latency.py --sqlite --rate 20 --seconds 1 --people 20
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import orjson
from sqlalchemy import Engine, create_engine, func, select

from omniweave.access import service as access
from omniweave.access.model import Scope, SourceKind
from omniweave.bootstrap import bootstrap
from omniweave.channels.peers.runner import RunningPeers, start_peers
from omniweave.cli.peers import peer_settings, vapid_key
from omniweave.settings import Settings
from omniweave.store.engine import build_engine, normalise_url
from omniweave.store.journey_tables import journey_runs
from omniweave.store.message_tables import messages
from omniweave.store.migrate import upgrade
from omniweave.store.tables import event_identities, events, log_cursors

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL_P99_S = 1.0
EVENT = "Bench Triggered"
TEMPLATE = {
    "name": "bench-triggered",
    "topic": "marketing",
    "channels": {
        "email": {
            # The event's messageId in the subject: each email is matched to its event.
            "subject": "Bench {{ event.properties.n }}",
            "html": (
                "<p>Hello {{ profile | first_name_or('there') }}, this answers"
                " {{ event.properties.n }}.</p>"
                '<p><a href="{{ message.unsubscribe_url }}">Unsubscribe</a></p>'
            ),
        }
    },
}
JOURNEY = {
    "name": "bench-triggered",
    "trigger": {"event": {"name": EVENT}},
    "reentry": {"mode": "always"},
    "steps": [{"id": "send", "send": {"template": "bench-triggered"}}],
}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="triggering events a second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send them")
    parser.add_argument("--people", type=int, default=1000, help="people identified up front")
    parser.add_argument("--connections", type=int, default=32, help="client connections, at most")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--settle",
        type=float,
        default=0.05,
        help="OMNIWEAVE_IDENTITY_SETTLE_SECONDS for the server (the resolver's wait for "
        "late commits on PostgreSQL)",
    )
    parser.add_argument(
        "--baseline", type=int, default=100, help="emails sent straight, one at a time"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for the emails after the load"
    )
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OMNIWEAVE_BENCH_POSTGRES_URL", DEFAULT_URL),
        help="the database to make the scratch schema in (OMNIWEAVE_BENCH_POSTGRES_URL)",
    )
    # The throughput baseline's client runs in its own process (as the server's sender does),
    # so it does not share this process's interpreter lock with the mailbox: HOST:PORT:N:C.
    parser.add_argument("--smtp-flood", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0 or args.people <= 0 or args.connections <= 0:
        parser.error("--rate, --seconds, --people and --connections must be positive")
    return args


# --- the store --------------------------------------------------------------------------------


@contextmanager
def fresh_store(args: argparse.Namespace, directory: Path) -> Iterator[tuple[str, str]]:
    """A migrated, empty store: its URL and backend name; a PostgreSQL schema is dropped after."""
    if args.sqlite:
        url = f"sqlite:///{directory / 'bench.db'}"
        engine = build_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url, "sqlite"
        return
    from scratch import scratch_schema  # bench/scratch.py, next to this file

    with scratch_schema(args.postgres_url, "ow_bench_trig") as url:
        yield url, "postgresql"


def keys(engine: Engine) -> tuple[int, int, str, str]:
    """The workspace, its source, a write key for the source and an admin key."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        workspace = access.ensure_workspace(conn, "bench", now)
        source = access.ensure_source(conn, workspace, "bench", SourceKind.SERVER, now)
        write = access.create_key(
            conn, workspace_id=workspace, scope=Scope.WRITE, name="bench", now=now, source_id=source
        )
        admin = access.create_key(
            conn, workspace_id=workspace, scope=Scope.ADMIN, name="bench", now=now
        )
    return workspace, source, write.secret, admin.secret


def user_id(i: int) -> str:
    return f"bench-user-{i:06d}"


def identify_people(url: str, workspace: int, source: int, people: int) -> None:
    """Every person identified with an email and email opt-in, and resolved into a profile."""
    container = bootstrap(
        Settings(database_url=url, identity_settle_seconds=0, resolver_interval_seconds=0)
    )
    try:
        calls = [
            {
                "type": "identify",
                "userId": user_id(i),
                "messageId": f"bench-identify-{i}",
                "traits": {
                    "first_name": f"Guest {i}",
                    "email": f"guest-{i:06d}@example.com",
                    "emailOptIn": True,
                },
            }
            for i in range(people)
        ]
        for start in range(0, len(calls), 500):
            container.ingest.batch(workspace, source, {"batch": calls[start : start + 500]})
        while container.catch_up():
            pass
    finally:
        container.close()


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    database_url: str, extra: dict[str, str], log: Path, workers: int
) -> tuple[subprocess.Popen, str]:
    """uvicorn as an operator runs it; returns once ``/healthz`` answers."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "omniweave.api.app:from_env",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {
        **os.environ,
        **extra,
        "OMNIWEAVE_DATABASE_URL": database_url,
        "OMNIWEAVE_LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    stop_server(process)
    raise RuntimeError(f"the server did not start in 60 s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to the group if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def server_errors(log: Path) -> list[str]:
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            level = orjson.loads(line).get("level")
        except (orjson.JSONDecodeError, AttributeError):
            level = "error" if line.startswith(("ERROR", "CRITICAL", "Traceback")) else None
        if level in ("error", "critical"):
            found.append(line)
    return found


def configure(url: str, admin_key: str) -> None:
    """The template and the journey, through the admin API as a marketer's tool would."""
    headers = {"Authorization": f"Bearer {admin_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30.0) as client:
        for path, body in (("/api/templates", TEMPLATE), ("/api/journeys", JOURNEY)):
            answer = client.post(path, json=body)
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:1000]}")


# --- the baseline: an email straight to the mailbox -------------------------------------------


async def smtp_baseline(peers: RunningPeers, count: int, run_id: str) -> list[tuple[str, float]]:
    """``count`` emails sent one after another with aiosmtplib, each on its own session (as the
    SMTP adapter sends): subject and the wall time just before the send."""
    started: list[tuple[str, float]] = []
    for k in range(count):
        email = EmailMessage()
        email["From"] = "bench@omniweave.local"
        email["To"] = "baseline@example.com"
        email["Subject"] = f"Baseline {k}"
        email["Message-ID"] = f"<baseline-{run_id}-{k}@bench>"
        email.set_content(f"Hello, this is baseline email {k}.")
        email.add_alternative(f"<p>Hello, this is baseline email {k}.</p>", subtype="html")
        started.append((email["Subject"], time.time()))
        await aiosmtplib.send(email, hostname=peers.smtp_host, port=peers.smtp_port, timeout=10)
    return started


async def smtp_flood(host: str, port: int, count: int, concurrency: int) -> float:
    """``count`` emails, ``concurrency`` sessions at a time: seconds taken (the other process)."""
    gate = asyncio.Semaphore(concurrency)
    run_id = uuid.uuid4().hex[:8]

    async def one(k: int) -> None:
        email = EmailMessage()
        email["From"] = "bench@omniweave.local"
        email["To"] = f"flood-{k}@example.com"
        email["Subject"] = f"Flood {k}"
        email["Message-ID"] = f"<flood-{run_id}-{k}@bench>"
        email.set_content(f"Hello, this is flood email {k}.")
        async with gate:
            await aiosmtplib.send(email, hostname=host, port=port, timeout=30)

    started = time.perf_counter()
    await asyncio.gather(*(one(k) for k in range(count)))
    return time.perf_counter() - started


def smtp_capacity(peers: RunningPeers, count: int, concurrency: int = 50) -> float:
    """Emails a second the mailbox takes from one other process sending as fast as it can."""
    spec = f"{peers.smtp_host}:{peers.smtp_port}:{count}:{concurrency}"
    done = subprocess.run(
        [sys.executable, __file__, "--smtp-flood", spec],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return count / float(done.stdout.strip())


def outbox_settled(url: str, timeout: float = 10.0) -> None:
    """Wait until no message is queued or being sent: a sender records ``sent_at`` for a whole
    round after the last of its emails arrived."""
    engine = create_engine(normalise_url(url))
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                busy = conn.execute(
                    select(func.count()).where(messages.c.status.in_(("queued", "sending")))
                ).scalar_one()
                conn.rollback()
            if busy == 0:
                return
            time.sleep(0.1)
    finally:
        engine.dispose()


# --- the load ---------------------------------------------------------------------------------


def message_id(run_id: str, n: int) -> str:
    return f"trig-{run_id}-{n:07d}"


class Keepalive:
    """One keep-alive HTTP/1.1 connection to the server, written by hand: at 1,000 requests a
    second httpx's own overhead (and its pool's queue, once requests wait for a connection)
    would make this process, which also runs the mailbox, the bottleneck."""

    def __init__(self, host: str, port: int, authorization: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"POST /v1/track HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {authorization}\r\nContent-Type: application/json\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> int:
        """The answer's status; the connection is opened again if the server closed it."""
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        status_line = await self.reader.readline()
        if not status_line:
            self.close()
            raise ConnectionError("the server closed the connection")
        length, closing = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "connection" and "close" in value.lower():
                closing = True
        await self.reader.readexactly(length)
        if closing:
            self.close()
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def send_load(
    url: str, key: str, args: argparse.Namespace, run_id: str
) -> list[tuple[float, float, float, int]]:
    """Event ``n`` is due ``n / rate`` seconds after the start; ``--connections`` senders take
    the next due event, wait for its time and post it, so the schedule holds while the server
    answers within connections / rate seconds (``send_lag`` says whether it did). Returns
    (due, sent, accepted, status) per event, wall-clock seconds; status 0: never sent (the
    load ran past its deadline), -1: no answer."""
    total = max(1, round(args.rate * args.seconds))
    token = base64.b64encode(f"{key}:".encode()).decode()
    host, port = url.removeprefix("http://").split(":")
    results: list[tuple[float, float, float, int]] = [(0.0, 0.0, 0.0, 0)] * total
    deadline = time.perf_counter() + 3 * args.seconds + 30  # bounded, whatever the server does
    queue = iter(range(total))
    start_wall, start = time.time(), time.perf_counter()

    async def sender() -> None:
        connection = Keepalive(host, int(port), f"Basic {token}")
        try:
            for n in queue:
                due = start + n / args.rate
                if due > time.perf_counter():
                    await asyncio.sleep(due - time.perf_counter())
                if time.perf_counter() > deadline:
                    return
                sent = time.time()
                body = {
                    "type": "track",
                    "userId": user_id(n % args.people),
                    "messageId": message_id(run_id, n),
                    "event": EVENT,
                    "properties": {"n": message_id(run_id, n), "sent_at": sent},
                }
                try:
                    status = await asyncio.wait_for(connection.post(orjson.dumps(body)), 30)
                except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError):
                    connection.close()
                    status = -1
                results[n] = (start_wall + n / args.rate, sent, time.time(), status)
        finally:
            connection.close()

    await asyncio.gather(*(sender() for _ in range(min(args.connections, total))))
    return results


class CursorWatch(threading.Thread):
    """Samples the consumers' cursors every ``every`` seconds: when each passed an event id
    became visible (committed), to within the sampling interval."""

    def __init__(self, url: str, every: float = 0.02) -> None:
        super().__init__(name="cursor-watch", daemon=True)
        # A plain engine: build_engine's SQLite one starts every transaction IMMEDIATE, which
        # would take the write lock from the server 50 times a second.
        self.engine = create_engine(normalise_url(url))
        self.every = every
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._positions: dict[str, list[int]] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        query = select(log_cursors.c.name, log_cursors.c.position)
        while not self.stopping.is_set():
            try:
                with self.engine.connect() as conn:
                    found = dict(conn.execute(query).all())
                    conn.rollback()
                self.samples.append((time.time(), found))
            except Exception:  # a busy SQLite file: the next sample will do
                pass
            self.stopping.wait(self.every)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        self.engine.dispose()

    def passed(self, name: str, event_id: int) -> float | None:
        """The first sample at which cursor ``name`` had read ``event_id`` (cursors only move
        forward, so the positions are sorted)."""
        positions = self._positions.get(name)
        if positions is None:
            positions = self._positions[name] = [found.get(name, 0) for _, found in self.samples]
        index = bisect.bisect_left(positions, event_id)
        return self.samples[index][0] if index < len(positions) else None


def wait_for_mail(peers: RunningPeers, expected: int, timeout: float) -> float:
    """Wait until the mailbox holds ``expected`` messages or ``timeout`` passes."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if peers.mailbox.received >= expected:
            break
        time.sleep(0.05)
    return time.monotonic() - started


# --- the figures ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary(values: list[float]) -> dict[str, float | None]:
    return {
        "p50_s": seconds(percentile(values, 50)),
        "p99_s": seconds(percentile(values, 99)),
        "max_s": seconds(max(values) if values else None),
        "mean_s": seconds(statistics.fmean(values) if values else None),
    }


def wall(moment: str | datetime) -> float:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def stored_rows(url: str, run_id: str) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Per event's messageId: its id in the log, whether the resolver attributed it, and its
    message's decision and send times; and the consumers' final cursor positions."""
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            positions = dict(conn.execute(select(log_cursors.c.name, log_cursors.c.position)).all())
            attributed = set(
                conn.execute(
                    select(event_identities.c.event_id)
                    .join(events, events.c.id == event_identities.c.event_id)
                    .where(events.c.message_id.like(f"trig-{run_id}-%"))
                ).scalars()
            )
            logged = conn.execute(
                select(events.c.id, events.c.message_id, events.c.received_at).where(
                    events.c.message_id.like(f"trig-{run_id}-%")
                )
            ).all()
            by_event = {
                row.message_id: {
                    "event_id": row.id,
                    "logged_at": wall(row.received_at),
                    "attributed": row.id in attributed,
                }
                for row in logged
            }
            by_id = {v["event_id"]: k for k, v in by_event.items()}
            sent = conn.execute(
                select(
                    journey_runs.c.entry_key,
                    messages.c.status,
                    messages.c.created_at,
                    messages.c.sent_at,
                )
                .join(journey_runs, journey_runs.c.id == messages.c.origin_id)
                .where(messages.c.origin == "journey")
            ).all()
            for row in sent:
                kind, _, event_id = row.entry_key.partition(":")
                name = by_id.get(int(event_id)) if kind == "event" else None
                if name is None:
                    continue
                by_event[name].update(
                    status=row.status,
                    decided_at=wall(row.created_at),
                    recorded_at=wall(row.sent_at) if row.sent_at else None,
                )
            conn.rollback()
    finally:
        engine.dispose()
    return by_event, positions


def skipped(rows: dict[str, dict[str, Any]], positions: dict[str, int]) -> dict[str, int]:
    """Events a consumer's cursor moved past without acting on them (lost for good: the
    cursor never comes back), and events no cursor had reached when the run ended."""
    identity, journeys = positions.get("identity", 0), positions.get("journeys", 0)
    found = {"unattributed": 0, "no_message": 0, "not_reached": 0}
    for row in rows.values():
        if row["event_id"] > journeys:
            found["not_reached"] += 1
        elif "status" not in row:
            found["no_message"] += 1
        if row["event_id"] <= identity and not row["attributed"]:
            found["unattributed"] += 1
    return found


def stages(
    delivered: dict[str, tuple[float, float]],
    rows: dict[str, dict[str, Any]],
    watch: CursorWatch,
) -> dict[str, dict[str, float | None]]:
    """Where each delivered event's time went, stage by stage (wall clock, one machine):

    accepted_to_resolved   the 200 to the identity resolver's commit (settle, resolve)
    resolved_to_journeys   to the journey consumer's commit (consents, traits, segments,
                           journeys: the run, the decision, the outbox row)
    journeys_to_received   the outbox row committed to the email at the mailbox (the
                           sender's poll, claim, render already done, SMTP session)
    decided_to_received    the decision's own clock (``messages.created_at``) to the mailbox
    received_to_recorded   the mailbox to ``sent_at`` committed (after the latency; it holds
                           a sender's round until all its sends answered)
    """
    parts: dict[str, list[float]] = {
        "accepted_to_resolved": [],
        "resolved_to_journeys": [],
        "journeys_to_received": [],
        "accepted_to_decided": [],
        "decided_to_received": [],
        "received_to_recorded": [],
    }
    for name, (accepted, received) in delivered.items():
        row = rows.get(name, {})
        event_id = row.get("event_id")
        if event_id is None:
            continue
        resolved = watch.passed("identity", event_id)
        journeyed = watch.passed("journeys", event_id)
        if resolved is not None and journeyed is not None:
            parts["accepted_to_resolved"].append(resolved - accepted)
            parts["resolved_to_journeys"].append(journeyed - resolved)
            parts["journeys_to_received"].append(received - journeyed)
        if row.get("decided_at") is not None:
            parts["accepted_to_decided"].append(row["decided_at"] - accepted)
            parts["decided_to_received"].append(received - row["decided_at"])
        if row.get("recorded_at") is not None:
            parts["received_to_recorded"].append(row["recorded_at"] - received)
    return {name: summary(values) for name, values in parts.items()}


def dominant(stage_summaries: dict[str, dict[str, float | None]]) -> str | None:
    """The stage on the latency path with the largest mean."""
    path = ("accepted_to_resolved", "resolved_to_journeys", "journeys_to_received")
    means = {name: stage_summaries[name]["mean_s"] for name in path}
    known = {name: mean for name, mean in means.items() if mean is not None}
    return max(known, key=lambda name: known[name]) if known else None


# --- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace, url: str, backend: str, directory: Path) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    engine = build_engine(url)
    try:
        workspace, source, write_key, admin_key = keys(engine)
    finally:
        engine.dispose()
    identify_people(url, workspace, source, args.people)
    log = directory / "server.log"
    with start_peers(directory / "peers") as peers:
        env = {
            **peer_settings(peers, vapid_key(directory / "peers")),
            "OMNIWEAVE_IDENTITY_SETTLE_SECONDS": str(args.settle),
            "OMNIWEAVE_RESOLVER_INTERVAL_SECONDS": "0.05",
        }
        process, base = start_server(url, env, log, args.workers)
        watch = CursorWatch(url)
        try:
            configure(base, admin_key)
            baseline_sent = asyncio.run(smtp_baseline(peers, args.baseline, run_id))
            flood = min(1000, max(100, round(args.rate * args.seconds)))
            capacity = smtp_capacity(peers, flood)
            before = peers.mailbox.received
            watch.start()
            load_started = time.time()
            answers = asyncio.run(send_load(base, write_key, args, run_id))
            load_ended = time.time()
            accepted = sum(1 for *_, status in answers if status == 200)
            waited = wait_for_mail(peers, before + accepted, args.timeout)
            outbox_settled(url)
        finally:
            watch.stop()
            stop_server(process)
        mail = peers.mailbox.messages()
    errors = server_errors(log)

    received_by_subject = {m["subject"]: wall(m["received_at"]) for m in mail}
    baseline = [
        received_by_subject[subject] - sent
        for subject, sent in baseline_sent
        if subject in received_by_subject
    ]
    delivered: dict[str, tuple[float, float]] = {}
    for n, (_, _, done, status) in enumerate(answers):
        name = message_id(run_id, n)
        if status == 200 and f"Bench {name}" in received_by_subject:
            delivered[name] = (done, received_by_subject[f"Bench {name}"])
    latencies = [received - accepted_at for accepted_at, received in delivered.values()]
    answered = [(due, sent, done) for due, sent, done, status in answers if status == 200]
    acceptance = [done - sent for _, sent, done in answered]
    send_lag = [sent - due for due, sent, _ in answered]
    first_sent = min((sent for _, sent, _ in answered), default=0.0)
    last_accepted = max((done for *_, done in answered), default=0.0)
    last_received = max((received for _, received in delivered.values()), default=0.0)
    rows, positions = stored_rows(url, run_id)
    statuses: dict[str, int] = {}
    for row in rows.values():
        status = row.get("status", "no message")
        statuses[status] = statuses.get(status, 0) + 1
    stage_summaries = stages(delivered, rows, watch)
    p99 = percentile(latencies, 99)
    baseline_p50 = percentile(baseline, 50)
    p50 = percentile(latencies, 50)
    return {
        "bench": "trigger_latency",
        "backend": backend,
        "events": len(answers),
        "accepted": accepted,
        "delivered": len(delivered),
        "people": args.people,
        "workers": args.workers,
        "settle_s": args.settle,
        "rate_target": args.rate,
        "rate_achieved": round(len(answered) / max(last_accepted - first_sent, 1e-9), 1),
        "delivered_per_s": round(len(delivered) / max(last_received - first_sent, 1e-9), 1),
        "p50_s": seconds(p50),
        "p99_s": seconds(p99),
        "max_s": seconds(max(latencies) if latencies else None),
        "goal_p99_s": GOAL_P99_S,
        "ratio_p99_to_goal": None if p99 is None else round(p99 / GOAL_P99_S, 4),
        "baseline_smtp_p50_s": seconds(baseline_p50),
        "baseline_smtp_p99_s": seconds(percentile(baseline, 99)),
        "baseline_smtp_per_s": round(capacity, 1),
        "ratio_p50_to_baseline": (
            None if p50 is None or not baseline_p50 else round(p50 / baseline_p50, 1)
        ),
        "acceptance_p50_s": seconds(percentile(acceptance, 50)),
        "acceptance_p99_s": seconds(percentile(acceptance, 99)),
        "send_lag_p99_s": seconds(percentile(send_lag, 99)),
        "load_s": round(load_ended - load_started, 2),
        "drain_s": round(waited, 2),
        "stages": stage_summaries,
        "dominant_stage": dominant(stage_summaries),
        "message_statuses": statuses,
        "skipped": skipped(rows, positions),
        "server_errors": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.smtp_flood:
        host, port, count, concurrency = args.smtp_flood.rsplit(":", 3)
        print(asyncio.run(smtp_flood(host, int(port), int(count), int(concurrency))))
        return 0
    with tempfile.TemporaryDirectory(prefix="omniweave-bench-trigger-") as scratch:
        directory = Path(scratch)
        try:
            with fresh_store(args, directory) as (url, backend):
                result = run(args, url, backend, directory)
        except Exception:
            log = directory / "server.log"
            if log.exists():
                print(
                    f"server log (tail):\n{log.read_text(errors='replace')[-3000:]}",
                    file=sys.stderr,
                )
            raise
    print(orjson.dumps(result).decode())
    return 0 if result["delivered"] == result["events"] else 1


if __name__ == "__main__":
    sys.exit(main())
