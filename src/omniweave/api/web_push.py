"""Web push: the VAPID public key a browser subscribes with, and the subscription it reports
(the endpoint becomes the person's web push address; subscribing is the opt-in)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep, WriteKey, source_for
from omniweave.channels.webpush import public_key_of
from omniweave.core.errors import InvalidInput, NotFound
from omniweave.messaging import web_push
from omniweave.store.dialect import Dialect

router = APIRouter(prefix="/api/web-push", tags=["web push"])


class Keys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    p256dh: str = Field(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_=-]+$")
    auth: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_=-]+$")


class Subscription(BaseModel):
    model_config = ConfigDict(extra="ignore")

    endpoint: HttpUrl
    keys: Keys


class SubscribeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscription: Subscription
    userId: str | None = Field(None, min_length=1, max_length=255)
    anonymousId: str | None = Field(None, min_length=1, max_length=255)


@router.get("/key")
async def vapid_key(container: ContainerDep) -> dict[str, Any]:
    """The ``applicationServerKey`` for ``pushManager.subscribe``."""
    private = container.settings.vapid_private_key or container.extras.get("vapid_private_key")
    if not private:
        raise NotFound("web push is not configured (OMNIWEAVE_VAPID_PRIVATE_KEY)")
    return {"publicKey": public_key_of(private)}


@router.post("/subscriptions")
async def subscribe(body: SubscribeBody, principal: WriteKey, container: ContainerDep) -> dict:
    """Store a browser's push subscription for the person (by userId or anonymousId)."""
    who = {k: v for k, v in (("userId", body.userId), ("anonymousId", body.anonymousId)) if v}
    if not who:
        raise InvalidInput.one("userId", "give userId or anonymousId")
    subscription = body.subscription.model_dump(mode="json")
    if len(subscription["endpoint"]) > 320:
        raise InvalidInput.one("subscription.endpoint", "longer than 320 characters")

    def save() -> dict[str, Any]:
        now = container.clock()
        with container.engine.begin() as conn:
            web_push.store(
                conn, Dialect.of(container.engine), principal.workspace_id, subscription, now
            )
        message = web_push.subscribe_message(subscription, who, now)
        source_id = source_for(container, principal, None)
        container.ingest.message(principal.workspace_id, source_id, "identify", message)
        return {"endpoint": subscription["endpoint"], "subscribed": True}

    return await run_in_threadpool(save)
