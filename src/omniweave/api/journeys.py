"""Journeys: apply a definition (a new version when it changed), list them with per-step
numbers, pause and resume, and look at the latest runs with every step's reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AdminKey, ContainerDep, ReadKey

router = APIRouter(prefix="/api/journeys", tags=["journeys"])


@router.post("")
async def apply_journey(
    body: dict[str, Any], principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Create a journey or add a version (the same definition changes nothing). A wrong
    definition is a 400 naming every wrong path (``steps[2].split.variants``)."""
    return await run_in_threadpool(container.journeys.apply, principal.workspace_id, body)


@router.get("")
async def list_journeys(principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """Every journey's newest version, its runs by state and its numbers per step."""
    found = await run_in_threadpool(container.journeys.list, principal.workspace_id)
    return {"journeys": found}


@router.get("/{name}")
async def get_journey(name: str, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """One journey: definition, version, runs by state, numbers per step."""
    return await run_in_threadpool(container.journeys.get, principal.workspace_id, name)


@router.get("/{name}/runs")
async def runs(
    name: str,
    principal: ReadKey,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The latest runs: who, where they are, and every step taken with its reason."""
    found = await run_in_threadpool(container.journeys.runs, principal.workspace_id, name, limit)
    return {"runs": found}


@router.post("/{name}/pause")
async def pause(name: str, principal: AdminKey, container: ContainerDep) -> dict[str, Any]:
    """No new entries; runs under way go on."""
    return await run_in_threadpool(
        container.journeys.set_status, principal.workspace_id, name, "paused"
    )


@router.post("/{name}/resume")
async def resume(name: str, principal: AdminKey, container: ContainerDep) -> dict[str, Any]:
    """Take new entries again."""
    return await run_in_threadpool(
        container.journeys.set_status, principal.workspace_id, name, "active"
    )
