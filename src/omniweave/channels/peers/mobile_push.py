"""FCM HTTP v1 and APNs endpoints that check requests the way Google and Apple do.

FCM: exactly one target, string-only ``notification`` and ``data``, 4 KB at most, errors in
Google's JSON error format. APNs: a 64-hex device token, the required headers, 4 KB at most,
errors as ``{"reason": ...}``. Tokens starting with ``dead`` are unregistered.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from omniweave.channels.peers.journal import Journal, PeerCredentials

MAX_PAYLOAD_BYTES = 4096
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
HEX_TOKEN = re.compile(r"^[0-9a-fA-F]{64}$")
RESERVED_DATA_KEYS = ("from", "notification", "message_type")
APNS_STATUS = {"InvalidProviderToken": 403, "MissingProviderToken": 403, "PayloadTooLarge": 413}
PUSH_TYPES = ("alert", "background", "voip", "complication", "fileprovider", "mdm", "liveactivity")


def mobile_push_router(journal: Journal, credentials: PeerCredentials) -> APIRouter:
    router = APIRouter(tags=["mobile push"])

    @router.post("/fcm/v1/projects/{project}/messages:send")
    async def fcm_send(project: str, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {credentials.fcm_access_token}":
            return fcm_error(401, "UNAUTHENTICATED", "Request had invalid authentication.")
        if project != credentials.fcm_project:
            return fcm_error(403, "PERMISSION_DENIED", f"Permission denied on project {project}.")
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            return fcm_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        problem = fcm_problem(body, len(raw))
        if problem:
            field, description = problem
            return fcm_error(400, "INVALID_ARGUMENT", description, field=field)
        message = body["message"]
        token = message.get("token", "")
        if token.startswith("dead"):
            return fcm_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        key = (message.get("data") or {}).get("omniweave_key")
        earlier = journal.seen("push", key)
        if earlier is None:
            name = f"projects/{project}/messages/{uuid.uuid4().int % 10**19}"
            earlier = journal.record("push", key, token, message, platform="fcm", provider_id=name)
        return JSONResponse({"name": earlier["provider_id"]})

    @router.post("/apns/3/device/{token}")
    async def apns_send(token: str, request: Request) -> Response:
        headers = request.headers
        raw = await request.body()
        reason = apns_problem(token, headers, raw, credentials)
        if reason:
            return JSONResponse({"reason": reason}, APNS_STATUS.get(reason, 400))
        if token.lower().startswith("dead"):
            return JSONResponse(
                {"reason": "Unregistered", "timestamp": int(time.time() * 1000)}, 410
            )
        apns_id = headers.get("apns-id") or str(uuid.uuid4())
        earlier = journal.seen("push", apns_id)
        if earlier is None:
            journal.record(
                "push", apns_id, token, json.loads(raw), platform="apns", provider_id=apns_id
            )
        return Response(status_code=200, headers={"apns-id": apns_id})

    return router


def fcm_problem(body: Any, size: int) -> tuple[str, str] | None:
    """The first thing FCM would reject in this v1 request, as (field, description)."""
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        return "message", "Required: the message object."
    targets = [t for t in ("token", "topic", "condition") if message.get(t)]
    if len(targets) != 1:
        return "message", "Exactly one of token, topic or condition is required."
    token = message.get("token")
    if token is not None and (not isinstance(token, str) or len(token) < 8 or " " in token):
        return "message.token", "The registration token is not a valid FCM registration token"
    notification = message.get("notification")
    if notification is not None:
        if not isinstance(notification, dict):
            return "message.notification", "Must be an object."
        for name, value in notification.items():
            if name not in ("title", "body", "image") or not isinstance(value, str):
                return f"message.notification.{name}", "Unknown name or not a string."
    data = message.get("data")
    if data is not None:
        if not isinstance(data, dict):
            return "message.data", "Must be a map of strings."
        for name, value in data.items():
            if not isinstance(value, str):
                return f"message.data[{name}].value", "Invalid value: data values must be strings."
            if name in RESERVED_DATA_KEYS or name.startswith(("google", "gcm")):
                return f"message.data[{name}].key", "Invalid data payload key: reserved word."
    if size > MAX_PAYLOAD_BYTES:
        return "message", f"Message is too big: {size} bytes, the limit is {MAX_PAYLOAD_BYTES}."
    return None


def fcm_error(
    status: int, code: str, message: str, error_code: str | None = None, field: str | None = None
) -> JSONResponse:
    details: list[dict[str, Any]] = [{"@type": FCM_ERROR, "errorCode": error_code or code}]
    if field:
        violation = {"field": field, "description": message}
        details.append({"@type": BAD_REQUEST, "fieldViolations": [violation]})
    error = {"code": status, "message": message, "status": code, "details": details}
    return JSONResponse({"error": error}, status)


def apns_problem(token: str, headers: Any, raw: bytes, credentials: PeerCredentials) -> str | None:
    """The APNs ``reason`` this request would be refused with, or None."""
    authorization = headers.get("authorization")
    if not authorization:
        return "MissingProviderToken"
    if authorization != f"bearer {credentials.apns_token}":
        return "InvalidProviderToken"
    if not HEX_TOKEN.match(token):
        return "BadDeviceToken"
    topic = headers.get("apns-topic")
    if not topic:
        return "MissingTopic"
    if topic != credentials.apns_topic:
        return "DeviceTokenNotForTopic"
    if headers.get("apns-push-type", "alert") not in PUSH_TYPES:
        return "InvalidPushType"
    if headers.get("apns-priority", "10") not in ("1", "5", "10"):
        return "BadPriority"
    apns_id = headers.get("apns-id")
    if apns_id is not None and not _is_uuid(apns_id):
        return "BadMessageId"
    if len(raw) > MAX_PAYLOAD_BYTES:
        return "PayloadTooLarge"
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("aps"), dict):
        return "PayloadEmpty"
    return None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36
