"""Turning validated messages into event-log rows: pure, so hypothesis can hammer it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from omniweave.core.errors import FieldError, InvalidInput, PayloadTooLarge
from omniweave.core.ids import content_id, json_bytes
from omniweave.core.time import as_utc
from omniweave.ingest.segment import Message, check_rules, join_path, pydantic_errors
from omniweave.ingest.timing import correct_skew, too_far_ahead

MAX_REPORTED_ERRORS = 20
# Fields of the message that say how it travelled, not what happened: not part of its identity.
_TRANSPORT_FIELDS = ("sentAt", "writeKey", "_metadata")


@dataclass(frozen=True)
class Envelope:
    """Where a batch of messages came from and when it arrived."""

    workspace_id: int
    source_id: int
    received_at: datetime
    origin: str = "api"
    sent_at: datetime | None = None
    context: dict[str, Any] | None = None


@dataclass(frozen=True)
class Limits:
    max_event_bytes: int = 32 * 1024
    max_future: timedelta = timedelta(days=1)


def message_id_for(raw: dict[str, Any]) -> str:
    """A message without ``messageId`` gets one derived from its content, so a retry dedupes."""
    return content_id("ow", {k: v for k, v in raw.items() if k not in _TRANSPORT_FIELDS})


def event_rows(
    messages: list[Any], envelope: Envelope, limits: Limits, path: str = "batch"
) -> list[dict[str, Any]]:
    """Validate every message and return the rows to append, or raise with every wrong field.

    A batch is all or nothing: a client that sees 4xx knows that none of it was stored.
    """
    rows: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    too_large: list[FieldError] = []
    for index, raw in enumerate(messages):
        where = f"{path}[{index}]" if path else ""
        if not isinstance(raw, dict):
            errors.append(FieldError(where or "body", "a message must be a JSON object"))
            continue
        encoded = json_bytes(raw)
        size = len(encoded)
        if size > limits.max_event_bytes:
            too_large.append(
                FieldError(
                    where or "body", f"{size} bytes is over the {limits.max_event_bytes}-byte limit"
                )
            )
            continue
        if b"\\u0000" in encoded:
            errors.append(FieldError(where or "body", "contains a NUL character (\\u0000)"))
            continue
        try:
            message = Message.model_validate(raw)
        except ValidationError as exc:
            errors.extend(pydantic_errors(exc, where))
            continue
        problems = check_rules(message, where)
        if problems:
            errors.extend(problems)
            continue
        row = _row(message, raw, envelope)
        if too_far_ahead(row["_times"], limits.max_future):
            errors.append(
                FieldError(
                    join_path(where, "timestamp"),
                    f"{row['timestamp'].isoformat()} is more than "
                    f"{limits.max_future} after the time we received it",
                )
            )
            continue
        del row["_times"]
        rows.append(row)
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    if too_large:
        raise PayloadTooLarge(too_large + errors)
    if errors:
        raise InvalidInput(errors[:MAX_REPORTED_ERRORS])
    return rows


def _row(message: Message, raw: dict[str, Any], envelope: Envelope) -> dict[str, Any]:
    original = message.originalTimestamp or message.timestamp
    sent_at = message.sentAt or envelope.sent_at
    times = correct_skew(
        as_utc(original) if original else None,
        as_utc(sent_at) if sent_at else None,
        envelope.received_at,
    )
    context = message.context
    if envelope.context:
        context = {**envelope.context, **(context or {})}
    extra = {k: v for k, v in (message.model_extra or {}).items() if k not in _TRANSPORT_FIELDS}
    if message.integrations:
        extra["integrations"] = message.integrations
    if message.category is not None:
        extra["category"] = message.category
    return {
        "workspace_id": envelope.workspace_id,
        "source_id": envelope.source_id,
        "message_id": message.messageId or message_id_for(raw),
        "type": message.type,
        "event": message.event if message.type == "track" else message.name,
        "user_id": message.userId,
        "anonymous_id": message.anonymousId,
        "group_id": message.groupId,
        "previous_id": message.previousId,
        "properties": message.properties,
        "traits": message.traits,
        "context": context,
        "extra": extra or None,
        "timestamp": times.timestamp,
        "original_timestamp": times.original_timestamp,
        "sent_at": times.sent_at,
        "received_at": times.received_at,
        "origin": envelope.origin,
        "_times": times,
    }


def unique_by_message_id(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first of several rows with one ``(source, messageId)`` wins, as in the store."""
    seen: set[tuple[int, str]] = set()
    kept = []
    for row in rows:
        key = (row["source_id"], row["message_id"])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept
