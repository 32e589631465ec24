"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from omniweave.core.time import as_utc

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
BigId = BigInteger().with_variant(Integer, "sqlite")
# A Python None is SQL NULL (not the JSON text "null"), the same on both backends.
Json = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in and out; SQLite, which has no time zones, stores naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class JsonValue(TypeDecorator):
    """Any JSON value, scalars included. ``store.types.Json`` cannot hold a bare number on
    SQLite: the column's NUMERIC affinity turns the text ``700`` into an integer, which the
    JSON reader then refuses. Here SQLite keeps JSON text; PostgreSQL has JSONB."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(
            JSONB(none_as_null=True) if dialect.name == "postgresql" else Text()
        )

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if dialect.name == "postgresql" or value is None:
            return value
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if dialect.name == "postgresql" or value is None:
            return value
        return orjson.loads(value)
