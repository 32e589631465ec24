"""Web push (RFC 8030) with RFC 8291 encryption and VAPID (RFC 8292), through pywebpush.

pywebpush is synchronous (requests), so each send runs in a worker thread. The push service
answers 404 or 410 when the browser has dropped the subscription: that address is dead.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any, Self

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from omniweave.channels.egress import egress_refusal
from omniweave.channels.model import Outgoing, Receipt, bounced, failed, parse_retry_after, sent
from omniweave.core.time import utc_now

GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class WebPushConfig:
    """``vapid_private_key``: PEM, or the raw 32-byte key in base64url (as generated below)."""

    vapid_private_key: str
    subject: str  # "mailto:ops@example.com" or an https URL: who push services can contact
    ttl: int = 24 * 3600
    timeout: float = 10.0
    allow_private: bool = False  # endpoints come from browsers: refuse inward hosts (SSRF)


def generate_vapid_keys() -> tuple[str, str]:
    """A new VAPID key pair: (private key as base64url raw, public key as base64url).

    The public key is the browser's ``applicationServerKey``."""
    key = ec.generate_private_key(ec.SECP256R1())
    private_raw = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return _b64url(private_raw), _b64url(public)


def load_vapid(private_key: str) -> Vapid:
    if "-----BEGIN" in private_key:
        return Vapid.from_pem(private_key.strip().encode())
    return Vapid.from_string(private_key.strip())


def read_subscription(address: str) -> dict[str, Any]:
    """The browser's PushSubscription JSON; raises ValueError when it cannot be one."""
    subscription = json.loads(address)
    keys = subscription.get("keys") if isinstance(subscription, dict) else None
    if not isinstance(keys, dict) or not str(subscription.get("endpoint", "")).startswith("http"):
        raise ValueError("expected {'endpoint': 'https://...', 'keys': {'p256dh', 'auth'}}")
    if not keys.get("p256dh") or not keys.get("auth"):
        raise ValueError("keys.p256dh and keys.auth are required")
    return {"endpoint": subscription["endpoint"], "keys": dict(keys)}


def notification_payload(message: Outgoing) -> str:
    content = message.content
    payload = {
        "title": str(content.get("title", "")),
        "body": str(content.get("body", "")),
        "url": content.get("url"),
        "key": message.key,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class WebPushAdapter:
    channel = "web_push"

    def __init__(self, config: WebPushConfig) -> None:
        self.config = config
        self._vapid = load_vapid(config.vapid_private_key)
        self._session = requests.Session()
        self._session.trust_env = False

    async def send(self, message: Outgoing) -> Receipt:
        try:
            subscription = read_subscription(message.address)
        except ValueError as exc:
            return bounced(f"not a web push subscription: {exc}")
        refusal = await egress_refusal(
            subscription["endpoint"], allow_private=self.config.allow_private
        )
        if refusal:
            return refusal
        return await asyncio.to_thread(self._send_blocking, subscription, message)

    def _send_blocking(self, subscription: dict[str, Any], message: Outgoing) -> Receipt:
        try:
            response = webpush(
                subscription,
                data=notification_payload(message),
                vapid_private_key=self._vapid,
                vapid_claims={"sub": self.config.subject},  # fresh: webpush() adds aud, exp
                ttl=self.config.ttl,
                timeout=self.config.timeout,
                requests_session=self._session,
            )
        except WebPushException as exc:
            return _refusal(exc)
        except requests.Timeout as exc:
            return failed(f"push service timed out: {exc}", retryable=True)
        except requests.RequestException as exc:
            return failed(f"push service unreachable: {exc}", retryable=True)
        except (ValueError, TypeError) as exc:  # malformed keys in the subscription
            return bounced(f"unusable web push subscription: {exc}")
        return sent(getattr(response, "headers", {}).get("Location"))

    async def aclose(self) -> None:
        self._session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _refusal(exc: WebPushException) -> Receipt:
    status = exc.status_code
    text = getattr(exc.response, "text", "") or ""
    error = f"HTTP {status}: {text[:300].strip()}" if status else str(exc.message)
    if status in GONE_STATUSES:
        return bounced(error)
    if status is not None and (status == 429 or status >= 500):
        wait = parse_retry_after(exc.retry_after, utc_now())
        return failed(error, retryable=True, retry_after=wait)
    return failed(error)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_key_of(private_key: str) -> str:
    """The ``applicationServerKey`` a browser subscribes with, from the VAPID private key."""
    key = load_vapid(private_key).private_key
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return _b64url(public)
