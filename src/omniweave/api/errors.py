"""Every error leaves as JSON naming the field: ``{"error", "message", "errors": [...]}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from omniweave.api.responses import Json
from omniweave.core.errors import InvalidInput, OmniweaveError
from omniweave.ingest import metrics
from omniweave.ingest.segment import join_path
from omniweave.logs import log


def error_body(exc: OmniweaveError) -> dict:
    # "code" and "message" are what Segment's API answers; its SDKs read them.
    body: dict = {"error": exc.code, "code": exc.code, "message": str(exc)}
    if isinstance(exc, InvalidInput):
        body["message"] = exc.summary
        body["errors"] = [e.as_dict() for e in exc.errors]
    return body


def endpoint_label(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "unmatched")


def install(app: FastAPI) -> None:
    @app.exception_handler(OmniweaveError)
    async def _known(request: Request, exc: OmniweaveError) -> Json:
        metrics.rejected.labels(endpoint_label(request), exc.code).inc()
        log.info("request refused", path=request.url.path, status=exc.status, error=str(exc))
        headers = {"WWW-Authenticate": "Basic"} if exc.status == 401 else None
        return Json(error_body(exc), status_code=exc.status, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Json:
        log.error("request failed", path=request.url.path, exc_info=exc)
        return Json(
            {
                "error": "internal",
                "code": "internal",
                "message": "an unexpected error; it has been logged",
            },
            status_code=500,
        )

    @app.exception_handler(RequestValidationError)
    async def _fastapi(request: Request, exc: RequestValidationError) -> Json:
        errors = []
        for item in exc.errors():
            path = ""
            for part in item["loc"]:
                path = f"{path}[{part}]" if isinstance(part, int) else join_path(path, str(part))
            errors.append({"field": path or "body", "message": item["msg"]})
        metrics.rejected.labels(endpoint_label(request), "invalid_input").inc()
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return Json(
            {
                "error": "invalid_input",
                "code": "invalid_input",
                "message": message,
                "errors": errors,
            },
            status_code=400,
        )
