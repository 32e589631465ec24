"""Mobile push in the two wire formats that matter: FCM HTTP v1 and APNs.

The platform is ``meta["platform"]`` when the profile knows it; otherwise an APNs device token
is recognisable (64 hex characters) and anything else goes to FCM. Both providers say clearly
when a token is gone for good, which becomes a bounce so the token is forgotten.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from omniweave.channels.model import Outgoing, Receipt, bounced, failed, sent
from omniweave.channels.provider_http import HttpAdapter, failure, json_body, post

Platform = Literal["fcm", "apns"]
_APNS_TOKEN = re.compile(r"^[0-9a-fA-F]{64}$")
# Fixed namespace so the same key always yields the same apns-id (APNs' idempotency handle).
APNS_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "apns.omniweave")
DEAD_APNS_REASONS = frozenset({"Unregistered", "BadDeviceToken", "DeviceTokenNotForTopic"})


@dataclass(frozen=True)
class PushConfig:
    """FCM needs project + an OAuth2 access token; APNs needs topic (bundle id) + a JWT."""

    fcm_project: str | None = None
    fcm_access_token: str | None = None
    fcm_url: str = "https://fcm.googleapis.com"
    apns_topic: str | None = None
    apns_token: str | None = None
    apns_url: str = "https://api.push.apple.com"
    timeout: float = 10.0


def platform_for(message: Outgoing) -> Platform:
    """Where this token lives: the profile's word first, then the token's shape."""
    named = str(message.meta.get("platform", "")).lower()
    if named in ("apns", "ios"):
        return "apns"
    if named in ("fcm", "android", "firebase"):
        return "fcm"
    return "apns" if _APNS_TOKEN.match(message.address) else "fcm"


def apns_id_for(key: str) -> str:
    return str(uuid.uuid5(APNS_ID_NAMESPACE, key))


def fcm_body(message: Outgoing) -> dict[str, Any]:
    content = message.content
    data = {str(k): v if isinstance(v, str) else _json_text(v) for k, v in _data(message).items()}
    return {
        "message": {
            "token": message.address,
            "notification": {
                "title": str(content.get("title", "")),
                "body": str(content.get("body", "")),
            },
            "data": data,
        }
    }


def apns_body(message: Outgoing) -> dict[str, Any]:
    content = message.content
    alert = {"title": str(content.get("title", "")), "body": str(content.get("body", ""))}
    extra = {k: v for k, v in _data(message).items() if k != "aps"}
    return {"aps": {"alert": alert, "sound": "default"}, **extra}


def _data(message: Outgoing) -> dict[str, Any]:
    data = dict(message.content.get("data") or {})
    if message.content.get("deep_link"):
        data["deep_link"] = message.content["deep_link"]
    data["omniweave_key"] = message.key
    return data


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class PushAdapter(HttpAdapter):
    channel = "push"

    def __init__(self, config: PushConfig, client: httpx.AsyncClient | None = None) -> None:
        super().__init__(config.timeout, client, http2=True)  # APNs speaks only HTTP/2
        self.config = config

    async def send(self, message: Outgoing) -> Receipt:
        if platform_for(message) == "apns":
            return await self._send_apns(message)
        return await self._send_fcm(message)

    async def _send_fcm(self, message: Outgoing) -> Receipt:
        cfg = self.config
        if not (cfg.fcm_project and cfg.fcm_access_token):
            return failed("FCM is not configured (fcm_project, fcm_access_token)")
        url = f"{cfg.fcm_url.rstrip('/')}/v1/projects/{cfg.fcm_project}/messages:send"
        headers = {"Authorization": f"Bearer {cfg.fcm_access_token}"}
        response = await post(self._client, url, json=fcm_body(message), headers=headers)
        if isinstance(response, Receipt):
            return response
        answer = json_body(response)
        if response.is_success:
            return sent(answer.get("name"))
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        detail = f"{error.get('status', '')} {error.get('message', '')}".strip() or None
        if _fcm_token_is_dead(response.status_code, error):
            return bounced(f"HTTP {response.status_code}: {detail}")
        return failure(response, detail)

    async def _send_apns(self, message: Outgoing) -> Receipt:
        cfg = self.config
        if not (cfg.apns_topic and cfg.apns_token):
            return failed("APNs is not configured (apns_topic, apns_token)")
        apns_id = apns_id_for(message.key)
        headers = {
            "authorization": f"bearer {cfg.apns_token}",
            "apns-topic": cfg.apns_topic,
            "apns-push-type": "alert",
            "apns-id": apns_id,
            "apns-priority": "10",
        }
        url = f"{cfg.apns_url.rstrip('/')}/3/device/{message.address}"
        response = await post(self._client, url, json=apns_body(message), headers=headers)
        if isinstance(response, Receipt):
            return response
        if response.is_success:
            return sent(response.headers.get("apns-id", apns_id))
        reason = str(json_body(response).get("reason", ""))
        if response.status_code == 410 or reason in DEAD_APNS_REASONS:
            return bounced(f"HTTP {response.status_code}: {reason or 'Unregistered'}")
        return failure(response, reason or None)


def _fcm_token_is_dead(status: int, error: dict[str, Any]) -> bool:
    """UNREGISTERED, or INVALID_ARGUMENT about the token itself (not about the payload)."""
    if status not in (400, 404):
        return False
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    codes = {str(d.get("errorCode")) for d in details} | {str(error.get("status"))}
    if "UNREGISTERED" in codes:
        return True
    if "INVALID_ARGUMENT" not in codes:
        return False
    fields = {
        str(v.get("field"))
        for d in details
        for v in d.get("fieldViolations") or []
        if isinstance(v, dict)
    }
    return "message.token" in fields or "registration token" in str(error.get("message", ""))
