"""Where the generated statements run: DuckDB in-process, or a SparkSession.

A backend knows its dialect, registers the caller's records as a table, builds a table from
a statement, and runs a query returning rows (small results) or Arrow (pairs). Records may be
a ``pyarrow.Table``, a pandas DataFrame or a list of dicts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from omniweave.identity.matching.dialects import Dialect, DuckDBDialect, SparkDialect
from omniweave.identity.matching.sql import Statement

Params = Mapping[str, float | int]


def as_arrow(records: Any) -> pa.Table:
    """The caller's records as an Arrow table (no copy when they already are one)."""
    if isinstance(records, pa.Table):
        return records
    if hasattr(records, "to_dict") and hasattr(records, "columns"):  # a pandas DataFrame
        return pa.Table.from_pandas(records, preserve_index=False)
    return pa.Table.from_pylist(list(records))


def _bound(statement: Statement, params: Params | None) -> dict[str, Any]:
    """Exactly the parameters the statement declares (engines refuse extra or missing ones)."""
    params = params or {}
    missing = [p for p in statement.params if p not in params]
    if missing:
        raise KeyError(f"{statement.name}: no value for parameters {missing}")
    return {p: params[p] for p in statement.params}


class Backend(Protocol):
    dialect: Dialect

    def register(self, name: str, table: pa.Table) -> None: ...

    def create(self, statement: Statement, params: Params | None = None) -> None: ...

    def rows(self, statement: Statement, params: Params | None = None) -> list[dict]: ...

    def arrow(self, statement: Statement, params: Params | None = None) -> pa.Table: ...

    def drop(self, names: Sequence[str]) -> None: ...


class DuckDBBackend:
    """In-process DuckDB; tables are TEMP, so they vanish with the connection."""

    dialect: Dialect = DuckDBDialect()

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self.connection = connection or duckdb.connect()

    def register(self, name: str, table: pa.Table) -> None:
        self.connection.register(name, table)

    def create(self, statement: Statement, params: Params | None = None) -> None:
        sql = f"CREATE OR REPLACE TEMP TABLE {statement.name} AS {statement.sql}"
        self.connection.execute(sql, _bound(statement, params))

    def rows(self, statement: Statement, params: Params | None = None) -> list[dict]:
        cursor = self.connection.execute(statement.sql, _bound(statement, params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def arrow(self, statement: Statement, params: Params | None = None) -> pa.Table:
        cursor = self.connection.execute(statement.sql, _bound(statement, params))
        fetch = getattr(cursor, "to_arrow_table", None) or cursor.fetch_arrow_table
        return fetch()

    def drop(self, names: Sequence[str]) -> None:
        for name in names:
            self.connection.execute(f"DROP TABLE IF EXISTS {name}")
            self.connection.execute(f"DROP VIEW IF EXISTS {name}")


class SparkBackend:
    """A SparkSession; built tables are checkpointed temp views (computed once, then reused)."""

    dialect: Dialect = SparkDialect()

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        SparkDialect.register_functions(spark)
        self._frames: dict[str, Any] = {}

    def register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def create(self, statement: Statement, params: Params | None = None) -> None:
        frame = self._sql(statement, params).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(statement.name)
        old = self._frames.pop(statement.name, None)
        if old is not None:
            old.unpersist()
        self._frames[statement.name] = frame

    def rows(self, statement: Statement, params: Params | None = None) -> list[dict]:
        return [row.asDict() for row in self._sql(statement, params).collect()]

    def arrow(self, statement: Statement, params: Params | None = None) -> pa.Table:
        return self._sql(statement, params).toArrow()

    def drop(self, names: Sequence[str]) -> None:
        for name in names:
            self.spark.catalog.dropTempView(name)
            frame = self._frames.pop(name, None)
            if frame is not None:
                frame.unpersist()

    def _sql(self, statement: Statement, params: Params | None) -> Any:
        bound = _bound(statement, params)
        return self.spark.sql(statement.sql, args=bound) if bound else self.spark.sql(statement.sql)


def local_spark(app_name: str = "omniweave-matching", master: str = "local[2]") -> Any:
    """A SparkSession: by default a small local one for tests and single-machine runs (two
    cores, no UI); ``master`` (``OMNIWEAVE_SPARK_MASTER``) points it at a cluster instead,
    e.g. ``spark://host:7077`` or ``yarn``."""
    from pyspark.sql import SparkSession

    # Python UDFs run in worker processes: they must use this interpreter (and its packages).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
