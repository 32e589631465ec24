"""Computed traits: a profile's values and the definitions in force (read scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep, ReadKey
from omniweave.bootstrap import Container
from omniweave.profiles.traits_service import TraitUpdater

router = APIRouter(prefix="/api", tags=["traits"])


def updater_of(container: Container) -> TraitUpdater:
    return container.traits


@router.get("/profiles/{profile_id}/traits")
async def profile_traits(
    profile_id: str, principal: ReadKey, container: ContainerDep
) -> dict[str, Any]:
    """The profile's computed traits: each value with when it was computed, its window and
    what it was computed from. A merged profile's id answers with the profile it merged into."""
    updater = updater_of(container)
    return await run_in_threadpool(updater.view, principal.workspace_id, profile_id)


@router.get("/traits/definitions")
async def trait_definitions(principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The computed trait definitions in force, each with its version (a hash)."""
    return {"definitions": updater_of(container).catalog.as_json()}
