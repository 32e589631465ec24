"""A crash mid-stream loses nothing and duplicates nothing.

Senders stream 5,000 events to the real server and retry what was not acknowledged, as
Segment's SDKs do; the server is SIGKILLed after part of the stream was acknowledged (so some
requests die in flight, possibly after their commit) and restarted on the same store. Some
acknowledged batches are sent again on purpose. The log must then hold each messageId once.
"""

from __future__ import annotations

import base64
import queue
import random
import threading
import time

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from omniweave.store.tables import events

pytestmark = pytest.mark.e2e

EVENTS = 5_000
BATCH = 50
SENDERS = 4
KILL_AFTER = 40  # acknowledged batches of the 100 before the crash
RESENT = 10  # acknowledged batches sent again after the stream
DEADLINE_SECONDS = 60


def batches() -> list[bytes]:
    return [
        orjson.dumps(
            {
                "batch": [
                    {
                        "type": "track",
                        "event": "Product Viewed",
                        "userId": f"u-{n % 97}",
                        "messageId": f"crash-{n:05d}",
                        "properties": {"n": n},
                    }
                    for n in range(first, first + BATCH)
                ]
            }
        )
        for first in range(0, EVENTS, BATCH)
    ]


class Stream:
    """Senders that post each batch until it is acknowledged, sharing one work queue."""

    def __init__(self, url: str, write_key: str, bodies: list[bytes]) -> None:
        self.url = url
        self.bodies = bodies
        token = base64.b64encode(f"{write_key}:".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        self.pending: queue.Queue[int] = queue.Queue()
        self.acknowledged: list[tuple[int, dict]] = []
        self.retries = 0
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.deadline = time.monotonic() + DEADLINE_SECONDS

    def deliver(self, client: httpx.Client, index: int) -> dict:
        """POST until a 200; connection errors and 5xx are retried with a growing pause."""
        pause = 0.02
        while True:
            try:
                answer = client.post("/v1/batch", content=self.bodies[index], headers=self.headers)
                if answer.status_code == 200:
                    return answer.json()
                if answer.status_code < 500:
                    raise AssertionError(f"batch {index}: {answer.status_code} {answer.text}")
            except httpx.TransportError:
                pass
            with self.lock:
                self.retries += 1
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"batch {index} not acknowledged in {DEADLINE_SECONDS} s")
            time.sleep(pause)
            pause = min(pause * 2, 0.25)

    def send(self) -> None:
        try:
            with httpx.Client(base_url=self.url, timeout=10.0) as client:
                while True:
                    try:
                        index = self.pending.get_nowait()
                    except queue.Empty:
                        return
                    answer = self.deliver(client, index)
                    with self.lock:
                        self.acknowledged.append((index, answer))
        except Exception as exc:  # reported by the test, which cannot see a thread's raise
            self.failures.append(repr(exc))


def test_a_crash_mid_stream_loses_and_duplicates_nothing(server, tenant, engine):
    bodies = batches()
    stream = Stream(server.url, tenant.write_key, bodies)
    for index in range(len(bodies)):
        stream.pending.put(index)
    senders = [threading.Thread(target=stream.send) for _ in range(SENDERS)]
    for sender in senders:
        sender.start()
    try:
        while len(stream.acknowledged) < KILL_AFTER and time.monotonic() < stream.deadline:
            time.sleep(0.002)
        server.kill()
        acknowledged_before_crash = len(stream.acknowledged)
        server.start()
    finally:
        for sender in senders:
            sender.join(timeout=DEADLINE_SECONDS)
    assert stream.failures == [], server.log()
    assert KILL_AFTER <= acknowledged_before_crash < len(bodies), "the crash was not midway"
    assert stream.retries > 0, "no request noticed the crash"
    assert sorted(i for i, _ in stream.acknowledged) == list(range(len(bodies)))

    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        for index in random.Random(7).sample(range(len(bodies)), RESENT):
            again = stream.deliver(client, index)
            assert (again["stored"], again["duplicates"]) == (0, BATCH)

    with engine.connect() as conn:
        stored = conn.execute(select(events.c.message_id)).scalars().all()
        total, distinct = conn.execute(
            select(func.count(), func.count(events.c.message_id.distinct()))
        ).one()
    assert total == distinct == len(stored) == EVENTS
    assert set(stored) == {f"crash-{n:05d}" for n in range(EVENTS)}
