"""Measure: a person's path to each purchase, and multi-touch attribution over the workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import ContainerDep, ReadKey
from omniweave.core.time import as_utc

router = APIRouter(tags=["analytics"])

Model = Literal[
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "position_based",
    "time_decay",
    "markov",
    "shapley",
]
By = Literal["channel", "campaign"]


@router.get("/api/profiles/{profile_id}/path")
async def profile_path(
    profile_id: str,
    principal: ReadKey,
    container: ContainerDep,
    by: By = "channel",
) -> dict[str, Any]:
    """The person's touches (UTM visits, messages sent, opened and clicked, store visits and
    orders), across every merged profile, up to each paid order; then the open path."""
    return await run_in_threadpool(
        container.analytics.profile_path, principal.workspace_id, profile_id, by
    )


@router.get("/api/analytics/attribution")
async def attribution(
    principal: ReadKey,
    container: ContainerDep,
    model: Model = "markov",
    order: Annotated[int, Query(ge=1, le=3)] = 1,
    by: By = "channel",
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Conversions and revenue of the period credited to channels or campaigns by a model
    (Markov: exact removal effects of order 1-3; Shapley: exact), with the paths behind it."""
    return await run_in_threadpool(
        lambda: container.analytics.attribution(
            principal.workspace_id,
            model,
            order=order,
            by=by,
            start=as_utc(start) if start else None,
            end=as_utc(end) if end else None,
        )
    )


Days = Annotated[int | None, Query(ge=1, le=365)]
Planned = Annotated[int | None, Query(ge=1, le=1_000_000_000)]


@router.get("/api/reports/campaigns/{name}")
async def campaign_report(
    name: str,
    principal: ReadKey,
    container: ContainerDep,
    days: Days = None,
    planned: Planned = None,
) -> dict[str, Any]:
    """Sent, delivered, opened, clicked, converted (a paid order within ``days``), revenue and
    unsubscribed per channel; cost and the saving against SMS to all; holdout uplift with its
    95% interval. ``planned``: the people per group planned, for the peeking caveat."""
    return await run_in_threadpool(
        container.analytics.campaign_report, principal.workspace_id, name, days, planned
    )


@router.get("/api/reports/journeys/{name}")
async def journey_report(
    name: str,
    principal: ReadKey,
    container: ContainerDep,
    days: Days = None,
    planned: Planned = None,
) -> dict[str, Any]:
    """The journey's funnel per step and channel, cost and saving, holdout uplift over its
    runs, and the A/B test of its split variants with the peeking caveat."""
    return await run_in_threadpool(
        container.analytics.journey_report, principal.workspace_id, name, days, planned
    )


@router.get("/api/analytics/predicted-value")
async def predicted_value(
    principal: ReadKey,
    container: ContainerDep,
    horizon_days: Annotated[int, Query(ge=1, le=3650)] = 365,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
    profile: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """BG/NBD and Gamma-Gamma fitted on the workspace's paid orders: the parameters, and per
    customer (the most valuable first, or the one ``profile``) expected orders, P(alive) and
    predicted value over ``horizon_days``."""
    return await run_in_threadpool(
        container.analytics.predicted_value, principal.workspace_id, horizon_days, limit, profile
    )


@router.get("/api/reports/customers")
async def customers_report(
    principal: ReadKey,
    container: ContainerDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Retention cohorts by first-order month, paid sales by channel and store, NPS and CSAT
    from ``Survey Answered`` tracks, and customers per RFM segment."""
    return await run_in_threadpool(
        container.analytics.customers_report,
        principal.workspace_id,
        as_utc(start) if start else None,
        as_utc(end) if end else None,
    )
