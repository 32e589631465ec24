"""A JSON SMS gateway: accepts a message, then posts its delivery report to the callback.

Numbers must be E.164; those ending in ``0000`` are accepted and later reported
``undeliverable`` (the way a real gateway learns of a dead number only from the operator).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse

from omniweave.channels.peers.journal import Journal, PeerCredentials
from omniweave.channels.peers.wire import json_object

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
REPORT_ATTEMPTS = 4


def sms_gateway_router(
    journal: Journal, credentials: PeerCredentials, report_delay: float
) -> APIRouter:
    router = APIRouter(prefix="/sms", tags=["sms gateway"])

    @router.post("/messages")
    async def accept_sms(request: Request, background: BackgroundTasks) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {credentials.sms_api_key}":
            return _error(401, "unauthorized", "a valid Bearer API key is required")
        body = await json_object(request)
        if body is None:
            return _error(400, "invalid_json", "the body must be a JSON object")
        to, text, callback = body.get("to"), body.get("text"), body.get("callback_url")
        if not isinstance(to, str) or not E164.match(to):
            return _error(400, "invalid_number", f"'to' must be an E.164 number, got {to!r}")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "invalid_text", "'text' must be a non-empty string")
        if callback is not None and not str(callback).startswith(("http://", "https://")):
            return _error(400, "invalid_callback_url", "'callback_url' must be an http(s) URL")
        reference = str(body.get("id") or request.headers.get("idempotency-key") or "")
        key = request.headers.get("idempotency-key") or reference or None
        earlier = journal.seen("sms", key)
        if earlier is not None:
            return JSONResponse({"id": earlier["provider_id"], "status": "accepted"}, 200)
        provider_id = f"sms-{uuid.uuid4().hex[:20]}"
        message = {"from": body.get("from"), "text": text}
        entry = journal.record("sms", key, to, message, provider_id=provider_id, report=None)
        if callback:
            report: dict[str, Any] = {"id": provider_id, "reference": reference}
            if to.endswith("0000"):
                report |= {"status": "undeliverable", "error": "the number does not exist"}
            else:
                report["status"] = "delivered"
            background.add_task(post_report, journal, entry, str(callback), report, report_delay)
        return JSONResponse({"id": provider_id, "status": "accepted"}, 202)

    return router


async def post_report(
    journal: Journal, entry: dict[str, Any], url: str, report: dict[str, Any], delay: float
) -> None:
    """POST the report to the callback, retrying with a growing pause as gateways do."""
    await asyncio.sleep(delay)
    async with httpx.AsyncClient(timeout=5.0) as client:
        for attempt in range(1, REPORT_ATTEMPTS + 1):
            try:
                answer = await client.post(url, json=report)
                if answer.is_success:
                    journal.update(entry, report={**report, "attempts": attempt, "posted": True})
                    return
            except httpx.HTTPError:
                pass
            if attempt < REPORT_ATTEMPTS:
                await asyncio.sleep(max(delay, 0.05) * 2**attempt)
    journal.update(entry, report={**report, "attempts": REPORT_ATTEMPTS, "posted": False})


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status)
