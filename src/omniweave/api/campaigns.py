"""Campaigns: create or change one, start it now or at a time, cancel it, and its report
(sent, delivered, opened, clicked per channel, cost and the saving against SMS-to-all)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AdminKey, ContainerDep, ReadKey

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])


class StartBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime | None = None


@router.post("")
async def save_campaign(
    body: dict[str, Any], principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Create a campaign (a segment, a template, optional holdout share, throttle,
    send-time optimisation, schedule), or change one that has not started."""
    return await run_in_threadpool(container.campaigns.save, principal.workspace_id, body)


@router.get("")
async def list_campaigns(principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    found = await run_in_threadpool(container.campaigns.list, principal.workspace_id)
    return {"campaigns": found}


@router.get("/{name}")
async def get_campaign(name: str, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The campaign with its report: messages by status and channel, what they cost and
    what SMS to everyone would have cost."""
    return await run_in_threadpool(container.campaigns.report, principal.workspace_id, name)


@router.post("/{name}/start")
async def start(
    name: str, body: StartBody, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Send now, or at ``at``; the background worker walks the audience."""
    return await run_in_threadpool(container.campaigns.start, principal.workspace_id, name, body.at)


@router.post("/{name}/cancel")
async def cancel(name: str, principal: AdminKey, container: ContainerDep) -> dict[str, Any]:
    return await run_in_threadpool(container.campaigns.cancel, principal.workspace_id, name)
