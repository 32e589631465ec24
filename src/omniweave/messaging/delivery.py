"""What happened to a message after the decision: sent, delivered, failed, bounced, opened,
clicked. Each status updates the outbox row and becomes an event in the log (``Email Opened``,
``SMS Delivered``, ...) attributed to the person, so traits, segments, journeys (``email not
opened within 24 hours``) and reports see it. The event's id is fixed by message and status:
a report repeated by a provider is stored once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from omniweave.ingest.repo import append_events
from omniweave.ingest.rows import Envelope, Limits, event_rows
from omniweave.messaging import outbox
from omniweave.profiles.consent_model import Delivery
from omniweave.profiles.consent_repo import append_delivery
from omniweave.segments.membership_model import target_for
from omniweave.segments.membership_repo import identifiers, own_source
from omniweave.store.dialect import Dialect

CHANNEL_TITLES = {
    "email": "Email",
    "sms": "SMS",
    "push": "Push",
    "web_push": "Web Push",
    "viber": "Viber",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "webhook": "Webhook",
}
STATUS_WORDS = {
    "sent": "Sent",
    "delivered": "Delivered",
    "failed": "Failed",
    "bounced": "Bounced",
    "opened": "Opened",
    "clicked": "Link Clicked",
}
# A later status never goes back to an earlier one (a late "delivered" after "opened").
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "opened": 4, "clicked": 5}
_STAMPS = {
    "sent": "sent_at",
    "delivered": "delivered_at",
    "opened": "opened_at",
    "clicked": "clicked_at",
}


def event_name(channel: str, status: str) -> str:
    title = CHANNEL_TITLES.get(channel, channel.title())
    if channel == "push" and status == "clicked":
        return "Push Clicked"
    return f"{title} {STATUS_WORDS[status]}"


def record(
    conn: Connection,
    dialect: Dialect,
    row: dict[str, Any],
    status: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
    **values: Any,
) -> bool:
    """Move the message to ``status`` (never backwards among the happy path) and log it;
    False when the status was not news."""
    current = row["status"]
    if current == status or RANK.get(status, 9) < RANK.get(current, -1) <= 5:
        return False
    stamp = _STAMPS.get(status)
    if stamp and row.get(stamp) is None:
        values[stamp] = now
    outbox.mark(conn, row["id"], now, status=status, **values)
    if status in STATUS_WORDS and row["channel"]:
        _announce(conn, dialect, row, status, now, detail or {})
    return True


def bounce(conn: Connection, row: dict[str, Any], reason: str | None, now: datetime) -> None:
    """A hard bounce makes the address unreachable on the channel (consents read it)."""
    if row["channel"] in ("webhook",) or not row["address"]:
        return
    append_delivery(
        conn,
        row["workspace_id"],
        Delivery(row["channel"], row["address"], "hard_bounce", now, reason),
        now,
    )


def _announce(
    conn: Connection,
    dialect: Dialect,
    row: dict[str, Any],
    status: str,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    properties = {
        "message_id": row["key"],
        "channel": row["channel"],
        "template": row["template"],
        "origin": row["origin"],
        "campaign" if row["origin"] == "campaign" else "journey": row["origin_name"],
        "step": row["step"],
        **detail,
    }
    message = {
        "type": "track",
        "event": event_name(row["channel"], status),
        "messageId": f"message-{status}:{row['key']}",
        "timestamp": now.isoformat(),
        "properties": {k: v for k, v in properties.items() if v is not None},
    }
    emit(conn, dialect, row["workspace_id"], row["profile_id"], message, now)


def emit(
    conn: Connection,
    dialect: Dialect,
    workspace_id: int,
    profile_id: str,
    message: dict[str, Any],
    now: datetime,
    origin: str = "messages",
) -> None:
    """Append a message of our own to the log, attributed to the profile through an
    identifier it already has (so it neither founds nor merges a profile)."""
    known = identifiers(conn, [profile_id]).get(profile_id, [])
    envelope = Envelope(workspace_id, own_source(conn, workspace_id, now), now, origin=origin)
    rows = event_rows([{**message, **target_for(profile_id, known)}], envelope, Limits())
    append_events(conn, dialect, [{k: v for k, v in r.items() if k[0] != "_"} for r in rows])
