"""Read endpoints over what was ingested (read scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import MAX_ID, ContainerDep, ReadKey
from omniweave.core.errors import NotFound
from omniweave.ingest import reads

router = APIRouter(prefix="/api", tags=["reads"])


@router.get("/events")
async def list_events(
    principal: ReadKey,
    container: ContainerDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="return events with a larger id")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    source: Annotated[str | None, Query(max_length=100)] = None,
    userId: Annotated[str | None, Query(max_length=255)] = None,
    anonymousId: Annotated[str | None, Query(max_length=255)] = None,
    type: Annotated[str | None, Query(max_length=16)] = None,
    event: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    """The event log in order, a page at a time; ``next`` is the cursor for the next page."""

    def query() -> list[dict[str, Any]]:
        with container.engine.connect() as conn:
            return reads.list_events(
                conn,
                principal.workspace_id,
                after_id=after,
                limit=limit,
                source=source,
                user_id=userId,
                anonymous_id=anonymousId,
                type_=type,
                event=event,
            )

    found = await run_in_threadpool(query)
    return {"events": found, "next": found[-1]["id"] if found else None}


@router.get("/orders/{order_id}")
async def get_order(order_id: str, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """An order's latest state."""

    def query() -> dict[str, Any] | None:
        with container.engine.connect() as conn:
            return reads.get_order(conn, principal.workspace_id, order_id)

    found = await run_in_threadpool(query)
    if found is None:
        raise NotFound(f"no order {order_id!r}")
    return found


@router.get("/customers/{source}/{customer_id}")
async def get_customer(
    source: str, customer_id: str, principal: ReadKey, container: ContainerDep
) -> dict[str, Any]:
    """A source's latest record of one customer, by that source's own id."""

    def query() -> dict[str, Any] | None:
        with container.engine.connect() as conn:
            return reads.get_customer_record(conn, principal.workspace_id, source, customer_id)

    found = await run_in_threadpool(query)
    if found is None:
        raise NotFound(f"no customer {customer_id!r} from source {source!r}")
    return found


@router.get("/sources")
async def list_sources(principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The workspace's sources."""

    def query() -> list[dict[str, Any]]:
        with container.engine.connect() as conn:
            return reads.list_sources(conn, principal.workspace_id)

    return {"sources": await run_in_threadpool(query)}
