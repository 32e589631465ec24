"""The schema. Alembic migrations in ``migrations/versions`` create exactly this (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
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
    Column("currency", String(3), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("customer", Json, nullable=False),
    Column("lines", Json, nullable=False),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("message_id", String(255), nullable=False),
    UniqueConstraint("workspace_id", "order_id"),
)

ALL_TABLES = [workspaces, sources, api_keys, events, customer_records, orders]
