"""Every error leaves as JSON naming the field: ``{"error", "message", "errors": [...]}``."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, OperationalError

from omniweave.api.responses import Json
from omniweave.core.errors import InvalidInput, OmniweaveError, RateLimited
from omniweave.ingest import metrics
from omniweave.ingest.segment import join_path
from omniweave.logs import log


def error_body(exc: OmniweaveError) -> dict:
    # "code" and "message" are what Segment's API answers; its SDKs read them.
    body: dict = {"error": exc.code, "code": exc.code, "message": str(exc)}
    if isinstance(exc, RateLimited):
        body["limit"] = exc.limit
        body["retryAfter"] = round(exc.retry_after, 3)
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
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
        return Json(error_body(exc), status_code=exc.status, headers=headers)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Json:
        """A value that passed validation but the store cannot hold (PostgreSQL refuses NUL
        characters in text, numbers beyond its types): the caller's input, so a 400."""
        metrics.rejected.labels(endpoint_label(request), "invalid_input").inc()
        reason = str(exc.orig).splitlines()[0] if exc.orig else "value out of range"
        log.info("request refused by the store", path=request.url.path, error=reason)
        return Json(
            {
                "error": "invalid_input",
                "code": "invalid_input",
                "message": f"body: a value the store cannot hold ({reason})",
                "errors": [{"field": "body", "message": reason}],
            },
            status_code=400,
        )

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Json:
        """SQLite's single writer still held after the busy timeout (a burst of background
        work on the embedded store): nothing was written, so the caller may retry; a 503
        with Retry-After says so. Any other operational error is unexpected."""
        if "database is locked" not in str(exc.orig):
            return await _unexpected(request, exc)
        metrics.rejected.labels(endpoint_label(request), "busy").inc()
        log.warning("store busy", path=request.url.path)
        body = {
            "error": "busy",
            "code": "busy",
            "message": "the store is busy with another write; nothing was stored, retry",
            "errors": [],
        }
        return Json(body, status_code=503, headers={"Retry-After": "1"})

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


class RefuseNul:
    """A NUL character in the path or the query string is refused with a 400 before routing:
    no identifier contains one, and PostgreSQL cannot store it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            field = (
                "path"
                if "\x00" in scope.get("path", "")
                else "query"
                if b"%00" in query or b"\x00" in query
                else None
            )
            if field is not None:
                body = InvalidInput.one(field, "contains a NUL character")
                response = Json(error_body(body), status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
