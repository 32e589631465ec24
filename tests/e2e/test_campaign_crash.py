"""A worker killed with SIGKILL in the middle of a 10,000-recipient campaign and started
again: every recipient gets exactly one message at the peers (the provider drops the repeat
of a message whose send was cut between the provider's answer and our commit, by its key)."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, select

from omniweave.channels.peers.runner import start_peers
from omniweave.cli.peers import peer_settings, vapid_key
from omniweave.store.message_tables import campaigns, messages
from tests.e2e.servers import Worker

RECIPIENTS = int(os.environ.get("OMNIWEAVE_TEST_CAMPAIGN_SIZE", "10000"))
TEMPLATE = {
    "name": "weekly",
    "topic": "marketing",
    "channels": {
        "push": {"title": "This week", "body": "Two pizzas for one, {{ profile.first_name }}"}
    },
}


def people(start: int, count: int) -> list[dict]:
    return [
        {
            "type": "identify",
            "userId": f"r{i}",
            "messageId": f"r{i}",
            "traits": {"first_name": f"Guest {i}", "pushOptIn": True},
            "context": {"device": {"token": f"{i:08d}" + "ab" * 20}},
        }
        for i in range(start, start + count)
    ]


def wait_for(condition, timeout: float, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if not worker.alive():
            pytest.fail(f"the worker died while waiting for {what}\n{worker.log()}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{worker.log()}")


@pytest.mark.e2e
def test_a_killed_worker_sends_every_recipient_exactly_once(
    container, tenant, database_url, tmp_path
):
    c, ws = container, tenant.workspace_id
    for start in range(0, RECIPIENTS, 1000):
        c.ingest.batch(ws, tenant.site_id, {"batch": people(start, 1000)})
    while c.catch_up():
        pass
    c.messaging.save_template(ws, TEMPLATE)
    c.segments.save(ws, "everyone", {"identifier": {"type": "user_id"}}, None)
    c.campaigns.save(ws, {"name": "weekly", "segment": "everyone", "template": "weekly"})
    c.campaigns.start(ws, "weekly")

    with start_peers(tmp_path / "peers", report_delay=0.05) as peers:
        env = {
            **peer_settings(peers, vapid_key(tmp_path / "peers")),
            "OMNIWEAVE_IDENTITY_SETTLE_SECONDS": "0",
            "OMNIWEAVE_OUTBOX_LEASE_SECONDS": "2",
        }
        worker = Worker(database_url, tmp_path / "worker.log", env).start()
        try:

            def received() -> int:
                return len(peers.journal.inbox(channel="push"))

            wait_for(lambda: received() >= RECIPIENTS // 4, 600, "a quarter sent", worker)
            worker.kill()
            killed_at = received()
            worker.start()

            def finished() -> bool:
                with c.engine.connect() as conn:
                    status = conn.execute(select(campaigns.c.status)).scalar()
                    pending = conn.execute(
                        select(func.count()).where(
                            messages.c.status.in_(("queued", "sending", "deferred"))
                        )
                    ).scalar()
                return status == "done" and pending == 0

            wait_for(finished, 900, "the campaign to finish", worker)
        finally:
            worker.stop()
        inbox = peers.journal.inbox(channel="push")
        stats = peers.journal.stats()
    tokens = [entry["to"] for entry in inbox]
    assert len(tokens) == RECIPIENTS, (len(tokens), killed_at)
    assert len(set(tokens)) == RECIPIENTS  # nobody twice
    with c.engine.connect() as conn:
        sent = conn.execute(select(func.count()).where(messages.c.status == "sent")).scalar()
    assert sent == RECIPIENTS
    print(
        f"killed after {killed_at} sends; repeats the provider dropped: {stats['duplicates_total']}"
    )
