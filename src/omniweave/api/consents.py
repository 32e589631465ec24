"""Consents: grants and revokes, one-click unsubscribe, SMS STOP replies, bounces, and a
profile's consents with its reachability per channel."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep, ReadKey, WriteKey
from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import as_utc
from omniweave.profiles.consent_model import Proof
from omniweave.profiles.consent_service import (
    IDENTIFIER_FIELDS,
    ConsentService,
)

router = APIRouter(tags=["consents"])
_ONE_CLICK_BODY_LIMIT = 4096


def consent_service(container: ContainerDep) -> ConsentService:
    return container.consents


Consents = Annotated[ConsentService, Depends(consent_service)]
Text = Annotated[str | None, Field(None, max_length=320)]


class ProofBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ip: str | None = Field(None, max_length=64)
    userAgent: str | None = Field(None, max_length=500)
    formId: str | None = Field(None, max_length=200)
    doubleOptInToken: str | None = Field(None, max_length=200)
    confirmedAt: datetime | None = None

    def proof(self) -> Proof:
        confirmed = as_utc(self.confirmedAt) if self.confirmedAt else None
        return Proof(self.ip, self.userAgent, self.formId, self.doubleOptInToken, confirmed)


class ConsentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Text = None
    phone: Text = None
    userId: Text = None
    anonymousId: Text = None
    loyaltyCard: Text = None
    crmId: Text = None
    deviceToken: Text = None
    webPush: Text = None
    channel: str = Field(max_length=20)
    topic: str = Field("marketing", max_length=50)
    state: str = Field(max_length=10, description="granted or revoked")
    source: str = Field("api", description="api or preference_centre")
    proof: ProofBody | None = None
    at: datetime | None = Field(None, description="when the person decided; default now")


@router.post("/api/consents")
async def record_consent(
    principal: WriteKey, consents: Consents, body: ConsentBody
) -> dict[str, Any]:
    """Grant or revoke a channel and topic for an identifier; answers with the profile's
    reachability on that channel as it is now (the decision is already in force)."""
    given = [(f, getattr(body, f)) for f in IDENTIFIER_FIELDS if getattr(body, f)]
    if len(given) != 1:
        raise InvalidInput.one(
            "identifier", f"give exactly one of {', '.join(IDENTIFIER_FIELDS)} (got {len(given)})"
        )
    return await run_in_threadpool(
        consents.record,
        principal.workspace_id,
        given[0],
        body.channel,
        body.topic,
        body.state,
        body.source,
        body.proof.proof() if body.proof else None,
        as_utc(body.at) if body.at else None,
    )


@router.get("/api/profiles/{profile_id}/consents")
async def profile_consents(
    profile_id: str, principal: ReadKey, consents: Consents
) -> dict[str, Any]:
    """The consents in force with source, time and proof, their history, and reachability per
    channel and topic with the reasons."""
    return await run_in_threadpool(consents.view, principal.workspace_id, profile_id)


class SmsReply(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    sender: str = Field(alias="from", max_length=64)
    text: str = Field(max_length=2000)


@router.post("/api/channels/sms/inbound")
async def sms_inbound(principal: WriteKey, consents: Consents, body: SmsReply) -> dict[str, Any]:
    """An SMS a person sent us: STOP (СТОП, UNSUBSCRIBE, ОТПИСКА) revokes SMS marketing."""
    return await run_in_threadpool(
        consents.sms_reply, principal.workspace_id, body.sender, body.text
    )


class DeliveryReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(max_length=320)
    state: str = Field(max_length=16)
    reason: str | None = Field(None, max_length=1000)
    at: datetime | None = None


@router.post("/api/channels/{channel}/delivery-events")
async def delivery_event(
    channel: str, principal: WriteKey, consents: Consents, body: DeliveryReport
) -> dict[str, Any]:
    """A provider's report about an address: ok, soft_bounce, hard_bounce, complained, blocked."""
    return await run_in_threadpool(
        consents.delivery_report,
        principal.workspace_id,
        channel,
        body.address,
        body.state,
        body.reason,
        as_utc(body.at) if body.at else None,
    )


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status)


@router.get("/u/{token}", response_class=HTMLResponse)
async def unsubscribe_page(token: str, consents: Consents) -> HTMLResponse:
    """The page an unsubscribe link opens: a button that posts the one-click unsubscribe."""
    try:
        target = consents.target(token)
    except NotFound:
        return _page("Link not valid", "<p>This unsubscribe link is not valid.</p>", 404)
    form = (
        f"<p>Stop {escape(target.topic)} messages by {escape(target.channel)} to "
        f"<b>{escape(target.address)}</b>?</p>"
        f'<form method="post" action="/u/{escape(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page("Unsubscribe", form)


def _is_one_click(raw: bytes, content_type: str) -> bool:
    """RFC 8058 allows the form urlencoded or as multipart/form-data."""
    if content_type.lower().startswith("multipart/form-data"):
        text = raw.decode("utf-8", "replace")
        return 'name="List-Unsubscribe"' in text and "One-Click" in text
    return parse_qs(raw.decode("utf-8", "replace")).get("List-Unsubscribe") == ["One-Click"]


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe_one_click(token: str, request: Request, consents: Consents) -> HTMLResponse:
    """RFC 8058 one-click unsubscribe: the body ``List-Unsubscribe=One-Click``, no login."""
    target = consents.target(token)
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > _ONE_CLICK_BODY_LIMIT:
            raise InvalidInput.one("body", f"more than {_ONE_CLICK_BODY_LIMIT} bytes")
    if not _is_one_click(raw, request.headers.get("content-type", "")):
        raise InvalidInput.one("List-Unsubscribe", "the body must be List-Unsubscribe=One-Click")
    await run_in_threadpool(consents.unsubscribe, token)
    text = (
        f"<p>{escape(target.address)} will get no more {escape(target.topic)} messages "
        f"by {escape(target.channel)}.</p>"
    )
    return _page("Unsubscribed", text)
