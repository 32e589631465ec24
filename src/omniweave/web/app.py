"""The marketer's web UI under ``/ui``: ``mount(app)`` adds the pages, the small JSON
endpoints the charts read (``/ui/data/...``) and the vendored assets to the API's app.

Pages call the services of the container, as the JSON API does; none is in the OpenAPI
schema. Sign-in, roles and CSRF are in ``auth`` and ``users``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.web import data, orchestration, reports, shop
from omniweave.web.auth import (
    COOKIE,
    HERE,
    Editor,
    LoginRequired,
    NotAllowed,
    Reviewer,
    UserDep,
    attempt,
    container_of,
    forbidden,
    render,
    sessions_of,
    to_login,
)
from omniweave.web.lookup import find_profile
from omniweave.web.users import Sessions, Throttled, session_secret

router = APIRouter(prefix="/ui", include_in_schema=False)


def mount(app: FastAPI) -> FastAPI:
    """Add the UI to an app built by ``omniweave.api.app.create_app``."""
    container = app.state.container
    settings = container.settings
    secret = session_secret(container.engine, settings.session_secret, container.clock())
    app.state.ui_sessions = Sessions(
        container.engine, secret, timedelta(hours=settings.session_hours)
    )
    app.mount("/ui/static", StaticFiles(directory=str(HERE / "static")), name="ui-static")
    app.include_router(router)
    app.include_router(orchestration.router)
    app.include_router(shop.router)
    app.include_router(reports.router)
    app.add_exception_handler(LoginRequired, lambda request, _exc: to_login(request))
    app.add_exception_handler(NotAllowed, lambda request, exc: forbidden(request, exc.message))
    return app


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- sign-in ---


@router.get("/login")
async def login_form(request: Request, next: str = "/ui/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), errors=[])


@router.post("/login")
async def login(
    request: Request,
    email: str = Form(..., max_length=320),
    password: str = Form(..., max_length=1000),
    next: str = Form("/ui/"),
) -> Response:
    sessions: Sessions = sessions_of(request)
    now = container_of(request).clock()
    try:
        cookie, _user = await run_in_threadpool(
            sessions.login, email, password, client_ip(request), now
        )
    except InvalidInput as exc:
        status = 429 if isinstance(exc, Throttled) else 400
        errors = [e.as_dict() for e in exc.errors]
        return render(
            request,
            "login.html",
            status_code=status,
            next=_safe_next(next),
            errors=errors,
            email=email,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(sessions.lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/ui",
    )
    return response


def _safe_next(target: str) -> str:
    """Only a path inside the UI: never an open redirect."""
    return target if target.startswith("/ui") and not target.startswith("//") else "/ui/"


@router.post("/logout")
async def logout(request: Request, user: UserDep, csrf: str = Form("")) -> Response:
    if csrf != user.csrf:
        raise NotAllowed("the form is stale (CSRF): reload")
    await run_in_threadpool(sessions_of(request).logout, user)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(COOKIE, path="/ui")
    return response


# --- dashboard ---


@router.get("/")
async def dashboard(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)

    def read() -> dict[str, Any]:
        with c.engine.connect() as conn:
            return {
                "health": data.source_health(conn, user.workspace_id),
                "alerts": [a for a in data.alerts(conn, 20) if a["resolved_at"] is None],
                "sends": data.sends_by_channel(conn, user.workspace_id, c.clock()),
            }

    found = await run_in_threadpool(read)
    return render(request, "dashboard.html", active="dashboard", **found)


@router.get("/data/events-per-minute")
async def events_per_minute(request: Request, user: UserDep) -> JSONResponse:
    c = container_of(request)

    def read() -> dict[str, Any]:
        with c.engine.connect() as conn:
            return data.events_per_minute(conn, user.workspace_id, c.clock())

    return JSONResponse(await run_in_threadpool(read))


@router.get("/data/sends-by-channel")
async def sends_by_channel(request: Request, user: UserDep) -> JSONResponse:
    c = container_of(request)

    def read() -> dict[str, Any]:
        with c.engine.connect() as conn:
            return data.sends_by_channel(conn, user.workspace_id, c.clock())

    return JSONResponse(await run_in_threadpool(read))


@router.get("/data/revenue")
async def revenue(request: Request, user: UserDep) -> JSONResponse:
    c = container_of(request)

    def read() -> dict[str, Any]:
        with c.engine.connect() as conn:
            return data.revenue_by_day(conn, user.workspace_id, c.clock())

    return JSONResponse(await run_in_threadpool(read))


# --- customer 360 ---


@router.get("/customers")
async def customers(request: Request, user: UserDep, q: str = "") -> Response:
    c = container_of(request)
    if not q.strip():
        return render(request, "customers.html", active="customers", q=q, errors=[])
    found, errors = await attempt(find_profile, c, user.workspace_id, q[:320])
    if found is None:
        return render(request, "customers.html", active="customers", q=q, errors=errors)
    return RedirectResponse(f"/ui/customers/{found['id']}", status_code=303)


@router.get("/customers/{profile_id}")
async def customer(request: Request, user: UserDep, profile_id: str) -> HTMLResponse:
    c = container_of(request)
    profile, errors = await attempt(c.profiles.profile, user.workspace_id, profile_id[:64])
    if profile is None:
        return render(
            request, "error.html", status_code=404, title="No such customer", message=errors
        )

    def more() -> dict[str, Any]:
        from omniweave.messaging import reads

        ws, pid = user.workspace_id, profile["id"]
        timeline = c.identity.events(ws, pid, None, 100)["events"]
        with c.engine.connect() as conn:
            sent = reads.listing(conn, ws, {"profile_id": pid}, None, 100)
        return {
            "timeline": timeline,
            "sent": sent["messages"],
            "loyalty": c.loyalty.account(ws, pid, 50),
            "cart": c.carts.cart(ws, pid),
            "histories": _order_histories(c, ws, profile.get("orders") or []),
            "path": c.analytics.profile_path(ws, pid),
        }

    return render(
        request, "customer.html", active="customers", p=profile, **await run_in_threadpool(more)
    )


def _order_histories(c: Any, ws: int, orders: list[dict[str, Any]]) -> dict[str, Any]:
    """Each of the latest orders' statuses with the rule behind each move."""
    found = {}
    for order in orders[:20]:
        order_id = order.get("order_id")
        if order_id:
            try:
                found[order_id] = c.orders.history(ws, order_id)["transitions"]
            except NotFound:
                continue
    return found


@router.post("/customers/{profile_id}/split")
async def split(
    request: Request,
    user: Editor,
    profile_id: str,
    merge_id: int = Form(..., ge=1, le=2**63 - 1),
    reason: str = Form("", max_length=500),
) -> HTMLResponse:
    """Undo a merge: the merged profile gets its identities, events and orders back."""
    c = container_of(request)
    done, errors = await attempt(
        c.identity.split,
        user.workspace_id,
        profile_id[:64],
        merge_id,
        reason.strip() or f"split by {user.email} in the UI",
    )
    if errors:
        return render(request, "_errors.html", errors=errors)
    return HTMLResponse("", headers={"HX-Redirect": f"/ui/customers/{done['profile']}"})


# --- channels, sources, identity review ---


@router.get("/channels")
async def channels(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)
    s = c.settings
    configured = {
        name: getattr(c.channels, name) is not None for name in c.channels.__dataclass_fields__
    }
    policy = {
        "cascade": s.send_cascade,
        "costs": s.channel_costs or "(none set)",
        "caps": s.frequency_caps or "(none)",
        "quiet hours": s.quiet_hours or "(none)",
        "default time zone": s.default_timezone,
        "rate limits": s.channel_rate_limits or "(not limited)",
        "prefer the person's channel": s.prefer_preferred_channel,
        "prefer the cheapest": s.prefer_cheapest,
    }
    return render(request, "channels.html", active="channels", configured=configured, policy=policy)


@router.get("/sources")
async def sources_page(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)

    def read() -> dict[str, Any]:
        with c.engine.connect() as conn:
            return {
                "health": data.source_health(conn, user.workspace_id),
                "keys": data.keys(conn, user.workspace_id),
                "alerts": data.alerts(conn, 100),
            }

    return render(request, "sources.html", active="sources", **await run_in_threadpool(read))


@router.get("/identity/reviews")
async def reviews(request: Request, user: UserDep, status: str = "pending") -> HTMLResponse:
    c = container_of(request)
    status = status if status in ("pending", "approved", "rejected") else "pending"
    found = await run_in_threadpool(c.identity.reviews, user.workspace_id, status, 100)
    return render(request, "reviews.html", active="reviews", reviews=found, status=status)


@router.post("/identity/reviews/{review_id}")
async def decide_review(
    request: Request, user: Reviewer, review_id: int, decision: str = Form(...)
) -> HTMLResponse:
    c = container_of(request)
    if decision not in ("approve", "reject"):
        return HTMLResponse('<div class="flash error">decision: approve or reject</div>', 400)
    result, errors = await attempt(
        c.identity.decide,
        user.workspace_id,
        review_id,
        decision == "approve",
        f"ui user {user.email}",
    )
    if errors:
        return render(request, "_errors.html", status_code=400, errors=errors)
    done = "approved: the two profiles are one" if result["status"] == "approved" else "rejected"
    return HTMLResponse(f'<div class="flash ok">review #{review_id} {done}</div>')
