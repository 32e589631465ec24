"""Native records: customers and orders from a CRM, a till, a loyalty system or a marketplace."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from omniweave.api.body import json_body_schema, read_json
from omniweave.api.deps import ContainerDep, WriteKey, source_for
from omniweave.ingest.records import CustomerRecord, OrderRecord
from omniweave.ingest.service import RecordOutcome

router = APIRouter(prefix="/api", tags=["records"])
RECORD_LIMIT = 256 * 1024


def _answer(outcome: RecordOutcome) -> dict[str, Any]:
    return {
        "id": outcome.id,
        "status": outcome.status,
        "messageId": outcome.message_id,
        "event": outcome.event,
    }


@router.post("/customers", openapi_extra=json_body_schema(CustomerRecord))
async def upsert_customer(
    request: Request, principal: WriteKey, container: ContainerDep
) -> dict[str, Any]:
    """Create or update a customer by the caller's ``customerId``; identical re-sends change
    nothing (``status: unchanged``)."""
    payload = await read_json(request, RECORD_LIMIT)
    named = payload.get("source") if isinstance(payload, dict) else None
    source_id = await run_in_threadpool(source_for, container, principal, named)
    outcome = await run_in_threadpool(
        container.ingest.customer, principal.workspace_id, source_id, payload
    )
    return _answer(outcome)


@router.post("/orders", openapi_extra=json_body_schema(OrderRecord))
async def record_order(
    request: Request, principal: WriteKey, container: ContainerDep
) -> dict[str, Any]:
    """Record an online or offline order, or a change of its status, by the caller's
    ``orderId``; identical re-sends change nothing. A status the order cannot move to is
    refused (409, naming both); with ``pickupStore`` the lines' stock is held there (409
    naming each line that is short), released on cancellation and taken on delivery."""
    payload = await read_json(request, RECORD_LIMIT)
    named = payload.get("source") if isinstance(payload, dict) else None
    source_id = await run_in_threadpool(source_for, container, principal, named)
    recorded = await run_in_threadpool(
        container.orders.record, principal.workspace_id, source_id, payload
    )
    return recorded.as_dict()
