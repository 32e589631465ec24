"""Order statuses: move an order (the till: ready, collected; the site: cancelled) and read
every status it went through with the rule behind it, and the stock it holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep, ReadKey, WriteKey
from omniweave.ingest.records import OrderStatus, PaymentStatus

router = APIRouter(prefix="/api/orders", tags=["orders"])


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: OrderStatus
    paymentStatus: PaymentStatus | None = None
    reason: str | None = Field(None, max_length=500)


@router.post("/{order_id}/status")
async def move_order(
    order_id: str, body: StatusBody, principal: WriteKey, container: ContainerDep
) -> dict[str, Any]:
    """Move an order to a status; the same status again changes nothing, a move the status
    machine does not allow is refused (409) naming from and to."""
    recorded = await run_in_threadpool(
        container.orders.set_status,
        principal.workspace_id,
        order_id,
        body.status,
        body.paymentStatus,
        body.reason,
    )
    return recorded.as_dict()


@router.get("/{order_id}/history")
async def order_history(
    order_id: str, principal: ReadKey, container: ContainerDep
) -> dict[str, Any]:
    """The order now, each status it went through and why, and its pickup stock holds."""
    return await run_in_threadpool(container.orders.history, principal.workspace_id, order_id)
