"""Promotions by API: versions, in force at the next price calculation (no restart)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AdminKey, ContainerDep, ReadKey

router = APIRouter(prefix="/api/promotions", tags=["promotions"])
Key = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]


@router.get("")
async def list_promotions(principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The promotions in force, with their current versions."""
    found = await run_in_threadpool(container.promotions.list, principal.workspace_id)
    return {"promotions": found}


@router.put("/{key}")
async def put_promotion(
    key: Key, body: dict[str, Any], principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Create a promotion or add a version (the same definition again changes nothing). A
    wrong definition is a 400 naming every wrong field (``effect.percent``)."""
    return await run_in_threadpool(container.promotions.put, principal.workspace_id, key, body)


@router.get("/{key}")
async def get_promotion(key: Key, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The current definition and every version."""
    return await run_in_threadpool(container.promotions.get, principal.workspace_id, key)


@router.delete("/{key}")
async def delete_promotion(
    key: Key, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """End the promotion (its versions stay); deleting again changes nothing."""
    return await run_in_threadpool(container.promotions.delete, principal.workspace_id, key)
