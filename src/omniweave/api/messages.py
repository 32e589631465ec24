"""Messages: send one through the decision, list every message with its reason, report a
status (an app's "push opened"), and the public ends of tracking: the open pixel, the click
redirect and the SMS gateway's delivery reports."""

from __future__ import annotations

import base64
import contextlib
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import MAX_ID, AdminKey, ContainerDep, ReadKey, WriteKey
from omniweave.bootstrap import sms_reports_path
from omniweave.core.errors import NotFound
from omniweave.messaging import reads
from omniweave.messaging.service import Origin, SendRequest

router = APIRouter(tags=["messages"])
Filter = Annotated[str | None, Query(max_length=100)]
# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Channel = Literal["push", "email", "web_push", "viber", "telegram", "whatsapp", "sms"]


class SendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profileId: str = Field(min_length=1, max_length=24)
    template: Name
    key: str = Field(min_length=1, max_length=150, description="idempotency key")
    topic: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{0,49}$")
    cascade: list[Channel] | None = Field(None, min_length=1)
    dedupKey: str | None = Field(None, max_length=200)
    dedupHours: float = Field(24, gt=0, le=24 * 90)
    fallbackUnopenedHours: float | None = Field(None, gt=0, le=24 * 14)
    transactional: bool | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["delivered", "opened", "clicked", "failed", "bounced"]
    reason: str | None = Field(None, max_length=500)


class SmsReport(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = Field(None, max_length=255)
    reference: str | None = Field(None, max_length=255)
    status: str = Field(max_length=32)
    error: str | None = Field(None, max_length=500)


@router.post("/api/messages")
async def send(body: SendBody, principal: AdminKey, container: ContainerDep) -> dict[str, Any]:
    """Send one message to one person through the decision (consent, cascade, caps, quiet
    hours, dedup); the same ``key`` twice is one message. Returns the message with the
    decision's reason."""
    profile = await run_in_threadpool(
        container.identity.profile, principal.workspace_id, body.profileId
    )
    request = SendRequest(
        template=body.template,
        key=f"api:{principal.workspace_id}:{body.key}",
        origin=Origin("api"),
        topic=body.topic,
        cascade=tuple(body.cascade) if body.cascade else None,
        dedup_key=body.dedupKey,
        dedup_window=timedelta(hours=body.dedupHours),
        fallback_unopened=(
            timedelta(hours=body.fallbackUnopenedHours) if body.fallbackUnopenedHours else None
        ),
        transactional=body.transactional,
        event={"event": "api", "properties": body.data},
    )
    row = await run_in_threadpool(
        container.messaging.send, principal.workspace_id, profile["id"], request
    )
    found = await run_in_threadpool(_one, container, principal.workspace_id, row["id"])
    return found


@router.get("/api/messages")
async def list_messages(
    principal: ReadKey,
    container: ContainerDep,
    profile: Filter = None,
    origin: Filter = None,
    name: Filter = None,
    status: Filter = None,
    channel: Filter = None,
    template: Filter = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Every message, newest first: person, journey or campaign, channel, status, cost and
    the decision's reason (suppressed and held-out decisions included)."""
    filters = {
        "profile_id": profile,
        "origin": origin,
        "origin_name": name,
        "status": status,
        "channel": channel,
        "template": template,
    }

    def page() -> dict[str, Any]:
        with container.engine.connect() as conn:
            return reads.listing(conn, principal.workspace_id, filters, before, limit)

    return await run_in_threadpool(page)


@router.get("/api/messages/{message_id}")
async def get_message(
    message_id: Annotated[int, Field(ge=1, le=MAX_ID)], principal: ReadKey, container: ContainerDep
) -> dict[str, Any]:
    """One message with its whole decision: every rule checked, with the data behind it."""
    return await run_in_threadpool(_one, container, principal.workspace_id, message_id)


def _one(container: Any, workspace_id: int, message_id: int) -> dict[str, Any]:
    with container.engine.connect() as conn:
        found = reads.one(conn, workspace_id, message_id)
    if found is None:
        raise NotFound(f"message {message_id}")
    return found


@router.post("/api/messages/status")
async def report_status(
    body: StatusBody,
    principal: WriteKey,
    container: ContainerDep,
    key: Annotated[str, Query(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """A status reported by an app or a provider for the message with idempotency ``key``
    (e.g. the app's "push opened"); statuses never go backwards."""
    return await run_in_threadpool(
        container.receipts.report, key, body.status, body.reason, principal.workspace_id
    )


@router.get("/o/{token}.gif", include_in_schema=False)
async def open_pixel(token: str, container: ContainerDep) -> Response:
    """The open pixel: records the open, always answers with the image."""
    with contextlib.suppress(Exception):  # a bad or foreign token still gets its image
        await run_in_threadpool(container.receipts.opened, token)
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@router.get("/r/{token}", include_in_schema=False)
async def click(token: str, container: ContainerDep) -> RedirectResponse:
    """A tracked link: records the click and redirects to the target (a tampered token is a
    404, never an open redirect)."""
    url = await run_in_threadpool(container.receipts.clicked, token)
    return RedirectResponse(url, status_code=302)


@router.post("/api/channels/sms/reports/{signature}", include_in_schema=False)
async def sms_report(signature: str, body: SmsReport, container: ContainerDep) -> dict[str, Any]:
    """The SMS gateway's delivery report; the path is signed (see ``sms_reports_path``)."""
    if not sms_reports_path(container.consents.link_key).endswith(f"/{signature}"):
        raise NotFound("no such report endpoint")
    return await run_in_threadpool(
        container.receipts.sms_report, body.id, body.reference, body.status, body.error
    )
