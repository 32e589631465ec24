"""One FastAPI app for every HTTP peer, plus the inbox that shows what they received.

Mounted under one base URL: ``/sms``, ``/fcm``, ``/apns``, ``/webpush``, ``/viber``,
``/telegram`` and ``/webhook/{name}``; ``GET /inbox`` and ``GET /stats`` answer what arrived.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from omniweave.channels.peers.journal import Journal, PeerCredentials
from omniweave.channels.peers.mailbox import Mailbox
from omniweave.channels.peers.messenger_apis import messenger_router
from omniweave.channels.peers.mobile_push import mobile_push_router
from omniweave.channels.peers.push_service import push_service_router
from omniweave.channels.peers.sms_gateway import sms_gateway_router

SIGNATURE_HEADERS = ("idempotency-key", "x-omniweave-timestamp", "x-omniweave-signature")


def create_peer_app(
    directory: Path,
    credentials: PeerCredentials | None = None,
    report_delay: float = 0.2,
    journal: Journal | None = None,
    mailbox: Mailbox | None = None,
) -> FastAPI:
    """The peers' app; pass ``journal`` to read what arrived from the same process, and the
    SMTP ``mailbox`` to list its emails in ``/inbox`` and ``/stats`` too."""
    credentials = credentials or PeerCredentials()
    journal = journal or Journal(Path(directory))
    app = FastAPI(title="Omniweave peers", description=__doc__)
    app.state.journal = journal
    app.include_router(sms_gateway_router(journal, credentials, report_delay))
    app.include_router(mobile_push_router(journal, credentials))
    app.include_router(push_service_router(journal))
    app.include_router(messenger_router(journal, credentials))

    @app.post("/webhook/{name}", tags=["webhook sink"])
    async def webhook_sink(
        name: str, request: Request, respond: Annotated[int, Query(ge=200, le=599)] = 200
    ) -> Response:
        """Record a webhook; ``?respond=503`` answers that status instead, to show retries."""
        if respond >= 300:
            headers = {"Retry-After": "2"} if respond in (429, 503) else {}
            return JSONResponse({"error": f"told to answer {respond}"}, respond, headers)
        raw = await request.body()
        key = request.headers.get("idempotency-key")
        if journal.seen("webhook", key) is None:
            headers = {h: request.headers[h] for h in SIGNATURE_HEADERS if h in request.headers}
            journal.record(
                "webhook",
                key,
                name,
                _json_or_text(raw),
                raw=raw.decode(errors="replace"),
                headers=headers,
            )
        return JSONResponse({"received": True})

    @app.get("/inbox", tags=["inbox"])
    async def inbox(channel: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        """What arrived (decoded, decrypted), oldest first, filtered by channel and address."""
        emails = []
        if mailbox is not None and channel in (None, "email"):
            emails = [_as_record(email) for email in mailbox.messages(to)]
        return emails + journal.inbox(channel, to)

    @app.get("/stats", tags=["inbox"])
    async def stats() -> dict[str, Any]:
        """Messages accepted and duplicates refused, per channel."""
        counts = journal.stats()
        if mailbox is not None:
            emails = mailbox.received
            counts["received"]["email"] = emails
            counts["duplicates"]["email"] = mailbox.duplicates
            counts["total"] += emails
            counts["duplicates_total"] += mailbox.duplicates
        return counts

    @app.delete("/inbox", status_code=204, tags=["inbox"])
    async def clear_inbox() -> Response:
        journal.clear()
        return Response(status_code=204)

    return app


def _as_record(email: dict[str, Any]) -> dict[str, Any]:
    body = {k: email[k] for k in ("from", "subject", "text", "html", "headers")}
    to = ", ".join(email["to"])
    return {
        "channel": "email",
        "key": email["message_id"],
        "to": to,
        "body": body,
        "received_at": email["received_at"],
    }


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
