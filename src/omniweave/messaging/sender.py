"""The outbox worker: claims due messages, hands each to its channel's adapter at the
provider's rate, and records the answer: sent; a temporary failure retried with backoff; a
bounce that makes the address unreachable; and, after a permanent failure or when an email
went unopened too long, the next channel of the cascade (fallback).

Every message carries its idempotency key to the provider, so a row sent again after a crash
(its lease expired before the answer was recorded) is dropped by the provider as a repeat.
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy import Connection, Engine

from omniweave.channels.model import Adapter, Outgoing, Receipt
from omniweave.core.time import Clock
from omniweave.messaging import delivery, facts, outbox
from omniweave.messaging.alerts import Alerts
from omniweave.messaging.service import MessagingService

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, asked: float | None) -> timedelta:
        backoff = min(self.first_delay * (2 ** max(attempts - 1, 0)), self.max_delay)
        return max(backoff, timedelta(seconds=asked or 0))


def provider_key(key: str, installation: str) -> str:
    return f"{key}~{installation}" if installation else key


def our_key(provider_key: str) -> str:
    """The message key inside a provider's reference (see ``provider_key``)."""
    return provider_key.rsplit("~", 1)[0]


class RateLimit:
    """A token bucket: at most ``per_second`` sends on a channel, bursts of one second."""

    def __init__(self, per_second: float) -> None:
        self.rate = per_second
        self.tokens = per_second
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class Sender:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        messaging: MessagingService,
        adapters: Mapping[str, Adapter],
        alerts: Alerts,
        rates: Mapping[str, float] | None = None,
        retry: RetryPolicy | None = None,
        alert_email: str = "",
        alert_webhook: str = "",
        installation: str = "",
        lease: timedelta = outbox.LEASE,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.messaging = messaging
        self.dialect = messaging.dialect
        self.adapters = adapters
        self.alerts = alerts
        self.alert_email = alert_email
        self.alert_webhook = alert_webhook
        # Providers remember idempotency keys per account: a key names the installation too,
        # so two stores (a staging copy, a re-created database) never collide at a provider.
        self.installation = installation
        self.lease = lease
        self.pending_alerts: list[dict[str, Any]] = []
        if alerts.notify is None:
            alerts.notify = self.pending_alerts.append
        self.retry = retry or RetryPolicy()
        self.limits = {channel: RateLimit(rate) for channel, rate in (rates or {}).items()}

    async def send_due(self, limit: int = 200) -> int:
        """One round: claim what is due, send it, record the answers. Returns how many
        messages were handled (0: nothing is due)."""
        claimed, ready = await asyncio.to_thread(self._claim, limit)
        if ready:
            receipts = await asyncio.gather(*(self._send(row, out) for row, out in ready))
            await asyncio.to_thread(self._record_all, [row for row, _ in ready], receipts)
        await self._raise_alerts()
        return claimed

    def _claim(self, limit: int) -> tuple[int, list[tuple[dict[str, Any], Outgoing]]]:
        """Claim the due rows and build what goes to the providers, all the store reads
        done here, in a worker thread, not on the event loop."""
        now = self.clock()
        with self.engine.begin() as conn:
            claimed = outbox.claim_due(
                conn, self.dialect, now, limit, tuple(self.adapters), self.lease
            )
            ready = []
            for row in claimed:
                if row["status"] == "deferred":
                    row = self.messaging.redecide(conn, row)
                    if row["status"] != "queued" or row["next_attempt_at"] > now:
                        continue
                    lease = now + self.lease
                    outbox.mark(conn, row["id"], now, status="sending", lease_until=lease)
                ready.append((row, self._outgoing(conn, row)))
        return len(claimed), ready

    def _record_all(self, rows: list[dict[str, Any]], receipts: list[Receipt]) -> None:
        """A round's answers in one transaction (a crash before it commits re-sends the
        round under the same keys, which the providers drop)."""
        with self.engine.begin() as conn:
            for row, receipt in zip(rows, receipts, strict=True):
                self._record(conn, row, receipt)

    async def _raise_alerts(self) -> None:
        """Tell the admin, by email and webhook, about what ``Alerts`` found failing."""
        while self.pending_alerts:
            alert = self.pending_alerts.pop(0)
            key = provider_key(
                f"alert:{alert['kind']}:{alert['subject']}:{alert['at'].isoformat()}",
                self.installation,
            )
            text = (
                f"{alert['kind']} {alert['subject']} failed {alert['failures']} times in a row; "
                f"the last error: {alert['last']}"
            )
            if self.alert_email and "email" in self.adapters:
                content = {
                    "subject": f"Omniweave alert: {alert['subject']}",
                    "text": text,
                    "html": f"<p>{html.escape(text)}</p>",
                }
                await self.adapters["email"].send(Outgoing(key, "email", self.alert_email, content))
            if self.alert_webhook and "webhook" in self.adapters:
                body = {**alert, "at": alert["at"].isoformat(), "text": text}
                await self.adapters["webhook"].send(
                    Outgoing(key, "webhook", self.alert_webhook, {"body": body})
                )

    async def _send(self, row: dict[str, Any], outgoing: Outgoing) -> Receipt:
        adapter = self.adapters.get(row["channel"])
        if adapter is None:
            return Receipt("failed", error=f"no provider configured for {row['channel']}")
        limit = self.limits.get(row["channel"])
        if limit is not None:
            await limit.take()
        try:
            return await adapter.send(outgoing)
        except Exception as error:  # an adapter bug must not stop the other sends
            log.exception("adapter_crashed", channel=row["channel"], key=row["key"])
            return Receipt("failed", error=f"adapter error: {error}", retryable=True)

    def _outgoing(self, conn: Connection, row: dict[str, Any]) -> Outgoing:
        address = row["address"]
        if row["channel"] == "web_push":
            subscription = facts.subscription_of(conn, address)
            if subscription is not None:
                address = orjson.dumps(subscription).decode()
        saved = row.get("context") or {}
        return Outgoing(
            key=provider_key(row["key"], self.installation),
            channel=row["channel"],
            address=address,
            content=row["content"] or {},
            headers=saved.get("headers") or {},
            meta={"origin": row["origin"], "name": row["origin_name"], "step": row["step"]},
        )

    def _record(self, conn: Connection, row: dict[str, Any], receipt: Receipt) -> None:
        """One provider answer: sent; a retry later; or failed or bounced, then the next
        channel."""
        now = self.clock()
        channel = row["channel"]
        if receipt.status == "sent":
            delivery.record(
                conn,
                self.dialect,
                row,
                "sent",
                now,
                provider_id=receipt.provider_id,
                lease_until=None,
                last_error=None,
            )
            self.alerts.succeeded(conn, "provider", channel, now)
            return
        self.alerts.failed(conn, "provider", channel, receipt.error or receipt.status, now)
        attempts = row["attempts"] + 1
        if receipt.status == "failed" and receipt.retryable and attempts < self.retry.max_attempts:
            outbox.mark(
                conn,
                row["id"],
                now,
                status="queued",
                lease_until=None,
                last_error=receipt.error,
                next_attempt_at=now + self.retry.delay(attempts, receipt.retry_after),
            )
            return
        status = "bounced" if receipt.status == "bounced" else "failed"
        delivery.record(
            conn,
            self.dialect,
            row,
            status,
            now,
            {"error": receipt.error},
            lease_until=None,
            last_error=receipt.error,
        )
        if status == "bounced":
            delivery.bounce(conn, row, receipt.error, now)
        self.messaging.fall_back(conn, row, f"{channel} {status}: {receipt.error}")

    def chase_unopened(self, limit: int = 200) -> int:
        """Messages not opened within their time: the next channel of the cascade."""
        now = self.clock()
        with self.engine.begin() as conn:
            rows = outbox.due_fallbacks(conn, now, limit)
            for row in rows:
                outbox.mark(conn, row["id"], now, fallback_at=None)
                self.messaging.fall_back(conn, row, f"{row['channel']} not opened in time")
        return len(rows)
