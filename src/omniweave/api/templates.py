"""Templates: save (validated against a full sample profile), list, preview on a real one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AdminKey, ContainerDep, ReadKey

router = APIRouter(prefix="/api/templates", tags=["templates"])


class PreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profileId: str = Field(min_length=1, max_length=24)
    event: dict[str, Any] | None = None


@router.post("")
async def save_template(
    body: dict[str, Any], principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Create a template or add a version. Every field is rendered against a complete sample
    profile: an unknown variable, a syntax error or a sandbox escape is a 400 naming the
    field, never a failed send later."""
    return await run_in_threadpool(container.messaging.save_template, principal.workspace_id, body)


@router.get("")
async def list_templates(principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The newest version of every template."""
    found = await run_in_threadpool(container.messaging.templates, principal.workspace_id)
    return {"templates": found}


@router.post("/{name}/preview")
async def preview(
    name: str, body: PreviewBody, principal: ReadKey, container: ContainerDep
) -> dict[str, Any]:
    """The template rendered for a real person on every channel, and the decision the send
    would get now (which channel and why); nothing is sent."""
    profile = await run_in_threadpool(
        container.identity.profile, principal.workspace_id, body.profileId
    )
    return await run_in_threadpool(
        container.messaging.preview, principal.workspace_id, profile["id"], name, body.event
    )
