"""What comes back after a send: a provider's delivery report, an open pixel, a tracked click,
an app's "push opened". Each moves the message forward (never back) and lands in the log."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import Engine

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.messaging import delivery, outbox
from omniweave.messaging.links import read_token
from omniweave.messaging.sender import our_key
from omniweave.messaging.service import MessagingService
from omniweave.store.dialect import Dialect

REPORTED = ("delivered", "opened", "clicked", "failed", "bounced")
# An SMS gateway's words for what happened.
SMS_STATES = {"delivered": "delivered", "failed": "failed", "undeliverable": "bounced"}


class Receipts:
    def __init__(
        self, engine: Engine, clock: Clock, messaging: MessagingService, secret: bytes
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.messaging = messaging
        self.secret = secret

    def report(
        self, key: str, status: str, reason: str | None = None, workspace_id: int | None = None
    ) -> dict[str, Any]:
        """A status for the message with idempotency key ``key``."""
        if status not in REPORTED:
            raise InvalidInput.one("status", f"{status!r}: one of {', '.join(REPORTED)}")
        key = our_key(key)  # an app may report the key its push carried
        now = self.clock()
        with self.engine.begin() as conn:
            row = outbox.existing(conn, key)
            if row is None or (workspace_id is not None and row["workspace_id"] != workspace_id):
                raise NotFound(f"no message with key {key!r}")
            detail = {"reason": reason} if reason else None
            changed = delivery.record(
                conn, self.dialect, row, status, now, detail, last_error=reason
            )
            if status == "bounced" and changed:
                delivery.bounce(conn, row, reason, now)
                self.messaging.fall_back(conn, row, f"{row['channel']} bounced: {reason}")
            elif status == "failed" and changed:
                self.messaging.fall_back(conn, row, f"{row['channel']} failed: {reason}")
            if status in ("opened", "clicked"):
                outbox.mark(conn, row["id"], now, fallback_at=None)
            return {"key": key, "status": status if changed else row["status"], "changed": changed}

    def sms_report(
        self, provider_id: str | None, reference: str | None, state: str, error: str | None
    ):
        """The SMS gateway's delivery report: by our key (``reference``) or its own id."""
        status = SMS_STATES.get(state)
        if status is None:
            raise InvalidInput.one("status", f"{state!r}: one of {', '.join(SMS_STATES)}")
        key = our_key(reference) if reference else None
        if key is None and provider_id:
            with self.engine.connect() as conn:
                row = outbox.by_provider_id(conn, provider_id)
            key = row["key"] if row else None
        if key is None:
            raise NotFound("no message for this report")
        return self.report(key, status, error)

    def opened(self, token: str) -> None:
        """The open pixel was loaded (a bad token is ignored: the image loads regardless)."""
        target = read_token(self.secret, token)
        with contextlib.suppress(NotFound):
            self.report(target.message_key, "opened")

    def clicked(self, token: str) -> str:
        """A tracked link was followed: record it and return where to go."""
        target = read_token(self.secret, token)
        with contextlib.suppress(NotFound):
            self.report(target.message_key, "clicked")
        return target.url
