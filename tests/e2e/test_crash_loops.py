"""Crash loops: the server and the worker are SIGKILLed at random moments, several rounds,
while clients stream events (retrying what was not acknowledged, as Segment's SDKs do) and a
campaign is decided and sent. Afterwards: every acknowledged event is in the log once, and
every recipient got exactly one message at the provider.

Both processes run everything they run in production: the server takes requests and runs the
consumers, campaigns and the sender in its background; the worker runs them too; either may
be killed mid-transaction, mid-send or mid-request.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import func, select

from omniweave.channels.peers.runner import start_peers
from omniweave.cli.peers import peer_settings, vapid_key
from omniweave.store.message_tables import campaigns, messages
from omniweave.store.tables import events
from tests.e2e import test_crash_recovery as recovery
from tests.e2e.servers import Server, Worker
from tests.e2e.test_campaign_crash import TEMPLATE, people

pytestmark = pytest.mark.e2e

RECIPIENTS = 600
ROUNDS = 4
SEED = 20261125


def wait_for(condition, timeout: float, what: str, logs) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{logs()}")


def test_random_kills_of_server_and_worker_lose_nothing_and_double_nothing(
    container, tenant, database_url, tmp_path, monkeypatch
):
    c, ws = container, tenant.workspace_id
    for start in range(0, RECIPIENTS, 300):
        c.ingest.batch(ws, tenant.site_id, {"batch": people(start, 300)})
    while c.catch_up():
        pass
    c.messaging.save_template(ws, TEMPLATE)
    c.segments.save(ws, "everyone", {"identifier": {"type": "user_id"}}, None)
    c.campaigns.save(
        ws, {"name": "weekly", "segment": "everyone", "template": "weekly", "per_minute": 6000}
    )
    c.campaigns.start(ws, "weekly")
    monkeypatch.setattr(recovery, "DEADLINE_SECONDS", 300)
    bodies = recovery.batches()[:60]  # 3,000 events
    chance = random.Random(SEED)

    with start_peers(tmp_path / "peers", report_delay=0.05) as peers:
        env = {
            **peer_settings(peers, vapid_key(tmp_path / "peers")),
            "OMNIWEAVE_IDENTITY_SETTLE_SECONDS": "0",
            "OMNIWEAVE_OUTBOX_LEASE_SECONDS": "2",
            "OMNIWEAVE_RESOLVER_INTERVAL_SECONDS": "0.2",
        }
        server = Server(database_url, tmp_path / "server.log", env=env).start(timeout=90)
        worker = Worker(database_url, tmp_path / "worker.log", env).start()

        def logs() -> str:
            return f"server:\n{server.log()}\nworker:\n{worker.log()}"

        stream = recovery.Stream(server.url, tenant.write_key, bodies)
        for index in range(len(bodies)):
            stream.pending.put(index)
        senders = [threading.Thread(target=stream.send) for _ in range(3)]
        for sender in senders:
            sender.start()
        kills = []
        try:
            for _ in range(ROUNDS):
                time.sleep(chance.uniform(0.3, 2.5))
                victim = chance.choice(("server", "worker"))
                kills.append((victim, len(stream.acknowledged), len(peers.journal.inbox())))
                if victim == "server":
                    server.kill()
                    server.start(timeout=90)
                else:
                    worker.kill()
                    worker.start()
            for sender in senders:
                sender.join(timeout=300)

            def finished() -> bool:
                with c.engine.connect() as conn:
                    status = conn.execute(select(campaigns.c.status)).scalar()
                    pending = conn.execute(
                        select(func.count()).where(
                            messages.c.status.in_(("queued", "sending", "deferred"))
                        )
                    ).scalar()
                return status == "done" and pending == 0

            wait_for(finished, 600, "the campaign to finish", logs)
        finally:
            server.stop()
            worker.stop()
        inbox = peers.journal.inbox(channel="push")

    assert stream.failures == [], logs()
    assert sorted(i for i, _ in stream.acknowledged) == list(range(len(bodies)))
    with c.engine.connect() as conn:
        total, distinct = conn.execute(
            select(func.count(), func.count(events.c.message_id.distinct())).where(
                events.c.message_id.like("crash-%")
            )
        ).one()
    assert total == distinct == len(bodies) * recovery.BATCH, kills
    tokens = [entry["to"] for entry in inbox]
    assert len(tokens) == RECIPIENTS and len(set(tokens)) == RECIPIENTS, kills
    print(f"kills (victim, acknowledged batches, messages received): {kills}")
