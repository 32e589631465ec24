"""Ingestion through NATS JetStream, for installations whose API nodes should not write the
log themselves (many API nodes, a database behind a slower link, bursts larger than one
PostgreSQL takes at once).

With ``OMNIWEAVE_INGEST_BUS_URL`` set, the Tracking API validates a request and derives its
rows exactly as it does without the bus, publishes them as one JetStream message and answers
200 once JetStream acknowledged it: the stream (file storage, replicated as the NATS cluster is
configured) holds the events durably. ``LogWriter`` (run by ``omniweave worker`` and by the
server's background loop) pulls those messages in batches, appends their rows to the log with
the idempotent append of the direct path, commits, and only then acknowledges them. A crash
after the commit and before the acknowledgement redelivers the message; the append skips rows
whose ``(source_id, messageId)`` is already there, so nothing is stored twice, and nothing
acknowledged is lost. JetStream also drops a republished message with the same ``Nats-Msg-Id``
within its duplicate window (a client retrying a request whose answer it lost).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nats
import orjson
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from omniweave.core.ids import json_bytes
from omniweave.store.tables import events
from omniweave.store.types import UtcDateTime

_TIMES = tuple(c.name for c in events.columns if isinstance(c.type, UtcDateTime))
DURABLE = "omniweave-log-writer"


@dataclass(frozen=True)
class BusConfig:
    url: str
    stream: str = "OMNIWEAVE_EVENTS"
    subject: str = "omniweave.events"
    duplicate_window_seconds: float = 120.0
    ack_wait_seconds: float = 30.0


def encode(rows: Sequence[dict[str, Any]]) -> bytes:
    return json_bytes(list(rows))


def decode(data: bytes) -> list[dict[str, Any]]:
    """The rows as ``ingest.rows`` built them: timestamps back to aware datetimes."""
    rows = orjson.loads(data)
    for row in rows:
        for name in _TIMES:
            if isinstance(row.get(name), str):
                row[name] = datetime.fromisoformat(row[name])
    return rows


def message_id(rows: Sequence[dict[str, Any]]) -> str:
    """JetStream's de-duplication id: the same events from the same source, the same id."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row['source_id']}\x00{row['message_id']}\x01".encode())
    return digest.hexdigest()


class EventBus:
    """The publishing side, one per process, connected lazily on the process's event loop."""

    def __init__(self, config: BusConfig) -> None:
        self.config = config
        self._nc: Any = None
        self._js: Any = None
        self._lock = asyncio.Lock()

    async def _jetstream(self) -> Any:
        async with self._lock:
            if self._js is None:
                self._nc = await nats.connect(self.config.url, max_reconnect_attempts=-1)
                self._js = self._nc.jetstream()
                await ensure_stream(self._js, self.config)
            return self._js

    async def publish(self, rows: Sequence[dict[str, Any]]) -> None:
        """Returns once JetStream stored the rows; raises if it did not (the request fails
        with a 5xx and the client retries: nothing was acknowledged)."""
        js = await self._jetstream()
        await js.publish(
            self.config.subject, encode(rows), headers={"Nats-Msg-Id": message_id(rows)}
        )

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.drain()
            self._nc = self._js = None


async def ensure_stream(js: Any, config: BusConfig) -> None:
    wanted = StreamConfig(
        name=config.stream,
        subjects=[config.subject],
        retention=RetentionPolicy.WORK_QUEUE,  # a message is gone once the writer acked it
        storage=StorageType.FILE,
        duplicate_window=config.duplicate_window_seconds,
    )
    try:
        await js.stream_info(config.stream)
    except NotFoundError:
        await js.add_stream(wanted)


class LogWriter:
    """The consuming side: JetStream → the event log, acknowledged after the commit."""

    def __init__(
        self,
        config: BusConfig,
        append: Callable[[list[dict[str, Any]]], Any],
        batch: int = 50,
    ) -> None:
        self.config = config
        self.append = append  # IngestService.append: one transaction, idempotent
        self.batch = batch
        self._nc: Any = None
        self._sub: Any = None

    async def _subscription(self) -> Any:
        if self._sub is None:
            self._nc = await nats.connect(self.config.url, max_reconnect_attempts=-1)
            js = self._nc.jetstream()
            await ensure_stream(js, self.config)
            self._sub = await js.pull_subscribe(
                self.config.subject,
                durable=DURABLE,
                stream=self.config.stream,
                config=nats.js.api.ConsumerConfig(ack_wait=self.config.ack_wait_seconds),
            )
        return self._sub

    async def drain_once(self, timeout: float = 0.2) -> int:
        """Write one pulled batch to the log; how many events it carried (0: none waited)."""
        sub = await self._subscription()
        try:
            pulled = await sub.fetch(self.batch, timeout=timeout)
        except NatsTimeout:
            return 0
        rows = [row for message in pulled for row in decode(message.data)]
        await asyncio.to_thread(self.append, rows)  # committed when it returns
        for message in pulled:
            await message.ack_sync()
        return len(rows)

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()
            self._nc = self._sub = None
