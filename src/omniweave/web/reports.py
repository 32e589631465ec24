"""Attribution and reports: conversions and revenue credited to channels or campaigns by the
model chosen (with the rule and the paths behind it, and a chart), and a campaign's report
(funnel per channel, cost and the saving against SMS, holdout uplift with its interval)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from omniweave.web.auth import UserDep, attempt, container_of, render

router = APIRouter(prefix="/ui", include_in_schema=False)

MODELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "last_non_direct": "Last non-direct",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position based",
    "markov": "Markov chain",
    "shapley": "Shapley value",
}
PERIODS = (7, 30, 90, 365)


def _choice(model: str, by: str, days: int) -> tuple[str, str, int]:
    return (
        model if model in MODELS else "markov",
        by if by in ("channel", "campaign") else "channel",
        days if days in PERIODS else 90,
    )


def _attribution(c: Any, ws: int, model: str, by: str, days: int) -> dict[str, Any]:
    end = c.clock()
    return c.analytics.attribution(ws, model, by=by, start=end - timedelta(days=days), end=end)


@router.get("/reports")
async def reports(
    request: Request, user: UserDep, model: str = "markov", by: str = "channel", days: int = 90
) -> HTMLResponse:
    c = container_of(request)
    model, by, days = _choice(model, by, days)
    found, errors = await attempt(_attribution, c, user.workspace_id, model, by, days)
    listed = await run_in_threadpool(c.campaigns.list, user.workspace_id)
    return render(
        request,
        "reports.html",
        active="reports",
        models=MODELS,
        periods=PERIODS,
        model=model,
        by=by,
        days=days,
        a=found,
        errors=errors,
        campaigns=listed,
    )


@router.get("/data/attribution")
async def attribution_data(
    request: Request, user: UserDep, model: str = "markov", by: str = "channel", days: int = 90
) -> JSONResponse:
    """The chart's numbers: conversions and revenue credited to each channel or campaign."""
    c = container_of(request)
    model, by, days = _choice(model, by, days)
    found, errors = await attempt(_attribution, c, user.workspace_id, model, by, days)
    if found is None:
        return JSONResponse({"errors": errors}, status_code=400)
    credits = found["credits"]
    return JSONResponse(
        {
            "labels": [x["channel"] for x in credits],
            "conversions": [round(x["conversions"], 3) for x in credits],
            "revenue": [round(x["value"], 2) for x in credits],
        }
    )


@router.get("/reports/campaigns/{name}")
async def campaign_report(request: Request, user: UserDep, name: str) -> HTMLResponse:
    c = container_of(request)
    found, errors = await attempt(c.analytics.campaign_report, user.workspace_id, name[:64])
    if found is None:
        return render(
            request, "error.html", status_code=404, title="No such campaign", message=errors
        )
    return render(request, "campaign_report.html", active="reports", r=found)
