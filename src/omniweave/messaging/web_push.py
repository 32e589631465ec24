"""Browser push subscriptions: the address of the web push channel is the subscription's
endpoint (an identifier of the person, like a device token); the keys that encrypt for it
are kept beside it. Subscribing is also the consent: the browser asked the person."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from omniweave.store.dialect import Dialect
from omniweave.store.message_tables import web_push_subscriptions


def store(
    conn: Connection,
    dialect: Dialect,
    workspace_id: int,
    subscription: dict[str, Any],
    now: datetime,
) -> None:
    stmt = dialect.upsert(web_push_subscriptions, ("endpoint",), ("p256dh", "auth", "workspace_id"))
    conn.execute(
        stmt.values(
            endpoint=subscription["endpoint"],
            workspace_id=workspace_id,
            p256dh=subscription["keys"]["p256dh"],
            auth=subscription["keys"]["auth"],
            created_at=now,
        )
    )


def subscribe_message(
    subscription: dict[str, Any], who: dict[str, str], now: datetime
) -> dict[str, Any]:
    """The identify that links the endpoint to the person and records the opt-in."""
    endpoint = subscription["endpoint"]
    digest = hashlib.sha256(endpoint.encode()).hexdigest()[:24]
    return {
        "type": "identify",
        "messageId": f"web-push-subscribed:{digest}",
        "timestamp": now.isoformat(),
        "traits": {"webPushOptIn": True},
        "context": {"externalIds": [{"type": "web_push", "id": endpoint}]},
        **who,
    }
