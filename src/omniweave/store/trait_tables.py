"""Computed traits (issue 5): one row per profile and trait, and the workspace-wide cut points
that batch traits (RFM quintiles) score against."""

from typing import Any

import orjson
from sqlalchemy import Column, Index, Integer, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from omniweave.store.tables import Ref, metadata
from omniweave.store.types import Json, UtcDateTime


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


# Derived from the log by ``profiles.traits_service``: a rebuild recomputes every row. Only
# live (root) profiles have rows; a merge deletes the merged profile's.
computed_traits = Table(
    "computed_traits",
    metadata,
    Column("profile_id", Ref, primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("workspace_id", Integer, nullable=False),
    Column("value", JsonValue, nullable=True),
    Column("computed_at", UtcDateTime, nullable=False),
    Column("window_days", Integer, nullable=True),  # None: all time
    Column("basis", Json, nullable=False),  # what it was computed from: counts, event ids
    Column("definition_hash", String(16), nullable=False),
    Index(None, "workspace_id", "name"),
)

# Cut points a batch trait scores every profile against (RFM: quintiles of recency, frequency
# and monetary value across the workspace's customers), refreshed by a rebuild.
trait_cutoffs = Table(
    "trait_cutoffs",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("cutoffs", JsonValue, nullable=False),
    Column("population", Integer, nullable=False),
    Column("computed_at", UtcDateTime, nullable=False),
    Column("definition_hash", String(16), nullable=False),
)
