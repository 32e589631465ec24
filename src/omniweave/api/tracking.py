"""Segment's HTTP Tracking API: ``POST /v1/{identify,track,page,screen,group,alias,batch}``.

Existing Segment and RudderStack SDKs work unchanged: the write key is the HTTP Basic user
(or ``writeKey`` in the body), bodies may be gzipped, and a 200 means the events are committed.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from omniweave.access.model import Scope
from omniweave.api.body import json_body_schema, read_json
from omniweave.api.deps import ContainerDep, authenticate, needs, presented_key
from omniweave.core.errors import InvalidInput
from omniweave.ingest import metrics
from omniweave.ingest.segment import MESSAGE_TYPES, Batch, Message
from omniweave.ingest.service import Appended

router = APIRouter(prefix="/v1", tags=["tracking (Segment-compatible)"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "A field is wrong; the body names it"},
    401: {"description": "No write key, or an unknown one"},
    413: {"description": "Over Segment's limits: 32 KB an event, 500 KB a batch"},
}


def _answer(result: Appended) -> dict[str, Any]:
    return {
        "success": True,
        "received": result.received,
        "stored": result.stored,
        "duplicates": result.duplicates,
    }


async def _ingest(request: Request, container: ContainerDep, kind: str) -> dict[str, Any]:
    started = time.perf_counter()
    settings = container.settings
    limit = settings.max_batch_bytes if kind == "batch" else settings.max_event_bytes
    secret = presented_key(request)
    if secret:  # refuse a wrong key before reading a large body
        principal = authenticate(container, secret, Scope.WRITE)
    payload = await read_json(request, limit)
    if not secret:
        body_key = payload.get("writeKey") if isinstance(payload, dict) else None
        principal = authenticate(container, body_key, Scope.WRITE)
    if principal.source_id is None:
        raise InvalidInput.one("writeKey", "the Tracking API takes a source's write key")
    service, watch = container.ingest, container.source_watch
    workspace, source = principal.workspace_id, principal.source_id
    try:
        if container.bus is not None:  # validated here, written to the log by the LogWriter
            if kind == "batch":
                rows = await run_in_threadpool(service.batch_rows, workspace, source, payload)
            else:
                rows = await run_in_threadpool(
                    service.message_rows, workspace, source, kind, payload
                )
        elif kind == "batch":
            result = await run_in_threadpool(service.batch, workspace, source, payload)
        else:
            result = await run_in_threadpool(service.message, workspace, source, kind, payload)
    except InvalidInput as refused:
        await run_in_threadpool(watch.refused, source, refused.summary)
        raise
    if container.bus is not None:
        await container.bus.publish(rows)  # returns once JetStream stored them
        answer = {"success": True, "received": len(rows), "queued": len(rows)}
    else:
        answer = _answer(result)
    if source in watch.open:
        await run_in_threadpool(watch.accepted, source)
    metrics.request_seconds.labels(f"/v1/{kind}").observe(time.perf_counter() - started)
    return answer


def _route(kind: str) -> None:
    async def endpoint(request: Request, container: ContainerDep) -> dict[str, Any]:
        return await _ingest(request, container, kind)

    needs(Scope.WRITE)(endpoint)
    endpoint.__name__ = f"segment_{kind}"
    endpoint.__doc__ = f"Record one Segment ``{kind}`` call."
    router.add_api_route(
        f"/{kind}",
        endpoint,
        methods=["POST"],
        summary=f"Segment {kind}",
        openapi_extra=json_body_schema(Message),
        responses=_RESPONSES,
    )


for _kind in MESSAGE_TYPES:
    _route(_kind)


@router.post(
    "/batch",
    summary="Segment batch",
    openapi_extra=json_body_schema(Batch),
    responses=_RESPONSES,
)
@needs(Scope.WRITE)
async def segment_batch(request: Request, container: ContainerDep) -> dict[str, Any]:
    """Record up to 500 KB of calls at once: all of them, or none with a 4xx naming the field."""
    return await _ingest(request, container, "batch")


@router.post("/import", include_in_schema=False)
@needs(Scope.WRITE)
async def segment_import(request: Request, container: ContainerDep) -> dict[str, Any]:
    """Segment's historical-import endpoint is its batch endpoint."""
    return await _ingest(request, container, "batch")
