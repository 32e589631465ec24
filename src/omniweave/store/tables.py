"""The schema. Alembic migrations in ``migrations/versions`` create exactly this (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from omniweave.store.types import BigId, Json, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    # Workspaces of one brand (franchisees) share a guest base: one person, one promo.
    Column("brand", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# A source is one place data comes from: a site, an app, one store's till, the CRM, an import.
sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

# Keys are stored as a SHA-256 of the secret; only the prefix is kept readable for display.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=True),
    Column("scope", String(10), nullable=False),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    # This key's ingestion rate limit (requests a second, burst) over the settings' default.
    Column("rate_per_second", Float, nullable=True),
    Column("rate_burst", Integer, nullable=True),
)

# The append-only log of everything a person or a system did. Rows are never updated.
events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("source_id", Integer, nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("type", String(16), nullable=False),
    Column("event", String(255), nullable=True),
    Column("user_id", String(255), nullable=True),
    Column("anonymous_id", String(255), nullable=True),
    Column("group_id", String(255), nullable=True),
    Column("previous_id", String(255), nullable=True),
    Column("properties", Json, nullable=True),
    Column("traits", Json, nullable=True),
    Column("context", Json, nullable=True),
    Column("extra", Json, nullable=True),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("original_timestamp", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("origin", String(16), nullable=False),
    UniqueConstraint("source_id", "message_id"),
    Index(None, "workspace_id", "timestamp"),
)

# The latest state of each record a CRM, a till or a loyalty system pushed, keyed by its own id.
customer_records = Table(
    "customer_records",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("source_id", Integer, nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("identifiers", Json, nullable=False),
    Column("traits", Json, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("message_id", String(255), nullable=False),
    UniqueConstraint("source_id", "external_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("source_id", Integer, nullable=False),
    Column("order_id", String(255), nullable=False),
    Column("status", String(20), nullable=False),
    Column("payment_status", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("store", String(100), nullable=True),
    Column("pickup_store", String(100), nullable=True),  # buy online, pick up there
    Column("currency", String(3), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("customer", Json, nullable=False),
    Column("lines", Json, nullable=False),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("message_id", String(255), nullable=False),
    UniqueConstraint("workspace_id", "order_id"),
)

# --- identity: the graph of identifiers and the profiles they make -------------------------

Ref = String(24)  # profile ids are "p_" + 20 hex digits, derived from the founding identifier

profiles = Table(
    "profiles",
    metadata,
    Column("id", Ref, primary_key=True),
    Column("workspace_id", Integer, nullable=False, index=True),
    Column("created_seq", BigInteger, nullable=False),  # the event that founded it: its age
    Column("created_at", UtcDateTime, nullable=False),
    Column("merged_into", Ref, nullable=True, index=True),  # set: it resolves to that one
    Column("merged_at", UtcDateTime, nullable=True),
)

# One row per distinct (type, normalised value): the nodes of the graph, each in one profile.
identities = Table(
    "identities",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("type", String(32), nullable=False),
    Column("value", String(320), nullable=False),
    Column("profile_id", Ref, nullable=False, index=True),
    Column("first_seen_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "type", "value"),
)

# How each source wrote each identifier ("8 (916) ..." at the till, "+7 916 ..." on the site).
identity_sightings = Table(
    "identity_sightings",
    metadata,
    Column("identity_id", BigInteger, primary_key=True),
    Column("source_id", Integer, primary_key=True),
    Column("raw", String(320), primary_key=True),
    Column("first_seen_at", UtcDateTime, nullable=False),
)

# Which identity each event is attributed through; a profile's events follow its identities,
# so a merge or a split re-attributes events without rewriting them.
event_identities = Table(
    "event_identities",
    metadata,
    Column("event_id", BigInteger, primary_key=True),
    Column("workspace_id", Integer, nullable=False),
    Column("identity_id", BigInteger, nullable=True, index=True),
    Column("rejected", Json, nullable=True),  # identifiers never used to merge, and why
)

profile_merges = Table(
    "profile_merges",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("survivor_id", Ref, nullable=False, index=True),
    Column("merged_id", Ref, nullable=False, index=True),
    Column("rule", String(16), nullable=False),  # deterministic | model | review
    Column("identifiers", Json, nullable=False),  # what linked them
    Column("probability", Float, nullable=True),
    Column("explanation", Json, nullable=True),
    Column("event_id", BigInteger, nullable=True),
    Column("moved_identities", Json, nullable=False),  # what a split gives back
    Column("decided_at", UtcDateTime, nullable=False),
    Column("undone_at", UtcDateTime, nullable=True),
    Column("undo_reason", Text, nullable=True),
)

identity_refusals = Table(
    "identity_refusals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("event_id", BigInteger, nullable=True),
    Column("profile_id", Ref, nullable=True, index=True),  # where the event went
    Column("identifier", Json, nullable=False),
    Column("profiles", Json, nullable=False),  # what it would have joined
    Column("reason", Text, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
)

# Pairs an operator split (or a reviewer rejected): never merged again, whatever arrives.
profile_separations = Table(
    "profile_separations",
    metadata,
    Column("profile_a", Ref, primary_key=True),
    Column("profile_b", Ref, primary_key=True),
    Column("workspace_id", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

identity_reviews = Table(
    "identity_reviews",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("profile_a", Ref, nullable=False),
    Column("profile_b", Ref, nullable=False),
    Column("probability", Float, nullable=False),
    Column("explanation", Json, nullable=False),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decided_by", String(100), nullable=True),
    UniqueConstraint("workspace_id", "profile_a", "profile_b"),
)

# How far a log consumer (the incremental resolver) has read.
log_cursors = Table(
    "log_cursors",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

ALL_TABLES = [workspaces, sources, api_keys, events, customer_records, orders]

# Capability tables live in their own modules on the same metadata; importing them here makes
# every user of ``metadata`` (migrations, tests) see them.
from omniweave.store import (  # noqa: E402, F401
    commerce_tables,
    consent_tables,
    journey_tables,
    message_tables,
    pricing_tables,
    privacy_tables,
    segment_tables,
    trait_tables,
    ui_tables,
)
