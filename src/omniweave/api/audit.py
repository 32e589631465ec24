"""The audit trail of admin actions, recorded once for every route: the ``AdminKey``
dependency marks the request (``deps.require``), and this middleware writes one entry when a
marked request that is not a read (GET, HEAD, OPTIONS) has been answered, whatever its outcome.
``GET /api/audit`` lists the entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omniweave.access import audit
from omniweave.api.deps import MAX_ID, TRAIL, AdminKey, ContainerDep
from omniweave.logs import log

router = APIRouter(prefix="/api/audit", tags=["audit"])
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_BODY_KEPT = 256 * 1024  # enough to name the fields of any admin body


class AuditTrail:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        trail: dict[str, Any] = {}
        scope[TRAIL] = trail
        body = bytearray()
        status = 500

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) < _BODY_KEPT:
                body.extend(message.get("body", b"")[: _BODY_KEPT - len(body)])
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        finally:
            if trail.get("audited"):
                await run_in_threadpool(_write, scope, trail, bytes(body), status)


def _write(scope: Scope, trail: dict[str, Any], body: bytes, status: int) -> None:
    container = scope["app"].state.container
    route = getattr(scope.get("route"), "path", scope["path"])
    query = [pair.split("=")[0] for pair in scope.get("query_string", b"").decode().split("&")]
    try:
        with container.engine.begin() as conn:
            audit.record(
                conn,
                workspace_id=trail.get("workspace_id"),
                actor=trail.get("actor", "anonymous"),
                via="api",
                action=f"{scope['method']} {route}",
                resource=audit.resource_of(scope.get("path_params") or {}),
                summary=audit.summary(audit.fields_of(body), [q for q in query if q]),
                status=status,
                outcome=audit.outcome_of(status),
                at=container.clock(),
            )
    except Exception as exc:  # the answer is already sent: say loudly that the entry is lost
        log.error("audit entry not recorded", action=route, exc_info=exc)


@router.get("")
async def audit_entries(
    principal: AdminKey,
    container: ContainerDep,
    actor: Annotated[str | None, Query(max_length=120, description="part of the actor")] = None,
    action: Annotated[
        str | None, Query(max_length=200, description="part of the action: a method, a route")
    ] = None,
    outcome: Annotated[
        str | None, Query(pattern="^(ok|refused|rejected|failed)$", description="how it ended")
    ] = None,
    since: datetime | None = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="entries with a smaller id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Admin actions that changed something (or tried to), newest first: who (the key's id
    and label, or ``cli:<user>``), what (method and route, the ids in the path, the names of
    the fields sent, never their values), when and how it ended (``ok``, ``refused``: 401/403,
    ``rejected``: another 4xx, ``failed``: 5xx). ``before`` is the cursor (``next``)."""

    def read() -> list[dict[str, Any]]:
        with container.engine.connect() as conn:
            return audit.entries(
                conn,
                principal.workspace_id,
                actor=actor,
                action=action,
                outcome=outcome,
                since=since,
                before_id=before,
                limit=limit,
            )

    found = await run_in_threadpool(read)
    return {"entries": found, "next": found[-1]["id"] if len(found) == limit else None}
