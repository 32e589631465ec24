"""The identity review queue: merges the model was not sure enough of, for a person to decide."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import MAX_ID, AdminKey, ContainerDep, ReadKey

router = APIRouter(prefix="/api/identity", tags=["identity"])


@router.get("/reviews")
async def list_reviews(
    principal: ReadKey,
    container: ContainerDep,
    status: Literal["pending", "approved", "rejected"] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Proposed merges, most probable first, each with the model's explanation."""
    found = await run_in_threadpool(
        container.identity.reviews, principal.workspace_id, status, limit
    )
    return {"reviews": found}


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewId: Annotated[int, Field(ge=1, le=MAX_ID)]
    decision: Literal["approve", "reject"]


@router.post("/reviews", responses={404: {"description": "no such review"}, 409: {}})
async def decide_review(
    body: Decision, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Approve (merge the two profiles, recorded as a reviewer's decision) or reject (they
    are never merged automatically again)."""
    return await run_in_threadpool(
        container.identity.decide,
        principal.workspace_id,
        body.reviewId,
        body.decision == "approve",
        f"key #{principal.key_id}",
    )
