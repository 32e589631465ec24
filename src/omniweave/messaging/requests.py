"""What a journey step, a campaign or the API asks to send, and how a stored message keeps
the request it was decided from (a deferred message or a fallback is decided again from it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Origin:
    kind: str  # journey | campaign | api | fallback
    name: str | None = None
    id: int | None = None
    step: str | None = None


@dataclass(frozen=True)
class SendRequest:
    """One message to one person, as a journey step, a campaign or the API asks for it."""

    template: str
    key: str  # the idempotency key: the same request twice is one message
    origin: Origin
    topic: str | None = None  # default: the template's
    cascade: tuple[str, ...] | None = None
    dedup_key: str | None = None  # default: the template's, rendered
    dedup_window: timedelta = timedelta(days=1)
    fallback_unopened: timedelta | None = None
    event: dict[str, Any] | None = None  # what triggered it, for the template
    extra: dict[str, Any] = field(default_factory=dict)
    held_out: bool = False
    transactional: bool | None = None
    not_before: datetime | None = None  # throttling and send-time optimisation
    goal: str | None = None  # the goal already happened (journeys check before sending)
    exclude: tuple[str, ...] = ()  # channels already tried
    fallback_of: int | None = None


def request_json(request: SendRequest) -> dict[str, Any]:
    return {
        "cascade": list(request.cascade) if request.cascade else None,
        "dedupWindow": request.dedup_window.total_seconds(),
        "fallbackUnopened": (
            request.fallback_unopened.total_seconds() if request.fallback_unopened else None
        ),
        "event": request.event,
        "extra": request.extra,
        "exclude": list(request.exclude),
        "goal": request.goal,
        "heldOut": request.held_out,
    }


def request_of(row: dict[str, Any]) -> SendRequest:
    """The request a stored row was decided from (what a re-decision needs)."""
    saved = (row.get("context") or {}).get("request") or {}
    return SendRequest(
        template=row["template"],
        key=row["key"],
        origin=Origin(row["origin"], row["origin_name"], row["origin_id"], row["step"]),
        topic=row["topic"],
        cascade=tuple(saved["cascade"]) if saved.get("cascade") else None,
        dedup_key=row["dedup_key"],
        dedup_window=timedelta(seconds=saved.get("dedupWindow", 86400)),
        fallback_unopened=(
            timedelta(seconds=saved["fallbackUnopened"]) if saved.get("fallbackUnopened") else None
        ),
        event=saved.get("event"),
        extra=saved.get("extra") or {},
        transactional=row["transactional"],
        exclude=tuple(saved.get("exclude") or ()),
        goal=saved.get("goal"),
        held_out=bool(saved.get("heldOut")),
        fallback_of=row.get("fallback_of"),
    )
