"""Two ``omniweave worker`` processes on one PostgreSQL at once: the log's consumers, the
campaign's chunks and the outbox are each taken by one of them (cursor locks, ``SKIP LOCKED``),
so nothing is resolved twice and no one is sent twice: the provider never even sees a repeat."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from omniweave.channels.peers.runner import start_peers
from omniweave.cli.peers import peer_settings, vapid_key
from omniweave.store.message_tables import campaigns, messages
from omniweave.store.segment_tables import segment_memberships, segments
from omniweave.store.tables import identities, profiles
from tests.e2e.servers import Worker
from tests.e2e.test_campaign_crash import TEMPLATE, people

PEOPLE = 1000


def wait_for(condition, timeout: float, what: str, workers: list[Worker]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        for w in workers:
            if not w.alive():
                pytest.fail(f"a worker died while waiting for {what}\n{w.log()}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n" + "\n".join(w.log() for w in workers))


def count(c, query) -> int:
    with c.engine.connect() as conn:
        return conn.execute(query).scalar_one()


@pytest.mark.e2e
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: one writer
def test_two_workers_share_the_work_and_nobody_gets_two_messages(
    container, tenant, database_url, tmp_path
):
    c, ws = container, tenant.workspace_id
    for start in range(0, PEOPLE, 500):
        c.ingest.batch(ws, tenant.site_id, {"batch": people(start, 500)})
    c.messaging.save_template(ws, TEMPLATE)
    c.segments.save(ws, "everyone", {"identifier": {"type": "user_id"}}, None)
    with c.engine.connect() as conn:
        segment_id = conn.execute(select(segments.c.id)).scalar_one()

    with start_peers(tmp_path / "peers", report_delay=0.05) as peers:
        env = {
            **peer_settings(peers, vapid_key(tmp_path / "peers")),
            "OMNIWEAVE_IDENTITY_SETTLE_SECONDS": "0",
        }
        workers = [Worker(database_url, tmp_path / f"worker-{n}.log", env).start() for n in (1, 2)]
        try:
            members = select(func.count()).where(
                segment_memberships.c.segment_id == segment_id,
                segment_memberships.c.exited_at.is_(None),
            )
            # both resolve the same log at once
            wait_for(lambda: count(c, members) == PEOPLE, 300, "the segment", workers)
            c.campaigns.save(ws, {"name": "weekly", "segment": "everyone", "template": "weekly"})
            c.campaigns.start(ws, "weekly")

            def finished() -> bool:
                pending = select(func.count()).where(
                    messages.c.status.in_(("queued", "sending", "deferred"))
                )
                done = select(func.count()).where(campaigns.c.status == "done")
                return count(c, done) == 1 and count(c, pending) == 0

            wait_for(finished, 600, "the campaign to finish", workers)
        finally:
            for w in workers:
                w.stop()
        inbox = peers.journal.inbox(channel="push")
        stats = peers.journal.stats()
    assert count(c, select(func.count()).select_from(profiles)) == PEOPLE
    user_ids = select(func.count()).where(identities.c.type == "user_id")
    assert count(c, user_ids) == PEOPLE
    tokens = [entry["to"] for entry in inbox]
    assert len(tokens) == PEOPLE and len(set(tokens)) == PEOPLE
    assert stats["duplicates_total"] == 0  # not one repeat reached the provider
    sent = select(func.count()).where(messages.c.status == "sent")
    assert count(c, sent) == PEOPLE
    logs = [w.log() for w in workers]
    assert all("Traceback" not in text for text in logs), logs
