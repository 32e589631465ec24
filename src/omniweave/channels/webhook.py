"""Webhooks: a signed JSON POST to a customer's URL, refused when the URL points inward.

The signature is ``v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>``, so a receiver can
check both who sent the body and that it is fresh (``verify_signature``). Because the URL is
typed by a user, an inward address is refused (``egress``), unless ``allow_private``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import httpx

from omniweave.channels.egress import egress_refusal
from omniweave.channels.model import Outgoing, Receipt, failed, sent
from omniweave.channels.provider_http import HttpAdapter, failure, post
from omniweave.core.ids import json_bytes
from omniweave.core.time import Clock, utc_now

SIGNATURE_VERSION = "v1"


@dataclass(frozen=True)
class WebhookConfig:
    secret: str
    allow_private: bool = False
    timeout: float = 10.0


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    header: str,
    tolerance: float = 300,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``body`` at ``timestamp``, within ``tolerance`` s of ``now``.

    ``header`` may carry several comma-separated ``v1=`` values (during a secret rotation);
    one match is enough. ``now`` is Unix seconds; pass it in tests, it defaults to the clock.
    """
    try:
        sent_at = int(str(timestamp).strip())
    except ValueError:
        return False
    moment = utc_now().timestamp() if now is None else now
    if abs(moment - sent_at) > tolerance:
        return False
    raw = body.encode() if isinstance(body, str) else body
    expected = sign(secret, sent_at, raw)
    offered = [part.strip() for part in header.split(",")]
    return any(hmac.compare_digest(expected, part) for part in offered)


class WebhookAdapter(HttpAdapter):
    channel = "webhook"

    def __init__(
        self,
        config: WebhookConfig,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(config.timeout, client)
        self.config = config
        self._clock = clock

    async def send(self, message: Outgoing) -> Receipt:
        url = message.address
        refusal = await egress_refusal(url, allow_private=self.config.allow_private)
        if refusal:
            return refusal
        body = json_bytes(message.content.get("body"))
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.key,
            "X-Omniweave-Timestamp": str(timestamp),
            "X-Omniweave-Signature": sign(self.config.secret, timestamp, body),
        }
        response = await post(self._client, url, content=body, headers=headers)
        if isinstance(response, Receipt):
            return response
        if response.is_success:
            return sent(response.headers.get("x-request-id"))
        if response.is_redirect:
            return failed(f"HTTP {response.status_code}: webhook redirects are not followed")
        return failure(response)
