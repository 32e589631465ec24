"""One cart per person across app, site and store: read it, issue a short-lived token (and
its QR code) for the till, and exchange a token for the cart at the till."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AnyKey, ContainerDep, ReadKey

router = APIRouter(prefix="/api/carts", tags=["carts"])


@router.get("/by-token/{token}")
async def cart_by_token(
    token: str,
    principal: AnyKey,
    container: ContainerDep,
    store: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> dict[str, Any]:
    """The cart a token names (the till scanned the app's QR code); an expired or altered
    token is refused (400) saying which. ``store``: each line with that store's list price
    and the list it came from (promotions are the pricing API's)."""
    return await run_in_threadpool(container.carts.by_token, principal.workspace_id, token, store)


@router.get("/{profile_id}")
async def get_cart(profile_id: str, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The person's one cart, folded from cart events in every channel (a merged id gives
    the surviving profile's cart)."""
    return await run_in_threadpool(container.carts.cart, principal.workspace_id, profile_id)


@router.post("/{profile_id}/token")
async def cart_token(profile_id: str, principal: AnyKey, container: ContainerDep) -> dict[str, Any]:
    """A short-lived signed token for the person's cart, with a QR code (SVG) for the app."""
    return await run_in_threadpool(container.carts.token, principal.workspace_id, profile_id)
