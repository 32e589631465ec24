"""Erasures and the audit log (issue 10).

``erased_identifiers`` holds keyed hashes (HMAC with the installation's secret) of every
identifier of an erased person, never the values: the resolver and the record ingestion look
an arriving identifier up there, so re-ingesting an old email does not bring the person back.
"""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from omniweave.store.tables import metadata
from omniweave.store.types import BigId, Json, UtcDateTime

# One row per erase request that erased something: who asked, when, and what was erased per
# table. It holds no personal data: the profile id it names no longer resolves to anything.
erasures = Table(
    "erasures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("profile_id", String(24), nullable=False),  # the id the erase was asked for
    Column("profiles", Integer, nullable=False),  # how many profiles (merged ones too)
    Column("identifiers", Integer, nullable=False),
    Column("counts", Json, nullable=False),  # table -> rows erased or scrubbed
    Column("requested_by", String(120), nullable=False),
    Column("erased_at", UtcDateTime, nullable=False),
    Index(None, "workspace_id", "erased_at"),
)

# HMAC-SHA256 of "type|normalised value" (and of "profile|<id>" for each erased profile id, so
# a repeated erase finds the first one).
erased_identifiers = Table(
    "erased_identifiers",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("erasure_id", BigInteger, nullable=False),
)

# Every admin action that changed something: who, what, when and how it ended.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=True),
    Column("actor", String(120), nullable=False),  # "key:12 (ops laptop)", "cli", "ui:anna"
    Column("via", String(8), nullable=False),  # api | cli
    Column("action", String(200), nullable=False),  # "POST /api/profiles/{profile_id}/erase"
    Column("resource", String(300), nullable=True),  # the path's ids: "profile_id=p_1f..."
    Column("summary", Json, nullable=True),  # the body's field names, never values or secrets
    Column("outcome", String(16), nullable=False),  # ok | refused | failed
    Column("status", Integer, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "workspace_id", "at"),
)
