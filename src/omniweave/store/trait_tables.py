"""Computed traits (issue 5): one row per profile and trait, and the workspace-wide cut points
that batch traits (RFM quintiles) score against."""

from sqlalchemy import Column, Index, Integer, String, Table

from omniweave.store.tables import Ref, metadata
from omniweave.store.types import Json, JsonValue, UtcDateTime

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
