"""Every difference between SQLite and PostgreSQL that our statements meet lives here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, TextClause, and_, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from omniweave.core.ids import json_bytes

_PG = postgresql.dialect()


def one_of(backend: str, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``. On PostgreSQL as ``= ANY(:array)``: one parameter, so the SQL
    text is the same for every list (psycopg parses it once and prepares it, where an IN list
    of a thousand placeholders is rendered, parsed and planned anew per call)."""
    if backend == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


class Dialect:
    """Statement builders whose SQL differs by backend. Pure: they return statements and
    parameters; the caller executes them."""

    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database backend {name!r}")
        self.name = name
        self._insert = postgresql.insert if name == "postgresql" else sqlite.insert

    @classmethod
    def of(cls, engine: Engine) -> Dialect:
        return cls(engine.dialect.name)

    def insert_ignoring_duplicates(self, table: Table, key: Sequence[str]) -> Insert:
        """An INSERT that skips rows whose ``key`` already exists: the idempotent append."""
        return self._insert(table).on_conflict_do_nothing(index_elements=list(key))

    def append_rows(
        self,
        table: Table,
        key: Sequence[str],
        returning: Sequence[str],
        rows: list[dict[str, Any]],
    ) -> tuple[Insert | TextClause, Any]:
        """The idempotent append of many rows, as (statement, parameters) that return the
        ``returning`` columns of the rows that were new.

        On PostgreSQL the whole batch travels as one JSON document expanded by
        ``json_to_recordset``: one parameter, serialised by orjson, parsed by the server in C,
        and SQL text that is the same for every batch. (A multi-row VALUES list of thousands
        of parameters was re-parsed by psycopg per batch; per-column arrays were escaped
        element by element in Python. Each cost several times more.)
        SQLite gets an executemany of the plain INSERT.
        """
        if self.name == "sqlite":
            stmt = self.insert_ignoring_duplicates(table, key)
            return stmt.returning(*(table.c[c] for c in returning)), rows
        columns = [table.c[name] for name in rows[0]]
        names = ", ".join(f'"{c.name}"' for c in columns)
        shape = ", ".join(f'"{c.name}" {c.type.compile(dialect=_PG)}' for c in columns)
        sql = (
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} '
            f"FROM json_to_recordset(CAST(:rows AS json)) AS batch({shape}) "
            f"ON CONFLICT ({', '.join(key)}) DO NOTHING RETURNING {', '.join(returning)}"
        )
        return text(sql), {"rows": json_bytes(rows).decode()}

    def upsert(
        self,
        table: Table,
        key: Sequence[str],
        update: Sequence[str],
        only_if_not_older: str | None = None,
        only_if_changed: str | None = None,
    ) -> Insert:
        """INSERT, or UPDATE the ``update`` columns of the row with the same ``key``; with
        ``only_if_not_older``, a row whose that column is newer than the incoming one is kept
        (an out-of-order retry of an old version does not overwrite a newer one); with
        ``only_if_changed``, a row whose that column already equals the incoming one is left
        as it is (a re-sent identical version changes nothing)."""
        stmt = self._insert(table)
        conditions = []
        if only_if_not_older is not None:
            conditions.append(table.c[only_if_not_older] <= stmt.excluded[only_if_not_older])
        if only_if_changed is not None:
            conditions.append(table.c[only_if_changed] != stmt.excluded[only_if_changed])
        where = and_(*conditions) if conditions else None
        return stmt.on_conflict_do_update(
            index_elements=list(key), set_={c: stmt.excluded[c] for c in update}, where=where
        )
