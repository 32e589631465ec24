"""Every difference between SQLite and PostgreSQL that our statements meet lives here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


class Dialect:
    """The statement builders differ only in which ``insert`` construct knows ON CONFLICT."""

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

    def upsert(
        self,
        table: Table,
        key: Sequence[str],
        update: Sequence[str],
        only_if_not_older: str | None = None,
    ) -> Insert:
        """INSERT, or UPDATE the ``update`` columns of the row with the same ``key``; with
        ``only_if_not_older``, a row whose that column is newer than the incoming one is kept
        (an out-of-order retry of an old version does not overwrite a newer one)."""
        stmt = self._insert(table)
        where = None
        if only_if_not_older is not None:
            where = table.c[only_if_not_older] <= stmt.excluded[only_if_not_older]
        return stmt.on_conflict_do_update(
            index_elements=list(key), set_={c: stmt.excluded[c] for c in update}, where=where
        )
