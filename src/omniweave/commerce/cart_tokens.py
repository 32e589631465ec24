"""Short-lived signed cart tokens: the app shows one as a QR code, the till scans it and
loads the person's cart. Pure: the key and the clock are passed in.

``ct1.<payload>.<mac>``: the payload is (workspace, profile, expiry as Unix seconds), the MAC
an HMAC-SHA256 under a key derived from the installation's link secret. A token names a
profile, so after a merge it still finds the one cart (the id resolves to the survivor).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import segno

_VERSION = "ct1"
_MAC_BYTES = 16


@dataclass(frozen=True)
class CartTicket:
    workspace_id: int
    profile_id: str
    expires_at: datetime


class BadToken(ValueError):
    """Why a token is refused: tampered, malformed, or expired."""


def cart_key(link_key: bytes) -> bytes:
    return hmac.new(link_key, b"omniweave cart tokens", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _VERSION.encode() + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def issue(key: bytes, workspace_id: int, profile_id: str, now: datetime, ttl: timedelta) -> tuple:
    """A token for the profile's cart, valid until ``now + ttl``: (token, expires_at)."""
    expires = int((now + ttl).timestamp())
    payload = orjson.dumps([workspace_id, profile_id, expires])
    token = f"{_VERSION}.{_b64(payload)}.{_b64(_mac(key, payload))}"
    return token, datetime.fromtimestamp(expires, UTC)


def read(key: bytes, token: str, now: datetime) -> CartTicket:
    """What a token names; raises ``BadToken`` saying why it is refused."""
    version, _, rest = token.partition(".")
    body, _, signature = rest.partition(".")
    if version != _VERSION or not body or not signature:
        raise BadToken("not a cart token")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        mac = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (binascii.Error, ValueError):
        raise BadToken("not a cart token") from None
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise BadToken("the token's signature is wrong: it was altered or not issued here")
    try:
        workspace_id, profile_id, expires = orjson.loads(payload)
        ticket = CartTicket(
            int(workspace_id), str(profile_id), datetime.fromtimestamp(int(expires), UTC)
        )
    except (orjson.JSONDecodeError, ValueError, TypeError, OverflowError):
        raise BadToken("not a cart token") from None
    if ticket.expires_at <= now:
        raise BadToken(f"the token expired at {ticket.expires_at.isoformat()}")
    return ticket


def qr_svg(token: str) -> str:
    """The token as a QR code (SVG, inline), for the app's screen."""
    return segno.make(token, error="m").svg_inline(scale=4, border=2)
