"""A person's rights: everything stored about them, and erasure (admin keys only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AdminKey, ContainerDep

router = APIRouter(prefix="/api/profiles", tags=["privacy"])
ProfileId = Annotated[str, Path(max_length=100, description="a profile id (a merged one works)")]


@router.post("/{profile_id}/export", responses={404: {"description": "no such profile"}})
async def export_profile(
    profile_id: ProfileId, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Everything stored about the person as one document: the profile view, identifiers,
    consents and delivery states, computed traits, segment memberships, every attributed
    event, orders and customer records, messages with their decisions, journey runs with
    their steps, web push subscriptions (without their keys)."""
    return await run_in_threadpool(container.privacy.export, principal.workspace_id, profile_id)


@router.post("/{profile_id}/erase", responses={404: {"description": "no such profile"}})
async def erase_profile(
    profile_id: ProfileId, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Erase the person, with every profile merged into it: what was erased or scrubbed per
    table (docs/privacy.md). Their identifiers arriving again are scrubbed and never link. A
    repeat answers with the first erasure (``alreadyErased``) and changes nothing."""
    return await run_in_threadpool(
        container.privacy.erase, principal.workspace_id, profile_id, f"key:{principal.key_id}"
    )
