"""Journeys (issue 6): versioned definitions, each person's run with its durable timer, and a
log of every step taken (the per-step numbers and the "why" of a run)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from omniweave.store.tables import Ref, metadata
from omniweave.store.types import BigId, Json, UtcDateTime

journeys = Table(
    "journeys",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("name", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", Json, nullable=False),
    Column("hash", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # active | paused | archived (old versions)
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_scheduled_at", UtcDateTime, nullable=True),  # schedule and date triggers
    UniqueConstraint("workspace_id", "name", "version"),
)

journey_runs = Table(
    "journey_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("journey_id", BigInteger, nullable=False),  # the version row
    Column("journey", String(64), nullable=False),
    Column("profile_id", Ref, nullable=False),
    Column("entry_key", String(200), nullable=False),  # what made it enter: the same never twice
    Column("status", String(16), nullable=False),  # active | waiting | completed | exited | goal
    Column("step", String(64), nullable=True),
    Column("entered_at", UtcDateTime, nullable=False),
    Column("wake_at", UtcDateTime, nullable=True),
    Column("waiting_for", Json, nullable=True),
    Column("variant", String(64), nullable=True),
    Column("held_out", Boolean, nullable=False),
    Column("path", Json, nullable=False),
    Column("entry", Json, nullable=False),  # the entry event, for conditions and templates
    Column("ended_at", UtcDateTime, nullable=True),
    Column("end_reason", Text, nullable=True),
    UniqueConstraint("workspace_id", "journey", "entry_key"),
    Index(None, "status", "wake_at"),
    Index(None, "profile_id", "journey", "status"),
    Index(None, "journey_id", "status"),
)

journey_steps = Table(
    "journey_steps",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", BigInteger, nullable=False, index=True),
    Column("workspace_id", Integer, nullable=False),
    Column("journey_id", BigInteger, nullable=False),
    Column("step", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "journey_id", "step", "outcome"),
)
