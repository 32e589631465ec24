"""Segments evaluated on DuckDB: a workspace's tables copied from the store (SQLite or
PostgreSQL) through Arrow into an in-process DuckDB, and the same compiled query run there.

The copy is what makes heavy segment work (full evaluation, what-if previews, benchmarks) stay
off the store. Only the tables and columns the query mentions are copied, JSON columns become
DuckDB ``JSON`` (so the operators of ``duckdb_sql`` work) and times ``TIMESTAMPTZ`` in UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import duckdb
import pyarrow as pa
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Float,
    Integer,
    Select,
    String,
    Table,
    Text,
    cast,
    select,
)

from omniweave.segments.compile import Context, members
from omniweave.segments.duckdb_sql import columns_used, tables_used, to_duckdb
from omniweave.segments.model import Node
from omniweave.store.tables import metadata
from omniweave.store.types import JsonValue, UtcDateTime

BATCH_ROWS = 50_000


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose session time zone is UTC, as the store's times are."""
    conn = duckdb.connect()
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def context(workspace_id: int, now: datetime, definitions: Callable[[str], Node | None]):
    """The compiler's context for DuckDB: it compiles for PostgreSQL, then transpiles."""
    return Context(workspace_id, now, "postgresql", definitions)


def segment_sql(node: Node, ctx: Context) -> str:
    """The DuckDB SQL of a definition's members."""
    return to_duckdb(members(node, ctx))


def load(
    engine: Engine,
    conn: duckdb.DuckDBPyConnection,
    workspace_id: int,
    query: Select | str,
    loaded: dict[str, set[str]] | None = None,
) -> None:
    """Copy the workspace's rows of every table ``query`` reads into ``conn``; a table already
    in ``loaded`` (name to columns) with every column the query needs is not copied again."""
    loaded = {} if loaded is None else loaded
    wanted = columns_used(query)
    for name in sorted(tables_used(query)):
        table = metadata.tables[name]
        before = loaded.get(name, set())
        keep = [c for c in table.columns if c.name in wanted | before | {"workspace_id"}]
        names = {c.name for c in keep}
        if names <= before:
            continue
        copy_table(engine, conn, table, keep, workspace_id)
        loaded[name] = names


def copy_table(
    engine: Engine,
    conn: duckdb.DuckDBPyConnection,
    table: Table,
    columns: list[Column],
    workspace_id: int,
) -> None:
    """One table, in Arrow batches, as a DuckDB table of the same name."""
    schema = pa.schema([(c.name, _arrow_type(c)) for c in columns])
    batches = pa.RecordBatchReader.from_batches(
        schema, _batches(engine, table, columns, workspace_id, schema)
    )
    conn.register("_incoming", batches)
    try:
        picks = ", ".join(
            f'CAST("{c.name}" AS JSON) AS "{c.name}"' if _is_json(c) else f'"{c.name}"'
            for c in columns
        )
        conn.execute(f'CREATE OR REPLACE TABLE "{table.name}" AS SELECT {picks} FROM _incoming')
    finally:
        conn.unregister("_incoming")


def _batches(
    engine: Engine, table: Table, columns: list[Column], workspace_id: int, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    # JSON travels as its text: no parse in Python, and DuckDB parses it once, in C++.
    picked = [cast(c, Text).label(c.name) if _is_json(c) else c for c in columns]
    query = select(*picked)
    if "workspace_id" in table.c:
        query = query.where(table.c.workspace_id == workspace_id)
    with engine.connect() as db:
        result = db.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
        for rows in result.partitions():
            yield _batch(rows, schema)


def _batch(rows: Iterable, schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) or [[] for _ in schema]
    return pa.RecordBatch.from_arrays(
        [pa.array(values, type=f.type) for values, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


def _is_json(column: Column) -> bool:
    return isinstance(column.type, JSON | JsonValue) or isinstance(
        getattr(column.type, "impl", None) or column.type, JSON
    )


def _arrow_type(column: Column) -> pa.DataType:
    kind = column.type
    if _is_json(column):
        return pa.string()
    if isinstance(kind, UtcDateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, Float):
        return pa.float64()
    if isinstance(kind, String):
        return pa.string()
    raise TypeError(f"{column.table.name}.{column.name}: no Arrow type for {kind!r}")


class DuckDBSegments:
    """A workspace's segments on DuckDB, copied from a store on first use of each table."""

    def __init__(self, engine: Engine, workspace_id: int) -> None:
        self.engine = engine
        self.workspace_id = workspace_id
        self.conn = connect()
        self.loaded: dict[str, set[str]] = {}

    def members(
        self,
        node: Node,
        now: datetime,
        definitions: Callable[[str], Node | None] = lambda _name: None,
    ) -> list[str]:
        """The ids of the live profiles in the segment, sorted."""
        query = members(node, context(self.workspace_id, now, definitions))
        load(self.engine, self.conn, self.workspace_id, query, self.loaded)
        sql = to_duckdb(query)
        return sorted(row[0] for row in self.conn.execute(sql).fetchall())

    def close(self) -> None:
        self.conn.close()
