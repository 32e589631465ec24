"""The batch jobs' data: a workspace's tables copied from the store into DuckDB through Arrow
(as segments do), and the generated SQL run there, or on a SparkSession fed from the same
Arrow tables. Only the columns the path and report SQL read are copied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, Float, Text, cast, select

from omniweave.segments.duckdb_engine import connect
from omniweave.store.consent_tables import consents
from omniweave.store.journey_tables import journey_runs
from omniweave.store.message_tables import messages
from omniweave.store.tables import event_identities, events, identities, orders, profiles

BATCH_ROWS = 50_000
TS = pa.timestamp("us", tz="UTC")
_COLUMNS: dict[str, tuple[Any, list[tuple[str, pa.DataType]]]] = {
    "events": (
        events,
        [
            ("id", pa.int64()),
            ("source_id", pa.int64()),
            ("message_id", pa.string()),
            ("type", pa.string()),
            ("event", pa.string()),
            ("context", pa.string()),
            ("properties", pa.string()),
            ("timestamp", TS),
        ],
    ),
    "event_identities": (event_identities, [("event_id", pa.int64()), ("identity_id", pa.int64())]),
    "identities": (identities, [("id", pa.int64()), ("profile_id", pa.string())]),
    "messages": (
        messages,
        [
            ("id", pa.int64()),
            ("profile_id", pa.string()),
            ("origin", pa.string()),
            ("origin_name", pa.string()),
            ("origin_id", pa.int64()),
            ("address", pa.string()),
            ("step", pa.string()),
            ("channel", pa.string()),
            ("status", pa.string()),
            ("cost", pa.float64()),
            ("created_at", TS),
            ("sent_at", TS),
            ("delivered_at", TS),
            ("opened_at", TS),
            ("clicked_at", TS),
        ],
    ),
    "orders": (
        orders,
        [
            ("id", pa.int64()),
            ("source_id", pa.int64()),
            ("message_id", pa.string()),
            ("order_id", pa.string()),
            ("channel", pa.string()),
            ("store", pa.string()),
            ("payment_status", pa.string()),
            ("total", pa.float64()),
            ("placed_at", TS),
        ],
    ),
    "consents": (
        consents,
        [
            ("id", pa.int64()),
            ("subject_value", pa.string()),
            ("channel", pa.string()),
            ("state", pa.string()),
            ("at", TS),
        ],
    ),
    "journey_runs": (
        journey_runs,
        [
            ("id", pa.int64()),
            ("journey", pa.string()),
            ("profile_id", pa.string()),
            ("variant", pa.string()),
            ("held_out", pa.bool_()),
            ("entered_at", TS),
        ],
    ),
}


def load(engine: Engine, workspace_id: int) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the workspace's rows of every table the analytics SQL reads."""
    conn = connect()
    for name, (table, columns) in _COLUMNS.items():
        picked = [_pick(table, col, kind) for col, kind in columns]
        query = select(*picked).where(table.c.workspace_id == workspace_id)
        schema = pa.schema(columns)
        reader = pa.RecordBatchReader.from_batches(schema, _batches(engine, query, schema))
        conn.register("_incoming", reader)
        conn.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming')
        conn.unregister("_incoming")
    roots = pa.table(
        _roots(engine, workspace_id),
        schema=pa.schema([("profile_id", pa.string()), ("root_id", pa.string())]),
    )
    conn.register("_roots", roots)
    conn.execute("CREATE OR REPLACE TABLE profile_roots AS SELECT * FROM _roots")
    conn.unregister("_roots")
    return conn


def to_spark(conn: duckdb.DuckDBPyConnection, spark: Any) -> None:
    """The same tables as Spark temp views, through Arrow."""
    for name in (*_COLUMNS, "profile_roots"):
        spark.createDataFrame(
            conn.sql(f'SELECT * FROM "{name}"').to_arrow_table()
        ).createOrReplaceTempView(name)


def spark_rows(spark: Any, sql: str) -> list[dict[str, Any]]:
    """A statement's rows from Spark, as dicts."""
    return [row.asDict() for row in spark.sql(sql).collect()]


def _pick(table: Any, name: str, kind: pa.DataType) -> Any:
    column = table.c[name]
    if name in ("context", "properties"):
        return cast(column, Text).label(name)  # JSON travels as its text
    if kind == pa.float64():
        return cast(column, Float).label(name)
    return column


def _batches(engine: Engine, query: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    with engine.connect() as db:
        result = db.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
        for rows in result.partitions():
            columns = list(zip(*rows, strict=True)) or [[] for _ in schema]
            yield pa.RecordBatch.from_arrays(
                [pa.array(v, type=f.type) for v, f in zip(columns, schema, strict=True)],
                schema=schema,
            )


def _roots(engine: Engine, workspace_id: int) -> dict[str, list[str]]:
    """Every profile with the one it resolves to today (``merged_into`` followed to the end)."""
    with engine.connect() as db:
        parent = dict(
            db.execute(
                select(profiles.c.id, profiles.c.merged_into).where(
                    profiles.c.workspace_id == workspace_id
                )
            ).all()
        )
    root: dict[str, str] = {}
    for start in parent:
        chain, current = [], start
        while current not in root and parent.get(current) is not None and current not in chain:
            chain.append(current)
            current = parent[current]
        found = root.get(current, current)
        for member in [*chain, start]:
            root[member] = found
    return {"profile_id": list(root), "root_id": list(root.values())}
