"""Promotions and loyalty: promotions as YAML with versions, the price of a cart asked of the
same ``PricingService.calculate`` the till uses (every promotion's verdict with its reason),
coupon pools with their codes, and the loyalty programme."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from omniweave.core.errors import InvalidInput
from omniweave.ingest.segment import pydantic_errors
from omniweave.pricing.coupon_service import CodesBody, IssueBody, PoolBody
from omniweave.pricing.requests import CalculateRequest
from omniweave.web import shop_data
from omniweave.web.auth import Editor, Poster, UserDep, attempt, container_of, render
from omniweave.web.lookup import find_profile
from omniweave.web.orchestration import as_yaml, errors_fragment, go, parse_text

router = APIRouter(prefix="/ui", include_in_schema=False)

KEY = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
CHANNELS = ("site", "app", "pos", "callcenter", "marketplace", "messenger")
CUSTOMER_KINDS = ("email", "phone", "loyaltyCard", "userId", "profileId")

PROMOTION_EXAMPLE = """key: lunch-15
name: Lunch 15% off pizzas
description: Weekdays at lunch, in every store.
priority: 10
group: lunch
when:
  channels: [pos, site, app]
  starts: 2026-01-01T00:00:00
  ends: 2027-01-01T00:00:00
target:
  categories: [pizza]
effect: {type: percent, percent: 15}
"""


def _bad_key(key: str) -> list[dict[str, str]]:
    if KEY.fullmatch(key):
        return []
    return [{"field": "key", "message": "letters, digits, '_', '.' or '-', at most 100"}]


# --- promotions ---


@router.get("/promotions")
async def promotions(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)
    found = await run_in_threadpool(c.promotions.list, user.workspace_id)
    now, zone = c.clock(), c.settings.pricing_timezone
    rows = [
        {
            **p,
            "state": shop_data.promotion_state(p["definition"], now, zone),
            "effect": shop_data.effect_text(p["definition"].get("effect") or {}),
        }
        for p in found
    ]
    rows.sort(key=lambda p: (-int(p["definition"].get("priority", 0)), p["key"]))
    return render(request, "promotions.html", active="promotions", tab="promotions", rows=rows)


@router.get("/promotions/edit")
async def promotion_editor(request: Request, user: UserDep, key: str = "") -> HTMLResponse:
    c = container_of(request)
    found = None
    if key:
        found, errors = await attempt(c.promotions.get, user.workspace_id, key[:100])
        if found is None:
            return render(
                request, "error.html", status_code=404, title="No such promotion", message=errors
            )
    definition = (found or {}).get("definition")
    text = as_yaml(definition) if definition else PROMOTION_EXAMPLE
    if found and not definition:  # deleted: offer the last version to bring back
        text = as_yaml(found["versions"][-1]["definition"])
    state = (
        shop_data.promotion_state(definition, c.clock(), c.settings.pricing_timezone)
        if definition
        else None
    )
    return render(
        request,
        "promotion_edit.html",
        active="promotions",
        tab="promotions",
        p=found,
        key=key,
        text=text,
        state=state,
    )


@router.post("/promotions")
async def promotion_save(
    request: Request, user: Editor, definition: str = Form("", max_length=100_000)
) -> Response:
    """A new version (the same definition again changes nothing); every wrong field named."""
    c = container_of(request)
    try:
        parsed = parse_text(definition, "definition")
    except InvalidInput as exc:
        return errors_fragment(request, [e.as_dict() for e in exc.errors])
    if isinstance(parsed, dict):
        parsed = {k: v for k, v in parsed.items() if k != "kind"}
    saved, errors = await attempt(c.promotions.put, user.workspace_id, None, parsed)
    if errors:
        return errors_fragment(request, errors)
    return go(f"/ui/promotions/edit?key={saved['key']}")


@router.post("/promotions/{key}/delete")
async def promotion_delete(request: Request, user: Editor, key: str) -> Response:
    """End the promotion; its versions stay and it can be saved again."""
    c = container_of(request)
    errors = _bad_key(key)
    if not errors:
        _, errors = await attempt(c.promotions.delete, user.workspace_id, key)
    return errors_fragment(request, errors) if errors else go("/ui/promotions")


# --- price a cart ---


def _pickers(c: Any, ws: int) -> dict[str, Any]:
    with c.engine.connect() as conn:
        return {"stores": shop_data.stores(conn, ws), "products": shop_data.products(conn, ws)}


@router.get("/pricing")
async def pricing(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)
    found = await run_in_threadpool(_pickers, c, user.workspace_id)
    return render(
        request,
        "pricing.html",
        active="promotions",
        tab="pricing",
        channels=CHANNELS,
        kinds=CUSTOMER_KINDS,
        **found,
    )


def calculate_request(
    skus: list[str],
    quantities: list[str],
    channel: str,
    store: str,
    kind: str,
    who: str,
    coupons: str,
    points: str,
) -> tuple[CalculateRequest, list[int]]:
    """The form as the till's request body, and which form row each request line is (empty
    rows are left out); wrong fields named as the API names them."""
    rows = [i for i, sku in enumerate(skus) if sku.strip()]
    lines = [
        {
            "sku": skus[i].strip(),
            "quantity": (quantities[i] if i < len(quantities) else "1").strip(),
        }
        for i in rows
    ]
    body: dict[str, Any] = {
        "lines": lines,
        "channel": channel,
        "coupons": [code for code in re.split(r"[\s,]+", coupons) if code],
    }
    if store.strip():
        body["store"] = store.strip()
    if who.strip():
        if kind not in CUSTOMER_KINDS:
            raise InvalidInput.one("customer", f"one of {', '.join(CUSTOMER_KINDS)}")
        body["customer"] = {kind: who.strip()}
    if points.strip():
        body["pointsToSpend"] = points.strip()
    try:
        return CalculateRequest.model_validate(body), rows
    except ValidationError as exc:
        raise InvalidInput([as_row(e, rows) for e in pydantic_errors(exc)]) from None


LINE = re.compile(r"^lines\[(\d+)\]")


def as_row(error: Any, rows: list[int]) -> Any:
    """``lines[2].sku`` of the request as the form's row it came from."""

    def field(name: str) -> str:
        found = LINE.match(name)
        if found and int(found[1]) < len(rows):
            return f"lines[{rows[int(found[1])]}]" + name[found.end() :]
        return name

    if isinstance(error, dict):
        return {**error, "field": field(error["field"])}
    return type(error)(field(error.field), error.message)


@router.post("/pricing")
async def price(
    request: Request,
    user: Poster,
    sku: list[str] = Form([]),
    quantity: list[str] = Form([]),
    channel: str = Form("pos", max_length=20),
    store: str = Form("", max_length=100),
    kind: str = Form("email", max_length=20),
    who: str = Form("", max_length=320),
    coupons: str = Form("", max_length=2000),
    points: str = Form("", max_length=20),
) -> HTMLResponse:
    """Asking a price writes nothing: every role may (as any API key may)."""
    c = container_of(request)

    def work() -> dict[str, Any]:
        body, rows = calculate_request(
            [s[:255] for s in sku[:500]], quantity[:500], channel, store, kind, who, coupons, points
        )
        try:
            found = c.pricing.calculate(user.workspace_id, body)
        except InvalidInput as exc:
            raise InvalidInput([as_row(e, rows) for e in exc.errors]) from None
        found["errors"] = [as_row(e, rows) for e in found["errors"]]
        for line in found["lines"]:
            line["line"] = rows[line["line"]]
        return found

    found, errors = await attempt(work)
    if errors:
        return errors_fragment(request, errors)
    return render(request, "_priced.html", r=found)


# --- coupons ---


@router.get("/coupons")
async def coupon_pools(request: Request, user: UserDep, pool: str = "") -> HTMLResponse:
    c = container_of(request)

    def read() -> dict[str, Any]:
        with c.engine.connect() as conn:
            found = shop_data.pools(conn, user.workspace_id)
            chosen = pool if any(p["key"] == pool for p in found) else ""
            codes = shop_data.recent_codes(conn, user.workspace_id, chosen) if chosen else []
        return {"pools": found, "pool": chosen, "codes": codes}

    return render(
        request,
        "coupons.html",
        active="promotions",
        tab="coupons",
        nonce=secrets.token_urlsafe(12),
        **await run_in_threadpool(read),
    )


def _when(value: str, field: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput.one(field, "a date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.post("/coupons")
async def pool_save(
    request: Request,
    user: Editor,
    key: str = Form(..., max_length=100),
    max_uses: str = Form("1", max_length=12),
    per_person: str = Form("", max_length=12),
    personal: bool = Form(False),
    valid_from: str = Form("", max_length=40),
    valid_until: str = Form("", max_length=40),
) -> Response:
    """Create or change a pool (saving the same again changes nothing)."""
    c = container_of(request)
    key = key.strip()

    def work() -> dict[str, Any]:
        if bad := _bad_key(key):
            raise InvalidInput.one(bad[0]["field"], bad[0]["message"])
        try:
            body = PoolBody.model_validate(
                {
                    "max_uses": max_uses.strip() or "1",
                    "per_person": per_person.strip() or None,
                    "personal": personal,
                    "valid_from": _when(valid_from, "valid_from"),
                    "valid_until": _when(valid_until, "valid_until"),
                }
            )
        except ValidationError as exc:
            raise InvalidInput(pydantic_errors(exc)) from None
        return c.coupons.save_pool(user.workspace_id, key, body)

    _, errors = await attempt(work)
    return errors_fragment(request, errors) if errors else go(f"/ui/coupons?pool={key}")


@router.post("/coupons/{key}/codes")
async def pool_codes(
    request: Request,
    user: Editor,
    key: str,
    batch: str = Form(..., max_length=100),
    count: str = Form("10", max_length=7),
) -> Response:
    """Generate ``count`` codes for a batch: the same batch again gives the same codes."""
    c = container_of(request)

    def work() -> dict[str, Any]:
        if bad := _bad_key(key):
            raise InvalidInput.one(bad[0]["field"], bad[0]["message"])
        try:
            body = CodesBody.model_validate({"batch": batch.strip() or None, "count": count})
        except ValidationError as exc:
            raise InvalidInput(pydantic_errors(exc)) from None
        return c.coupons.add_codes(user.workspace_id, key, body)

    _, errors = await attempt(work)
    return errors_fragment(request, errors) if errors else go(f"/ui/coupons?pool={key}")


@router.post("/coupons/{key}/issue")
async def pool_issue(
    request: Request,
    user: Editor,
    key: str,
    who: str = Form(..., max_length=320),
    nonce: str = Form(..., min_length=8, max_length=64),
) -> HTMLResponse:
    """One code for one person found by any identifier; the form's nonce makes a double
    submit the same code."""
    c = container_of(request)

    def work() -> dict[str, Any]:
        if bad := _bad_key(key):
            raise InvalidInput.one(bad[0]["field"], bad[0]["message"])
        profile = find_profile(c, user.workspace_id, who)
        body = IssueBody(profileId=profile["id"], key=f"ui:{nonce}")
        return c.coupons.issue(user.workspace_id, key, body)

    found, errors = await attempt(work)
    if errors:
        return errors_fragment(request, errors)
    return render(request, "_issued.html", issued=found)


# --- loyalty ---


@router.get("/loyalty")
async def loyalty(request: Request, user: UserDep) -> HTMLResponse:
    c = container_of(request)
    programme = c.loyalty.loyalty

    def read() -> dict[str, Any]:
        with c.engine.connect() as conn:
            return shop_data.members(conn, user.workspace_id)

    settings = {
        "points per 100 paid (no tier)": programme.program.earn_percent,
        "at most paid with points": f"{programme.program.max_spend_percent}% of a cart",
        "tier window": f"{programme.window_days} days of spend",
        "points expire after": (
            f"{programme.expire_days} days" if programme.expire_days else "never"
        ),
        "birthday points": programme.birthday_points or "none",
        "time zone": c.settings.pricing_timezone,
    }
    return render(
        request,
        "loyalty.html",
        active="promotions",
        tab="loyalty",
        tiers=programme.tiers,
        settings=settings,
        members=await run_in_threadpool(read),
    )
