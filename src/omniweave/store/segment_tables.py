"""Segment definitions and their memberships (issue 5)."""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, UniqueConstraint

from omniweave.store.tables import Ref, metadata
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

# Who is in a segment now (``exited_at`` NULL) and every past stay: one row per entry, the
# n-th entry of a profile numbered so that the emitted events' message ids are deterministic.
segment_memberships = Table(
    "segment_memberships",
    metadata,
    Column("segment_id", BigInteger, primary_key=True),
    Column("profile_id", Ref, primary_key=True),
    Column("entry", Integer, primary_key=True),  # 1 for the first stay, 2 after a re-entry
    Column("workspace_id", Integer, nullable=False),
    Column("entered_at", UtcDateTime, nullable=False),
    Column("exited_at", UtcDateTime, nullable=True),  # NULL: a member now
    Column("exit_reason", String(16), nullable=True),  # left | merged | redefined
    Column("carried_from", Ref, nullable=True),  # the merged profile whose stay this continues
    Index(None, "segment_id", "exited_at", "profile_id"),
    Index(None, "profile_id"),
)
