"""Segment definitions (issue 5)."""

from sqlalchemy import Column, Integer, String, Table, UniqueConstraint

from omniweave.store.tables import metadata
from omniweave.store.types import BigId, Json, UtcDateTime

segments = Table(
    "segments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", String(500), nullable=True),
    Column("definition", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)
