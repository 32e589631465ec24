"""The price calculation a till, the site and the app ask: one answer in every channel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AnyKey, ContainerDep
from omniweave.pricing.requests import CalculateRequest

router = APIRouter(prefix="/api/pricing", tags=["pricing"])


@router.post("/calculate")
async def calculate(
    body: CalculateRequest, principal: AnyKey, container: ContainerDep
) -> dict[str, Any]:
    """Price cart lines for a customer (or nobody) in a store and channel: line prices, every
    active promotion with why it applied or not, points to earn and spendable. Unknown skus,
    lines in another currency and refused coupons come back in ``errors`` naming the line
    (``lines[2].sku``, ``coupons[0]``) while the rest is priced; a malformed body, or a cart
    with no line that can be priced, is a 400 naming the fields."""
    return await run_in_threadpool(container.pricing.calculate, principal.workspace_id, body)
