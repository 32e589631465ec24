"""Probes and metrics: no key needed."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep
from omniweave.api.responses import Json
from omniweave.store.migrate import current_revision, head_revision

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(container: ContainerDep) -> Response:
    """The store answers and its schema is at the latest migration."""

    def check() -> tuple[bool, dict[str, str | None]]:
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_revision(container.engine), head_revision()
        return current == head, {"schema": current, "expected": head}

    try:
        ok, detail = await run_in_threadpool(check)
    except Exception as exc:  # the probe reports any failure to reach the store
        return Json({"status": "unavailable", "error": str(exc)}, status_code=503)
    body = {"status": "ready" if ok else "migrations pending", **detail}
    return Json(body, status_code=200 if ok else 503)


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus text exposition of the process's counters and histograms."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
