"""A person's loyalty account: balance, tier and the history with reasons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep, ReadKey

router = APIRouter(prefix="/api/loyalty", tags=["loyalty"])


@router.get("/{profile}")
async def account(
    profile: Annotated[str, Path(min_length=1, max_length=64)],
    principal: ReadKey,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Balance, tier (and why), and every earn, spend, expiry and reversal with its reason,
    newest first. A merged profile's id answers for the profile it merged into."""
    return await run_in_threadpool(
        container.loyalty.account, principal.workspace_id, profile, limit
    )
