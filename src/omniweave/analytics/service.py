"""Measure's use cases: a person's path, the workspace's path table and its attribution."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from omniweave.analytics import batch
from omniweave.analytics.attribution import MODELS, attribute
from omniweave.analytics.model import Path, parse_path
from omniweave.analytics.paths_sql import DUCKDB, SEP, SPARK, path_table_sql
from omniweave.analytics.person_path import person_paths
from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.identity.graph_repo import root_of
from omniweave.identity.profile_view import workspace_of

BY = ("channel", "campaign")
DEFAULT_DAYS = 90


class AnalyticsService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def profile_path(
        self, workspace_id: int, profile_id: str, by: str = "channel"
    ) -> dict[str, Any]:
        """The person's touches up to each paid order, across every profile merged into them."""
        _check_by(by)
        with self.engine.connect() as conn:
            root = root_of(conn, profile_id)
            if root is None or workspace_of(conn, root) != workspace_id:
                raise NotFound(f"no profile {profile_id!r}")
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
        conn = batch.load(self.engine, workspace_id)
        try:
            if spark is not None:
                batch.to_spark(conn, spark)
                return batch.spark_rows(spark, path_table_sql(SPARK, by, start, end))
            cursor = conn.execute(path_table_sql(DUCKDB, by, start, end))
            names = [c[0] for c in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
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


def _check_by(by: str) -> None:
    if by not in BY:
        raise InvalidInput.one("by", "channel or campaign")
