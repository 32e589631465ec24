"""The price calculation a till, the site and the app ask: one answer in every channel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from omniweave.access.model import Principal
from omniweave.api.deps import ContainerDep, presented_key
from omniweave.core.errors import NotAuthenticated
from omniweave.pricing.requests import CalculateRequest

router = APIRouter(prefix="/api/pricing", tags=["pricing"])


def any_key(request: Request, container: ContainerDep) -> Principal:
    """Pricing is a question, not a write: a till's write key, a read key or an admin key."""
    secret = presented_key(request)
    if not secret:
        raise NotAuthenticated("no API key: send it as HTTP Basic user or a Bearer token")
    principal = container.keys.verify(secret)
    if principal is None:
        raise NotAuthenticated("unknown or revoked API key")
    return principal


AnyKey = Annotated[Principal, Depends(any_key)]


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
