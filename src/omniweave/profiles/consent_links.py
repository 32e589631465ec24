"""One-click unsubscribe links (RFC 8058): a signed token that names what to unsubscribe.

The token carries the workspace, channel, address and topic, signed with HMAC-SHA256 under the
server's secret, so the link works without a login and cannot be forged for another address.
Pure: the key is passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

import orjson

_VERSION = "1"
_MAC_BYTES = 16  # 128 bits: forging one needs 2^128 tries


@dataclass(frozen=True)
class UnsubscribeTarget:
    workspace_id: int
    channel: str
    address: str  # normalised, as the channel sends to it
    topic: str


def signing_key(secret: str, fallback_seed: str) -> bytes:
    """The HMAC key: the configured secret, or (development only) one derived from
    ``fallback_seed`` so links survive restarts; production must configure the secret."""
    material = secret or f"omniweave-dev-unsubscribe:{fallback_seed}"
    return hashlib.sha256(material.encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _VERSION.encode() + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(key: bytes, target: UnsubscribeTarget) -> str:
    payload = orjson.dumps([target.workspace_id, target.channel, target.address, target.topic])
    return f"{_VERSION}.{_b64(payload)}.{_b64(_mac(key, payload))}"


def read_token(key: bytes, token: str) -> UnsubscribeTarget | None:
    """The target a token names, or None when it is malformed or its signature is wrong."""
    version, _, rest = token.partition(".")
    body, _, signature = rest.partition(".")
    if version != _VERSION or not body or not signature:
        return None
    try:
        payload, mac = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(mac, _mac(key, payload)):
        return None
    try:
        workspace_id, channel, address, topic = orjson.loads(payload)
    except (orjson.JSONDecodeError, ValueError, TypeError):
        return None
    return UnsubscribeTarget(int(workspace_id), str(channel), str(address), str(topic))


def unsubscribe_url(base_url: str, key: bytes, target: UnsubscribeTarget) -> str:
    return f"{base_url.rstrip('/')}/u/{make_token(key, target)}"


def unsubscribe_headers(
    base_url: str,
    key: bytes,
    workspace_id: int,
    address: str,
    topic: str = "marketing",
    channel: str = "email",
) -> dict[str, str]:
    """The headers a marketing email carries so mail clients show a one-click unsubscribe."""
    url = unsubscribe_url(base_url, key, UnsubscribeTarget(workspace_id, channel, address, topic))
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
