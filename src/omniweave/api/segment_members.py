"""A segment's members now, as kept in real time by the membership consumer, paged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep, ReadKey

router = APIRouter(prefix="/api/segments", tags=["segments"])


@router.get("/{name}/members")
async def current_members(
    name: str,
    principal: ReadKey,
    container: ContainerDep,
    after: str = Query("", max_length=24),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """The members now, in profile id order: each with when it entered and its entry number;
    ``next`` is the ``after`` of the next page (null on the last)."""
    return await run_in_threadpool(
        container.segments.current_members, principal.workspace_id, name, after, limit
    )
