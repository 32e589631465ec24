"""Profiles: one person across channels, found by any identifier, explained, and splittable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import MAX_ID, AdminKey, ContainerDep, ReadKey
from omniweave.core.errors import InvalidInput
from omniweave.identity.profile_view import LOOKUP_TYPES

router = APIRouter(prefix="/api/profiles", tags=["profiles"])
Text = Annotated[str | None, Query(max_length=320)]


@router.get("")
async def find_profile(
    principal: ReadKey,
    container: ContainerDep,
    request: Request,
    email: Text = None,
    phone: Text = None,
    user_id: Text = None,
    anonymous_id: Text = None,
    card: Text = None,
    crm_id: Text = None,
    device_token: Text = None,
) -> dict[str, Any]:
    """The profile holding an identifier, written any way a source writes it (a phone as
    ``8 (916) 123-45-67`` finds ``+79161234567``). Exactly one parameter."""
    given = {k: v for k, v in request.query_params.items() if k in LOOKUP_TYPES and v}
    if len(given) != 1:
        raise InvalidInput.one(
            "query", f"give exactly one of {', '.join(LOOKUP_TYPES)} (got {len(given)})"
        )
    ((param, value),) = given.items()
    return await run_in_threadpool(container.profiles.lookup, principal.workspace_id, param, value)


@router.get("/{profile_id}")
async def get_profile(
    profile_id: str, principal: ReadKey, container: ContainerDep
) -> dict[str, Any]:
    """A profile: identifiers with the sources that saw them, traits with the source of each
    value, orders, the latest events, merges with their reasons, refused merges, unusable
    identifiers, computed traits with what they came from, consents in force with their proof,
    and reachability per channel and topic with the reasons. The id of a merged profile
    answers with the profile it merged into."""
    return await run_in_threadpool(container.profiles.profile, principal.workspace_id, profile_id)


@router.get("/{profile_id}/events")
async def profile_events(
    profile_id: str,
    principal: ReadKey,
    container: ContainerDep,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="events with a smaller id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """The profile's timeline across every channel, newest first, a page at a time."""
    return await run_in_threadpool(
        container.identity.events, principal.workspace_id, profile_id, before, limit
    )


class SplitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mergeId: int | None = Field(
        None, ge=1, le=MAX_ID, description="the merge to undo; default the latest"
    )
    reason: str | None = Field(None, max_length=500)


@router.post("/{profile_id}/split", responses={409: {"description": "nothing to split"}})
async def split_profile(
    profile_id: str,
    principal: AdminKey,
    container: ContainerDep,
    body: SplitRequest | None = None,
) -> dict[str, Any]:
    """Undo a merge: the merged profile gets its identities, events and orders back, and the
    two are never merged again automatically. 409 if the profile was never merged."""
    body = body or SplitRequest()
    return await run_in_threadpool(
        container.identity.split, principal.workspace_id, profile_id, body.mergeId, body.reason
    )
