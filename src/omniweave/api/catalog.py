"""The catalog and stock: apply a catalog document or import a YML/CSV feed (admin), set
stock levels (admin), read products, prices as the pricing engine sees them, availability
and the Back In Stock / Price Dropped changes (read)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from omniweave.api.body import json_body_schema, read_json
from omniweave.api.deps import AdminKey, ContainerDep, ReadKey
from omniweave.commerce.catalog_input import CatalogIn, StockIn
from omniweave.commerce.feeds import FeedOptions
from omniweave.core.errors import InvalidInput, PayloadTooLarge

router = APIRouter(prefix="/api", tags=["catalog"])
CATALOG_LIMIT = 20 * 1024 * 1024
Sku = Annotated[str, Query(min_length=1, max_length=100)]
Code = Annotated[str | None, Query(min_length=1, max_length=100)]


def _list_schema(model: type) -> dict[str, Any]:
    one = json_body_schema(model)["requestBody"]["content"]["application/json"]["schema"]
    body = {"type": "array", "items": one, "maxItems": 100_000}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


@router.put("/catalog", openapi_extra=json_body_schema(CatalogIn))
async def apply_catalog(
    request: Request, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Create or update categories, products, price lists, prices, stock locations and
    stock in one transaction; unchanged rows write nothing, and what changed for people
    (back in stock, a lower price) is announced as events."""
    payload = await read_json(request, CATALOG_LIMIT)
    applied = await run_in_threadpool(container.catalog.apply, principal.workspace_id, payload)
    return applied.as_dict()


@router.post(
    "/catalog/import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_feed(
    request: Request,
    principal: AdminKey,
    container: ContainerDep,
    format: Literal["yml", "csv"] = "yml",
    priceList: Annotated[str, Query(min_length=1, max_length=100)] = "base",
    location: Code = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Import a YML (Yandex Market Language) or CSV feed: its prices go to ``priceList``,
    its stock counts (``count``, ``available="false"``, ``stock``) to ``location``. Offers
    that cannot be read are skipped and listed by name; a re-import changes nothing. With
    ``replace``, the feed is the whole catalog: active products absent from it (and not
    merely skipped) become inactive."""
    data = await _raw(request, CATALOG_LIMIT)
    options = FeedOptions(price_list=priceList, location=location, replace=replace)
    applied = await run_in_threadpool(
        container.catalog.import_feed, principal.workspace_id, data, format, options
    )
    return applied.as_dict()


@router.get("/catalog/products/{sku}")
async def get_product(sku: str, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """A product: its category path, its price in every list and its stock everywhere."""
    return await run_in_threadpool(container.catalog.product, principal.workspace_id, sku)


@router.get("/catalog/prices")
async def get_prices(
    principal: ReadKey,
    container: ContainerDep,
    sku: Annotated[list[str], Query(min_length=1, max_length=500)],
    store: Code = None,
    channel: Code = None,
) -> dict[str, Any]:
    """List prices for a store and a channel, each with the list it came from and why
    (store list, else channel list, else base); the others with why they are not for sale."""
    _check_skus(sku)
    return await run_in_threadpool(
        container.catalog.price_lines, principal.workspace_id, sku, store, channel
    )


@router.get("/catalog/changes")
async def list_changes(
    principal: ReadKey,
    container: ContainerDep,
    sku: Code = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Back In Stock and Price Dropped, newest first, with how many people were told."""
    return await run_in_threadpool(container.catalog.changes, principal.workspace_id, sku, limit)


@router.put("/stock/{location}", openapi_extra=_list_schema(StockIn))
async def put_stock(
    location: str, request: Request, principal: AdminKey, container: ContainerDep
) -> dict[str, Any]:
    """Set absolute on-hand counts at a store or warehouse (``[{"sku", "onHand"}]``); a
    count below what pickup orders hold there is refused (409) naming the sku."""
    payload = await read_json(request, CATALOG_LIMIT)
    applied = await run_in_threadpool(
        container.catalog.put_stock, principal.workspace_id, location, payload
    )
    return applied.as_dict()


@router.get("/stock")
async def get_stock(
    principal: ReadKey,
    container: ContainerDep,
    sku: Annotated[list[str] | None, Query(max_length=500)] = None,
    location: Code = None,
) -> dict[str, Any]:
    """Stock levels (on hand, reserved for pickup, available) per location and sku."""
    skus = sku or []
    _check_skus(skus)
    return await run_in_threadpool(
        container.catalog.availability, principal.workspace_id, skus, location
    )


def _check_skus(skus: list[str]) -> None:
    for i, s in enumerate(skus):
        if not s or len(s) > 100:
            raise InvalidInput.one(f"sku[{i}]", "a sku is 1 to 100 characters")


async def _raw(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge.one("body", f"more than the {limit}-byte limit")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise InvalidInput.one("body", "is empty; expected the feed")
    return data
