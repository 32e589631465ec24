"""What every UI route shares: the signed-in user, CSRF on every POST, role checks that
answer 403 with a message, and rendering a page or an HTMX fragment."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from omniweave.bootstrap import Container
from omniweave.core.errors import InvalidInput, OmniweaveError
from omniweave.web.users import Sessions, User, refusal

COOKIE = "ow_session"
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def show(value: Any) -> str:
    """A value as a person reads it: no Python reprs on the page."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict):
        return ", ".join(f"{k} {show(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value) or "—"
    return str(value)


templates.env.filters["show"] = show

# The side bar, in order (an entry whose address is None stays hidden).
NAV = [
    ("dashboard", "Dashboard", "/ui/"),
    ("customers", "Customers", "/ui/customers"),
    ("segments", "Segments", "/ui/segments"),
    ("journeys", "Journeys", "/ui/journeys"),
    ("campaigns", "Campaigns", "/ui/campaigns"),
    ("templates", "Templates", "/ui/templates"),
    ("channels", "Channels", "/ui/channels"),
    ("sources", "Sources & keys", "/ui/sources"),
    ("reviews", "Identity review", "/ui/identity/reviews"),
    ("promotions", "Promotions & loyalty", "/ui/promotions"),
    ("reports", "Attribution & reports", "/ui/reports"),
]


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, HTMX asks the browser to."""


class NotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def container_of(request: Request) -> Container:
    return request.app.state.container


def sessions_of(request: Request) -> Sessions:
    return request.app.state.ui_sessions


async def current_user(request: Request) -> User:
    cookie = request.cookies.get(COOKIE)
    sessions = sessions_of(request)
    user = await run_in_threadpool(sessions.user, cookie, container_of(request).clock())
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


UserDep = Annotated[User, Depends(current_user)]


async def _checked(request: Request, user: User) -> User:
    """A POST must carry the session's CSRF token (form field ``csrf`` or, from HTMX, the
    ``X-CSRF-Token`` header set once on the page's body)."""
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, user.csrf):
        raise NotAllowed("the form is stale or was not sent from this site (CSRF): reload")
    return user


def allowed(action: str):
    """A POST by a user whose role may do ``action``, with a valid CSRF token."""

    async def dependency(request: Request, user: UserDep) -> User:
        await _checked(request, user)
        if not user.may(action):
            raise NotAllowed(refusal(user.role, action))
        return user

    return dependency


async def posted(request: Request, user: UserDep) -> User:
    """A POST any signed-in role may make (e.g. a preview), CSRF-checked."""
    return await _checked(request, user)


Sender = Annotated[User, Depends(allowed("send"))]
Editor = Annotated[User, Depends(allowed("edit"))]
Reviewer = Annotated[User, Depends(allowed("review"))]
Poster = Annotated[User, Depends(posted)]


async def attempt(work: Any, *args: Any) -> tuple[Any, list[dict[str, str]]]:
    """Run a service call; a refusal comes back as its field errors for the page to show."""
    try:
        return await run_in_threadpool(work, *args), []
    except InvalidInput as exc:
        return None, [e.as_dict() for e in exc.errors]
    except OmniweaveError as exc:
        return None, [{"field": exc.code, "message": str(exc)}]


def render(request: Request, page: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    user: User | None = getattr(request.state, "user", None)
    context.setdefault("active", "")
    return templates.TemplateResponse(
        request,
        page,
        {"user": user, "nav": [n for n in NAV if n[2]], **context},
        status_code=status_code,
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def to_login(request: Request) -> RedirectResponse | HTMLResponse:
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if is_htmx(request):
        return HTMLResponse("", status_code=401, headers={"HX-Redirect": "/ui/login"})
    return RedirectResponse(f"/ui/login?next={target}", status_code=303)


def forbidden(request: Request, message: str) -> HTMLResponse:
    if is_htmx(request):
        return HTMLResponse(
            f'<div class="flash error" role="alert">{_escape(message)}</div>', status_code=403
        )
    return render(request, "error.html", status_code=403, title="Not allowed", message=message)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
