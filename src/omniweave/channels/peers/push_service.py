"""A web push service (RFC 8030) that decrypts what it receives, to show what a browser shows.

``POST /webpush/subscriptions`` plays the browser: it makes the subscription's P-256 key pair
and auth secret, keeps the private half and returns the PushSubscription JSON. A push must
carry a valid VAPID header (RFC 8292; signed by the subscription's applicationServerKey when
one was given) and an aes128gcm body (RFC 8291), which is decrypted and recorded.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from py_vapid import jwt

from omniweave.channels.peers.journal import Journal
from omniweave.channels.peers.wire import json_object

MAX_PAYLOAD_BYTES = 4096
MAX_VAPID_LIFETIME = 24 * 3600
SUBSCRIPTIONS_FILE = "webpush-subscriptions.json"


@dataclass(frozen=True)
class Subscription:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    server_key: str | None  # the applicationServerKey the pushes must be signed with

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return b64url(raw)


def push_service_router(journal: Journal) -> APIRouter:
    router = APIRouter(prefix="/webpush", tags=["web push"])
    saved = journal.directory / SUBSCRIPTIONS_FILE
    subscriptions = load_subscriptions(saved)

    @router.post("/subscriptions", status_code=201)
    async def subscribe(request: Request) -> dict[str, Any]:
        options = await json_object(request) or {}
        subscription = Subscription(
            id=uuid.uuid4().hex,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
            server_key=options.get("applicationServerKey"),
        )
        subscriptions[subscription.id] = subscription
        save_subscriptions(saved, subscriptions)
        endpoint = f"{origin(request)}/webpush/push/{subscription.id}"
        keys = {"p256dh": subscription.p256dh, "auth": b64url(subscription.auth_secret)}
        return {"endpoint": endpoint, "keys": keys}

    @router.delete("/subscriptions/{subscription_id}", status_code=204)
    async def unsubscribe(subscription_id: str) -> Response:
        subscriptions.pop(subscription_id, None)
        save_subscriptions(saved, subscriptions)
        return Response(status_code=204)

    @router.post("/push/{subscription_id}")
    async def push(subscription_id: str, request: Request) -> Response:
        subscription = subscriptions.get(subscription_id)
        if subscription is None:
            return _refuse(410, "the subscription has expired or was unsubscribed")
        refusal = vapid_refusal(request.headers.get("authorization", ""), request, subscription)
        if refusal:
            return _refuse(*refusal)
        if "ttl" not in request.headers:
            return _refuse(400, "the TTL header is required")
        if request.headers.get("content-encoding", "").lower() != "aes128gcm":
            return _refuse(415, "Content-Encoding must be aes128gcm")
        body = await request.body()
        if len(body) > MAX_PAYLOAD_BYTES:
            return _refuse(413, f"payload of {len(body)} bytes is over {MAX_PAYLOAD_BYTES}")
        try:
            plain = http_ece.decrypt(
                body,
                private_key=subscription.private_key,
                auth_secret=subscription.auth_secret,
                version="aes128gcm",
            )
        except Exception as exc:  # http_ece raises plain ECEException/ValueError/InvalidTag
            return _refuse(400, f"cannot decrypt the payload: {type(exc).__name__}")
        notification = _decoded(plain)
        key = notification.get("key") if isinstance(notification, dict) else None
        earlier = journal.seen("web_push", key)
        if earlier is None:
            location = f"{origin(request)}/webpush/message/{uuid.uuid4().hex}"
            earlier = journal.record(
                "web_push", key, subscription_id, notification, provider_id=location
            )
        return Response(status_code=201, headers={"Location": earlier["provider_id"]})

    return router


def save_subscriptions(path: Path, subscriptions: dict[str, Subscription]) -> None:
    """Kept on disk so that restarting the peers does not unsubscribe every browser."""
    rows = [
        {
            "id": s.id,
            "private_key": b64url(
                s.private_key.private_numbers().private_value.to_bytes(32, "big")
            ),
            "auth": b64url(s.auth_secret),
            "server_key": s.server_key,
        }
        for s in subscriptions.values()
    ]
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")


def load_subscriptions(path: Path) -> dict[str, Subscription]:
    if not path.exists():
        return {}
    subscriptions = {}
    for row in json.loads(path.read_text(encoding="utf-8")):
        secret = int.from_bytes(b64url_decode(row["private_key"]), "big")
        subscriptions[row["id"]] = Subscription(
            id=row["id"],
            private_key=ec.derive_private_key(secret, ec.SECP256R1()),
            auth_secret=b64url_decode(row["auth"]),
            server_key=row.get("server_key"),
        )
    return subscriptions


def vapid_refusal(
    authorization: str, request: Request, subscription: Subscription
) -> tuple[int, str] | None:
    """Why this VAPID header is refused (401 bad or missing, 403 wrong key), or None."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        return 401, "a VAPID Authorization header (vapid t=..., k=...) is required"
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    token, key = parts.get("t", ""), parts.get("k", "")
    try:
        claims = jwt.decode(token, key)
    except (InvalidSignature, ValueError, IndexError):
        return 401, "the VAPID signature does not verify"
    if claims.get("aud") != origin(request):
        return 401, f"VAPID aud must be {origin(request)}"
    expires = claims.get("exp")
    now = time.time()
    if not isinstance(expires, int) or not now < expires <= now + MAX_VAPID_LIFETIME:
        return 401, "VAPID exp must be in the future and within 24 hours"
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        return 401, "VAPID sub must be a mailto: or https: URL"
    if subscription.server_key and key.rstrip("=") != subscription.server_key.rstrip("="):
        return 403, "signed by a key other than the subscription's applicationServerKey"
    return None


def origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decoded(plain: bytes) -> Any:
    text = plain.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _refuse(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"code": status, "errno": status, "error": reason}, status)
