"""Coupon pools, their codes, and a code issued to one person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AdminKey, ContainerDep, ReadKey
from omniweave.pricing.coupon_service import CodesBody, IssueBody, PoolBody

router = APIRouter(prefix="/api/coupons", tags=["coupons"])
Key = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]


@router.put("/pools/{key}")
async def put_pool(
    key: Key, body: PoolBody, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Create or change a pool: uses per code, uses per person, personal codes, validity."""
    return await run_in_threadpool(container.coupons.save_pool, principal.workspace_id, key, body)


@router.get("/pools/{key}")
async def get_pool(key: Key, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """A pool's rules, how many codes it has and how often they were redeemed."""
    return await run_in_threadpool(container.coupons.pool, principal.workspace_id, key)


@router.post("/pools/{key}/codes")
async def add_codes(
    key: Key, body: CodesBody, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Generate ``count`` unique codes for a ``batch`` (the same batch gives the same codes),
    or add the ``codes`` given."""
    return await run_in_threadpool(container.coupons.add_codes, principal.workspace_id, key, body)


@router.post("/pools/{key}/issue")
async def issue(
    key: Key, body: IssueBody, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """One code for one person; the same ``key`` gives the same code."""
    return await run_in_threadpool(container.coupons.issue, principal.workspace_id, key, body)
