"""What a channel adapter is given (``Outgoing``) and what it answers (``Receipt``).

A receipt is data, not an exception: ``bounced`` means the address is dead and should be
suppressed, ``failed`` with ``retryable`` means try again later (after ``retry_after`` when the
provider said so), ``failed`` without it means this message will never go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol

from omniweave.core.time import as_utc

CHANNELS = ("email", "sms", "push", "web_push", "viber", "telegram", "whatsapp", "webhook")

ReceiptStatus = Literal["sent", "failed", "bounced"]


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one address; ``key`` is stable across retries."""

    key: str
    channel: str
    address: str
    content: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """The provider's answer to one send."""

    status: ReceiptStatus
    provider_id: str | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None


class Adapter(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> Receipt: ...


def sent(provider_id: str | None = None) -> Receipt:
    return Receipt("sent", provider_id=provider_id)


def failed(error: str, *, retryable: bool = False, retry_after: float | None = None) -> Receipt:
    return Receipt("failed", error=error, retryable=retryable, retry_after=retry_after)


def bounced(error: str) -> Receipt:
    return Receipt("bounced", error=error)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (RFC 9110)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (as_utc(moment) - as_utc(now)).total_seconds())
