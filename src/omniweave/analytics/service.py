"""Measure's use cases: a person's path, the workspace's path table and its attribution."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from omniweave.analytics.attribution import MODELS, attribute
from omniweave.analytics.customer_reports import (
    cohorts_sql,
    retention,
    rfm_distribution,
    sales_sql,
    satisfaction,
    survey_sql,
)
from omniweave.analytics.model import Path, parse_path
from omniweave.analytics.paths_sql import DUCKDB, SEP, SPARK, path_table_sql
from omniweave.analytics.person_path import person_paths
from omniweave.analytics.predicted import predict
from omniweave.analytics.report_sql import customers_sql, message_facts_sql, people_sql
from omniweave.analytics.reports import funnel, people_numbers
from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.identity.graph_repo import root_of
from omniweave.identity.profile_view import workspace_of
from omniweave.journeys.service import JourneyService
from omniweave.messaging import reads as message_reads
from omniweave.messaging.campaigns import CampaignService
from omniweave.store.message_tables import messages
from omniweave.store.trait_tables import computed_traits

BY = ("channel", "campaign")
DEFAULT_DAYS = 90


class AnalyticsService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        campaigns: CampaignService,
        journeys: JourneyService,
        window_days: int = 7,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.campaigns = campaigns
        self.journeys = journeys
        self.window_days = window_days

    def campaign_report(
        self, workspace_id: int, name: str, days: int | None = None, planned: int | None = None
    ) -> dict[str, Any]:
        """The campaign's numbers (messages, cost, saving against SMS to all) with the funnel
        per channel, conversions and revenue in the window, unsubscribes and holdout uplift."""
        found = self.campaigns.report(workspace_id, name)
        return {**found, **self._measured(workspace_id, "campaign", name, days, planned)}

    def journey_report(
        self, workspace_id: int, name: str, days: int | None = None, planned: int | None = None
    ) -> dict[str, Any]:
        """The journey's funnel per step and channel, cost and saving against SMS to all, the
        holdout uplift over its runs and the A/B test of its variants."""
        journey = self.journeys.get(workspace_id, name)
        where = (messages.c.origin == "journey") & (messages.c.origin_name == name)
        where &= messages.c.workspace_id == workspace_id
        sms = self.campaigns.messaging.policy.costs.get("sms", Decimal("2.00"))
        with self.engine.connect() as conn:
            numbers = message_reads.numbers(conn, where, sms)
        found = {"name": name, "version": journey["version"], "report": numbers}
        return {**found, **self._measured(workspace_id, "journey", name, days, planned)}

    def predicted_value(
        self,
        workspace_id: int,
        horizon_days: int = 365,
        limit: int = 50,
        profile_id: str | None = None,
    ) -> dict[str, Any]:
        """Each customer's expected orders, probability of being alive and predicted value
        over ``horizon_days``, from BG/NBD and Gamma-Gamma fitted on the workspace's orders."""
        if not 1 <= horizon_days <= 3650:
            raise InvalidInput.one("horizon_days", "1 to 3650 days")
        from omniweave.analytics import batch

        now = self.clock()
        conn = batch.load(self.engine, workspace_id)
        try:
            rows = _rows(conn.execute(customers_sql(DUCKDB, now)))
        finally:
            conn.close()
        found = predict(rows, now.date(), horizon_days)
        people = found["customers"]
        if profile_id is not None:
            with self.engine.connect() as db:
                root = _root(db, workspace_id, profile_id)
            people = [p for p in people if p["profileId"] == root]
        return {"asOf": now, "horizonDays": horizon_days, **found, "customers": people[:limit]}

    def customers_report(
        self, workspace_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        """Retention cohorts (all orders before ``to``), sales by channel and store, NPS and
        CSAT in the period, and the RFM distribution of the computed ``rfm`` trait."""
        start, end = self.window(start, end)
        from omniweave.analytics import batch

        conn = batch.load(self.engine, workspace_id)
        try:
            cohorts = _rows(conn.execute(cohorts_sql(DUCKDB, end)))
            sales = _rows(conn.execute(sales_sql(DUCKDB, start, end)))
            answers = _rows(conn.execute(survey_sql(DUCKDB, start, end)))
        finally:
            conn.close()
        with self.engine.connect() as db:
            rfm = db.execute(
                select(computed_traits.c.value).where(
                    computed_traits.c.workspace_id == workspace_id, computed_traits.c.name == "rfm"
                )
            ).scalars()
            distribution = rfm_distribution(rfm)
        return {
            "from": start,
            "to": end,
            "cohorts": retention(cohorts),
            "sales": sales,
            "satisfaction": satisfaction(answers),
            "rfm": distribution,
        }

    def _measured(
        self, workspace_id: int, origin: str, name: str, days: int | None, planned: int | None
    ) -> dict[str, Any]:
        days = self.window_days if days is None else days
        if not 1 <= days <= 365:
            raise InvalidInput.one("days", "the attribution window is 1 to 365 days")
        from omniweave.analytics import batch

        conn = batch.load(self.engine, workspace_id)
        try:
            facts = _rows(conn.execute(message_facts_sql(DUCKDB, origin, name, days)))
            people = _rows(conn.execute(people_sql(DUCKDB, origin, name, days)))
        finally:
            conn.close()
        return {
            "windowDays": days,
            "rule": f"converted: a paid order within {days} days after the message was decided",
            "byChannel": funnel(facts, "channel"),
            "byStep": funnel(facts, "step"),
            **people_numbers(people, planned),
        }

    def profile_path(
        self, workspace_id: int, profile_id: str, by: str = "channel"
    ) -> dict[str, Any]:
        """The person's touches up to each paid order, across every profile merged into them."""
        _check_by(by)
        with self.engine.connect() as conn:
            root = _root(conn, workspace_id, profile_id)
            return {"requestedId": profile_id, **person_paths(conn, root, self.clock(), by)}

    def window(self, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
        """The period asked for: by default the last 90 days up to now."""
        end = end or self.clock()
        start = start or end - timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise InvalidInput.one("from", "must be before to")
        return start, end

    def path_table(
        self, workspace_id: int, by: str, start: datetime, end: datetime, spark: Any = None
    ) -> list[dict[str, Any]]:
        """Each distinct path of the period with its conversions, revenue and non-conversions;
        on DuckDB, or on ``spark`` (a SparkSession) fed from the same Arrow tables."""
        _check_by(by)
        from omniweave.analytics import batch  # DuckDB and Arrow load on first use

        conn = batch.load(self.engine, workspace_id)
        try:
            if spark is not None:
                batch.to_spark(conn, spark)
                return batch.spark_rows(spark, path_table_sql(SPARK, by, start, end))
            return _rows(conn.execute(path_table_sql(DUCKDB, by, start, end)))
        finally:
            conn.close()

    def attribution(
        self,
        workspace_id: int,
        model: str,
        *,
        order: int = 1,
        by: str = "channel",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, Any]:
        """Which channels (or campaigns) the period's conversions and revenue are credited to."""
        if model not in MODELS:
            raise InvalidInput.one("model", f"one of {', '.join(MODELS)}")
        start, end = self.window(start, end)
        table = self.path_table(workspace_id, by, start, end)
        result = attribute(paths_of(table), model, order=order)
        return {
            "from": start,
            "to": end,
            "by": by,
            **result.as_dict(),
            "distinctPaths": len(table),
            "topPaths": sorted(table, key=lambda r: (-r["conversions"], r["path"]))[:10],
        }


def paths_of(table: list[dict[str, Any]]) -> list[Path]:
    return [
        Path(
            parse_path(r["path"], SEP.strip()),
            float(r["conversions"]),
            float(r["value"] or 0),
            float(r["nulls"]),
        )
        for r in table
    ]


def _root(conn: Any, workspace_id: int, profile_id: str) -> str:
    root = root_of(conn, profile_id)
    if root is None or workspace_of(conn, root) != workspace_id:
        raise NotFound(f"no profile {profile_id!r}")
    return root


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _check_by(by: str) -> None:
    if by not in BY:
        raise InvalidInput.one("by", "channel or campaign")
