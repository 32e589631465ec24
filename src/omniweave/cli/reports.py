"""``omniweave report attribution|paths|campaign|journey``: the Measure reports in a terminal,
as JSON, exported to CSV or Parquet, and drawn as PNG or SVG charts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from omniweave.analytics.attribution import MODELS, attribute
from omniweave.analytics.export import bar_chart, write_rows
from omniweave.analytics.service import paths_of
from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, emit_json, emit_table, errors, fail
from omniweave.core.errors import OmniweaveError
from omniweave.core.time import as_utc

report_app = typer.Typer(
    help="Measure: attribution, paths, campaign and journey reports.", no_args_is_help=True
)

OutputOpt = typer.Option(None, "--output", "-o", help="Write the rows to a .csv or .parquet file.")
ChartOpt = typer.Option(None, "--chart", help="Draw the report to a .png or .svg file.")
FromOpt = typer.Option(None, "--from", help="Start of the period (default: 90 days before --to).")
ToOpt = typer.Option(None, "--to", help="End of the period (default: now).")
DaysOpt = typer.Option(None, "--days", help="Attribution window in days (default: the setting).")
PlannedOpt = typer.Option(None, "--planned", help="People per group planned (peeking caveat).")


def _steps(total: int) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def _finish(rows: list[dict[str, Any]], output: Path | None) -> None:
    if output is not None:
        write_rows(rows, output)


@report_app.command("attribution")
def attribution(
    model: str = typer.Option("markov", help=f"One of {', '.join(MODELS)}."),
    order: int = typer.Option(1, min=1, max=3, help="Markov order."),
    by: str = typer.Option("channel", help="channel or campaign."),
    start: datetime = FromOpt,
    end: datetime = ToOpt,
    workspace: str = WorkspaceOpt,
    output: Path = OutputOpt,
    chart: Path = ChartOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Credit the period's conversions and revenue to channels or campaigns by a model."""
    c = container()
    ws = find_workspace(workspace)
    try:
        with _steps(3) as progress:
            task = progress.add_task("copying the store into DuckDB, building paths", total=3)
            begin, finish = c.analytics.window(_utc(start), _utc(end))
            table = c.analytics.path_table(ws, by, begin, finish)
            progress.update(task, advance=1, description=f"{model} over {len(table)} paths")
            result = attribute(paths_of(table), model, order=order)
            progress.update(task, advance=1, description="writing")
            rows = result.as_dict()["credits"]
            _finish(rows, output)
            if chart is not None:
                title = f"{model} attribution by {by}: share of {result.total_conversions:g}"
                bar_chart(
                    title,
                    [r["channel"] for r in rows],
                    {"share": [r["share"] for r in rows]},
                    chart,
                )
            progress.update(task, advance=1)
    except OmniweaveError as error:
        raise fail(str(error), 2) from None
    if as_json:
        emit_json({"from": begin, "to": finish, "by": by, **result.as_dict()})
    else:
        emit_table(
            f"{model} attribution by {by}", rows, ["channel", "conversions", "value", "share"]
        )


@report_app.command("paths")
def paths(
    by: str = typer.Option("channel", help="channel or campaign."),
    start: datetime = FromOpt,
    end: datetime = ToOpt,
    workspace: str = WorkspaceOpt,
    output: Path = OutputOpt,
    as_json: bool = JsonFlag,
) -> None:
    """The path table: each distinct path with its conversions, revenue and non-conversions."""
    c = container()
    ws = find_workspace(workspace)
    try:
        begin, finish = c.analytics.window(_utc(start), _utc(end))
        rows = c.analytics.path_table(ws, by, begin, finish)
        _finish(rows, output)
    except OmniweaveError as error:
        raise fail(str(error), 2) from None
    if as_json:
        emit_json({"from": begin, "to": finish, "by": by, "paths": rows})
    else:
        emit_table(f"paths by {by}", rows, ["path", "conversions", "value", "nulls"])


@report_app.command("campaign")
def campaign(
    name: str,
    days: int = DaysOpt,
    planned: int = PlannedOpt,
    workspace: str = WorkspaceOpt,
    output: Path = OutputOpt,
    chart: Path = ChartOpt,
    as_json: bool = JsonFlag,
) -> None:
    """A campaign's funnel per channel, cost and saving against SMS, and holdout uplift."""
    _origin_report("campaign", name, days, planned, workspace, output, chart, as_json)


@report_app.command("journey")
def journey(
    name: str,
    days: int = DaysOpt,
    planned: int = PlannedOpt,
    workspace: str = WorkspaceOpt,
    output: Path = OutputOpt,
    chart: Path = ChartOpt,
    as_json: bool = JsonFlag,
) -> None:
    """A journey's funnel per step and channel, cost, holdout uplift and A/B test."""
    _origin_report("journey", name, days, planned, workspace, output, chart, as_json)


STAGES = ("sent", "delivered", "opened", "clicked", "converted")


def _origin_report(kind, name, days, planned, workspace, output, chart, as_json) -> None:
    c = container()
    ws = find_workspace(workspace)
    build = c.analytics.campaign_report if kind == "campaign" else c.analytics.journey_report
    try:
        with _steps(1) as progress:
            progress.add_task(f"measuring {kind} {name}", total=1)
            found = build(ws, name, days, planned)
        key = "byChannel" if kind == "campaign" else "byStep"
        rows = [{key[2:].lower(): k, **v} for k, v in found[key].items()]
        _finish(rows, output)
        if chart is not None:
            labels = [r[key[2:].lower()] for r in rows]
            bar_chart(f"{kind} {name}", labels, {s: [r[s] for r in rows] for s in STAGES}, chart)
    except OmniweaveError as error:
        raise fail(str(error), 2) from None
    if as_json:
        emit_json(found)
        return
    emit_table(
        f"{kind} {name}", rows, [key[2:].lower(), *STAGES, "revenue", "unsubscribed", "cost"]
    )
    holdout = found["holdout"]["uplift"]
    typer.echo(
        f"holdout uplift {holdout['estimate']:+.4f} (95% {holdout['low']:+.4f} to "
        f"{holdout['high']:+.4f}); saved against SMS to all: {found['report']['saved']}"
    )


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


@report_app.command("clv")
def clv(
    horizon_days: int = typer.Option(365, min=1, max=3650, help="Predict this many days ahead."),
    limit: int = typer.Option(20, min=1, help="Customers to print (the file gets them all)."),
    workspace: str = WorkspaceOpt,
    output: Path = OutputOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Fit BG/NBD and Gamma-Gamma on the paid orders; each customer's predicted value."""
    c = container()
    ws = find_workspace(workspace)
    try:
        with _steps(1) as progress:
            progress.add_task("fitting BG/NBD and Gamma-Gamma", total=1)
            found = c.analytics.predicted_value(ws, horizon_days, limit=10**9)
        _finish(found["customers"], output)
    except OmniweaveError as error:
        raise fail(str(error), 2) from None
    shown = {**found, "customers": found["customers"][:limit]}
    if as_json:
        emit_json(shown)
        return
    if found["model"] is None:
        typer.echo(found["reason"])
        return
    emit_table(
        f"predicted value over {horizon_days} days",
        shown["customers"],
        ["profileId", "repeatOrders", "pAlive", "expectedOrders", "predictedValue"],
    )


@report_app.command("customers")
def customers(
    start: datetime = FromOpt,
    end: datetime = ToOpt,
    workspace: str = WorkspaceOpt,
    output: Path = OutputOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Retention cohorts, sales by channel and store, NPS and CSAT, the RFM distribution."""
    c = container()
    ws = find_workspace(workspace)
    try:
        found = c.analytics.customers_report(ws, _utc(start), _utc(end))
        _finish(found["sales"], output)
    except OmniweaveError as error:
        raise fail(str(error), 2) from None
    if as_json:
        emit_json(found)
        return
    emit_table(
        "sales by channel and store",
        found["sales"],
        ["channel", "store", "orders", "revenue", "customers"],
    )
    cohorts = [
        {
            "cohort": r["cohort"],
            "people": r["people"],
            "retention": " ".join(f"{s:.0%}" for s in r["retention"]),
        }
        for r in found["cohorts"]
    ]
    emit_table("retention by first-order month", cohorts, ["cohort", "people", "retention"])
    emit_json({"satisfaction": found["satisfaction"], "rfm": found["rfm"]})
