"""Ingestion through the real NATS JetStream on 127.0.0.1:4222, into SQLite and PostgreSQL:
a 200 means JetStream holds the events; the writer logs them once, acknowledging only after
its commit, so a crash in between loses nothing and doubles nothing."""

from __future__ import annotations

import asyncio
import base64
import socket
import uuid
from collections.abc import Iterator

import nats
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniweave.api.app import create_app
from omniweave.bootstrap import Container
from omniweave.ingest.bus import BusConfig, EventBus, LogWriter
from omniweave.store.tables import events
from tests.conftest import service_absent

NATS_URL = "nats://127.0.0.1:4222"


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def track(message_id: str) -> dict:
    return {"type": "track", "event": "Product Viewed", "userId": "u-1", "messageId": message_id}


def stored(container: Container) -> int:
    with container.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


@pytest.fixture
def bus_config() -> Iterator[BusConfig]:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
    except OSError:
        service_absent("NATS is not running on 127.0.0.1:4222")
    name = f"OW_TEST_{uuid.uuid4().hex[:10]}"
    yield BusConfig(NATS_URL, stream=name, subject=f"omniweave.test.{name}", ack_wait_seconds=1)

    async def drop() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(name)
        finally:
            await nc.close()

    asyncio.run(drop())


@pytest.fixture
def bus_client(container: Container, bus_config: BusConfig) -> Iterator[TestClient]:
    container.bus = EventBus(bus_config)
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def drain(container: Container, config: BusConfig) -> int:
    async def run() -> int:
        writer = LogWriter(config, container.ingest.append)
        written = 0
        try:
            while (step := await writer.drain_once(timeout=1.0)) > 0:
                written += step
        finally:
            await writer.close()
        return written

    return asyncio.run(run())


def test_a_200_means_the_stream_holds_them_and_the_writer_logs_them_once(
    bus_client, container, tenant, bus_config
):
    body = {"batch": [track("m-1"), track("m-2")]}
    answer = bus_client.post("/v1/batch", json=body, headers=basic(tenant.write_key))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"success": True, "received": 2, "queued": 2}
    assert stored(container) == 0  # in JetStream, not yet in the log
    # a client that lost the answer sends it again: JetStream drops the copy
    again = bus_client.post("/v1/batch", json=body, headers=basic(tenant.write_key))
    assert again.status_code == 200
    one = bus_client.post("/v1/track", json=track("m-3"), headers=basic(tenant.write_key))
    assert one.status_code == 200
    assert drain(container, bus_config) == 3
    assert stored(container) == 3
    with container.engine.connect() as conn:
        ids = set(conn.execute(select(events.c.message_id)).scalars())
    assert ids == {"m-1", "m-2", "m-3"}


def test_bad_input_is_refused_before_anything_is_published(
    bus_client, container, tenant, bus_config
):
    body = {"batch": [track("m-1"), {"type": "track", "event": "x", "messageId": "m-2"}]}
    answer = bus_client.post("/v1/batch", json=body, headers=basic(tenant.write_key))
    assert answer.status_code == 400
    assert "batch[1]" in answer.text
    assert drain(container, bus_config) == 0
    assert stored(container) == 0


def test_a_writer_that_dies_after_its_commit_and_before_its_ack_loses_and_doubles_nothing(
    bus_client, container, tenant, bus_config
):
    body = {"batch": [track(f"m-{n}") for n in range(20)]}
    assert bus_client.post("/v1/batch", json=body, headers=basic(tenant.write_key)).is_success

    class Crash(Exception):
        pass

    def append_then_die(rows):
        container.ingest.append(rows)  # committed
        raise Crash  # ... and the process dies before acknowledging

    async def crashing() -> None:
        writer = LogWriter(bus_config, append_then_die)
        try:
            with pytest.raises(Crash):
                await writer.drain_once(timeout=1.0)
        finally:
            await writer.close()

    asyncio.run(crashing())
    assert stored(container) == 20
    # JetStream redelivers after ack_wait; the append skips what the log already holds
    assert drain(container, bus_config) == 20
    assert stored(container) == 20
    assert drain(container, bus_config) == 0  # acknowledged now: gone from the work queue
