"""Segments, journeys, campaigns and templates: list, edit as YAML (or JSON) with errors shown
where they are, preview on real data, and act (start, pause, send a test)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from omniweave.core.errors import InvalidInput
from omniweave.messaging.requests import Origin, SendRequest
from omniweave.web import graph
from omniweave.web.auth import (
    Editor,
    Poster,
    Sender,
    UserDep,
    attempt,
    container_of,
    render,
)
from omniweave.web.lookup import find_profile

router = APIRouter(prefix="/ui", include_in_schema=False)

Text = Form("", max_length=100_000)


def parse_text(text: str, field: str) -> Any:
    """YAML (of which JSON is a part), or InvalidInput naming the line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML or JSON"
        raise InvalidInput.one(field, f"{problem}{where}") from None


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key and multi-line strings (a template's HTML) as ``|``
    blocks, as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def as_yaml(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def errors_fragment(request: Request, errors: list[dict[str, str]]) -> HTMLResponse:
    # 200 so that HTMX swaps it in: the errors are the answer to show, next to the editor.
    return render(request, "_errors.html", errors=errors)


def go(url: str) -> Response:
    """After a saving POST from HTMX: the browser loads the saved thing's page."""
    return HTMLResponse("", headers={"HX-Redirect": url})


# --- segments ---

SEGMENT_EXAMPLE = """all:
  - trait: {name: city, op: eq, value: Москва}
  - computed: {name: order_count, op: gte, value: 1}
"""


@router.get("/segments")
async def segments(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)
    found = await run_in_threadpool(c.segments.list, user.workspace_id)
    return render(request, "segments.html", active="segments", segments=found)


@router.get("/segments/{name}/size")
async def segment_size(request: Request, user: UserDep, name: str) -> HTMLResponse:
    c = container_of(request)
    found = {s["name"]: s for s in await run_in_threadpool(c.segments.list, user.workspace_id)}
    if name not in found:
        return HTMLResponse("—")
    size, errors = await attempt(
        c.segments.preview, user.workspace_id, found[name]["definition"], 0
    )
    return HTMLResponse("?" if errors else f"{size['size']:,}")


@router.get("/segments/edit")
async def segment_editor(request: Request, user: UserDep, name: str = "") -> HTMLResponse:
    c = container_of(request)
    existing = None
    if name:
        found = await run_in_threadpool(c.segments.list, user.workspace_id)
        existing = next((s for s in found if s["name"] == name), None)
    return render(
        request,
        "segment_edit.html",
        active="segments",
        name=name,
        description=(existing or {}).get("description") or "",
        definition=as_yaml(existing["definition"]) if existing else SEGMENT_EXAMPLE,
    )


@router.post("/segments/preview")
async def segment_preview(request: Request, user: Poster, definition: str = Text) -> HTMLResponse:
    c = container_of(request)
    try:
        parsed = parse_text(definition, "definition")
    except InvalidInput as exc:
        return errors_fragment(request, [e.as_dict() for e in exc.errors])
    found, errors = await attempt(c.segments.preview, user.workspace_id, parsed, 5)
    if errors:
        return errors_fragment(request, errors)
    return render(request, "_segment_size.html", preview=found)


@router.post("/segments")
async def segment_save(
    request: Request,
    user: Editor,
    name: str = Form(..., max_length=100),
    description: str = Form("", max_length=500),
    definition: str = Text,
) -> Response:
    c = container_of(request)
    try:
        parsed = parse_text(definition, "definition")
    except InvalidInput as exc:
        return errors_fragment(request, [e.as_dict() for e in exc.errors])
    _, errors = await attempt(
        c.segments.save, user.workspace_id, name.strip(), parsed, description or None
    )
    return errors_fragment(request, errors) if errors else go("/ui/segments")


# --- journeys ---

JOURNEY_EXAMPLE = """name: welcome
description: A first hello after sign-up.
trigger:
  event: {name: Signed Up}
steps:
  - id: hello
    send: {template: feedback}
"""


@router.get("/journeys")
async def journeys(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)
    found = await run_in_threadpool(c.journeys.list, user.workspace_id)
    return render(request, "journeys.html", active="journeys", journeys=found)


@router.get("/journeys/new")
async def journey_new(request: Request, user: UserDep) -> HTMLResponse:
    return render(
        request, "journey.html", active="journeys", j=None, text=JOURNEY_EXAMPLE, layout=None
    )


@router.get("/journeys/{name}")
async def journey(request: Request, user: UserDep, name: str) -> HTMLResponse:
    c = container_of(request)
    found, errors = await attempt(c.journeys.get, user.workspace_id, name)
    if found is None:
        return render(
            request, "error.html", status_code=404, title="No such journey", message=errors
        )
    runs = await run_in_threadpool(c.journeys.runs, user.workspace_id, name, 20)
    return render(
        request,
        "journey.html",
        active="journeys",
        j=found,
        text=as_yaml(found["definition"]),
        layout=graph.layout(found["definition"], found["steps"]),
        runs=runs,
    )


@router.post("/journeys")
async def journey_apply(request: Request, user: Editor, definition: str = Text) -> Response:
    c = container_of(request)
    try:
        parsed = parse_text(definition, "definition")
    except InvalidInput as exc:
        return errors_fragment(request, [e.as_dict() for e in exc.errors])
    found, errors = await attempt(c.journeys.apply, user.workspace_id, parsed)
    return errors_fragment(request, errors) if errors else go(f"/ui/journeys/{found['name']}")


@router.post("/journeys/{name}/{action}")
async def journey_status(request: Request, user: Editor, name: str, action: str) -> Response:
    c = container_of(request)
    if action not in ("pause", "resume"):
        return errors_fragment(request, [{"field": "action", "message": "pause or resume"}])
    status = "paused" if action == "pause" else "active"
    _, errors = await attempt(c.journeys.set_status, user.workspace_id, name, status)
    return errors_fragment(request, errors) if errors else go(f"/ui/journeys/{name}")


# --- templates and the preview on a real person ---

TEMPLATE_EXAMPLE = """name: hello
topic: marketing
channels:
  email:
    subject: "Hello, {{ profile | first_name_or('friend') }}"
    html: |
      <p>Nice to see you.</p>
      <p><a href="{{ message.unsubscribe_url }}">Unsubscribe</a></p>
  sms:
    text: "Hello from us"
"""


@router.get("/templates")
async def templates_page(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)
    found = await run_in_threadpool(c.messaging.templates, user.workspace_id)
    return render(request, "templates.html", active="templates", templates=found)


@router.get("/templates/edit")
async def template_editor(request: Request, user: UserDep, name: str = "") -> HTMLResponse:
    c = container_of(request)
    found = await run_in_threadpool(c.messaging.templates, user.workspace_id)
    existing = next((t for t in found if t["name"] == name), None)
    text = as_yaml(existing["definition"]) if existing else TEMPLATE_EXAMPLE
    return render(
        request, "template_edit.html", active="templates", name=name, text=text, t=existing
    )


@router.post("/templates")
async def template_save(request: Request, user: Editor, definition: str = Text) -> Response:
    c = container_of(request)
    try:
        parsed = parse_text(definition, "definition")
    except InvalidInput as exc:
        return errors_fragment(request, [e.as_dict() for e in exc.errors])
    found, errors = await attempt(c.messaging.save_template, user.workspace_id, parsed)
    if errors:
        return errors_fragment(request, errors)
    return go(f"/ui/templates/edit?name={found['name']}")


PIXEL = re.compile(r'<img src="[^"]*/o/[A-Za-z0-9_-]+\.gif"[^>]*>')


def _preview(c: Any, workspace_id: int, template: str, who: str) -> dict[str, Any]:
    """The preview without the open pixel: looking at it is not the person opening it."""
    profile = find_profile(c, workspace_id, who)
    found = c.messaging.preview(workspace_id, profile["id"], template)
    for content in found["content"].values():
        if isinstance(content, dict) and isinstance(content.get("html"), str):
            content["html"] = PIXEL.sub("", content["html"])
    return found


@router.post("/preview")
async def preview(
    request: Request,
    user: Poster,
    template: str = Form(..., max_length=64),
    who: str = Form(..., max_length=320),
) -> HTMLResponse:
    """The template rendered for a real person on every channel, with the decision."""
    c = container_of(request)
    found, errors = await attempt(_preview, c, user.workspace_id, template, who)
    if errors:
        return errors_fragment(request, errors)
    return render(request, "_preview.html", preview=found, template=template, who=who)


@router.post("/test-send")
async def test_send(
    request: Request,
    user: Sender,
    template: str = Form(..., max_length=64),
    who: str = Form(..., max_length=320),
    nonce: str = Form(..., min_length=8, max_length=64),
) -> HTMLResponse:
    """One message to one real person through the whole decision; the form's nonce makes a
    double submit one message."""
    c = container_of(request)

    def send() -> dict[str, Any]:
        profile = find_profile(c, user.workspace_id, who)
        req = SendRequest(
            template=template,
            key=f"ui:{user.workspace_id}:{nonce}",
            origin=Origin("api", f"test by {user.email}"[:100]),
            event={"event": "ui test send", "properties": {}},
        )
        return c.messaging.send(user.workspace_id, profile["id"], req)

    row, errors = await attempt(send)
    if errors:
        return errors_fragment(request, errors)
    return render(request, "_sent.html", row=row)


# --- campaigns ---


@router.get("/campaigns")
async def campaigns(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)

    def read() -> dict[str, Any]:
        return {
            "campaigns": c.campaigns.list(user.workspace_id),
            "segments": [s["name"] for s in c.segments.list(user.workspace_id)],
            "templates": [t["name"] for t in c.messaging.templates(user.workspace_id)],
        }

    return render(request, "campaigns.html", active="campaigns", **await run_in_threadpool(read))


@router.post("/campaigns")
async def campaign_save(
    request: Request,
    user: Editor,
    name: str = Form(..., max_length=64),
    segment: str = Form(..., max_length=100),
    template: str = Form(..., max_length=64),
    holdout: float = Form(0),
    per_minute: str = Form(""),
    send_time_optimisation: bool = Form(False),
) -> Response:
    c = container_of(request)
    body: dict[str, Any] = {
        "name": name.strip(),
        "segment": segment,
        "template": template,
        "holdout": holdout,
        "send_time_optimisation": send_time_optimisation,
    }
    if per_minute.strip():
        body["per_minute"] = per_minute.strip()
    found, errors = await attempt(c.campaigns.save, user.workspace_id, body)
    return errors_fragment(request, errors) if errors else go(f"/ui/campaigns/{found['name']}")


@router.get("/campaigns/{name}")
async def campaign(request: Request, user: UserDep, name: str) -> HTMLResponse:
    c = container_of(request)
    found, errors = await attempt(c.campaigns.report, user.workspace_id, name)
    if found is None:
        return render(
            request, "error.html", status_code=404, title="No such campaign", message=errors
        )
    return render(
        request, "campaign.html", active="campaigns", cp=found, nonce=secrets.token_urlsafe(12)
    )


@router.get("/data/campaigns/{name}")
async def campaign_data(request: Request, user: UserDep, name: str) -> JSONResponse:
    c = container_of(request)
    found, errors = await attempt(c.campaigns.report, user.workspace_id, name)
    if found is None:
        return JSONResponse({"errors": errors}, status_code=404)
    report = found["report"]
    channels = sorted(report["byChannel"])
    statuses = sorted({s for ch in report["byChannel"].values() for s in ch})
    return JSONResponse(
        {
            "channels": channels,
            "series": [
                {"name": s, "values": [report["byChannel"][ch].get(s, 0) for ch in channels]}
                for s in statuses
            ],
            "byStatus": report["byStatus"],
        }
    )


@router.post("/campaigns/{name}/start")
async def campaign_start(
    request: Request, user: Sender, name: str, at: str = Form("", max_length=40)
) -> Response:
    c = container_of(request)
    when = None
    if at.strip():
        try:
            when = datetime.fromisoformat(at.strip())
        except ValueError:
            return errors_fragment(request, [{"field": "at", "message": "a date and time"}])
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    _, errors = await attempt(c.campaigns.start, user.workspace_id, name, when)
    return errors_fragment(request, errors) if errors else go(f"/ui/campaigns/{name}")


@router.post("/campaigns/{name}/cancel")
async def campaign_cancel(request: Request, user: Sender, name: str) -> Response:
    c = container_of(request)
    _, errors = await attempt(c.campaigns.cancel, user.workspace_id, name)
    return errors_fragment(request, errors) if errors else go(f"/ui/campaigns/{name}")
