"""Messaging (issue 6): templates, the outbox with every decision, campaigns, web push
subscriptions and alerts.

The ``messages`` table is the transactional outbox: a decision and its row commit together,
the row's ``key`` is the message's idempotency key (unique), and the sender claims rows by
status and ``next_attempt_at``. Suppressed and held-out decisions are rows too, so every
decision can be explained and reported on.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from omniweave.store.tables import Ref, metadata
from omniweave.store.types import BigId, Json, UtcDateTime

message_templates = Table(
    "message_templates",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("name", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", Json, nullable=False),
    Column("hash", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name", "version"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),  # the idempotency key
    Column("workspace_id", Integer, nullable=False),
    Column("brand", String(100), nullable=False),
    Column("profile_id", Ref, nullable=False),
    Column("origin", String(16), nullable=False),  # journey | campaign | api | fallback
    Column("origin_name", String(100), nullable=True),  # the journey's or campaign's name
    Column("origin_id", BigInteger, nullable=True),  # the run or campaign id
    Column("step", String(64), nullable=True),
    Column("template", String(64), nullable=False),
    Column("template_version", Integer, nullable=True),
    Column("topic", String(50), nullable=False),
    Column("transactional", Boolean, nullable=False),
    Column("dedup_key", String(255), nullable=True),
    Column("channel", String(20), nullable=True),
    Column("address", Text, nullable=True),
    # decided: suppressed | held_out | deferred | queued; then sending | sent | delivered |
    # failed | bounced; and the person's answer: opened | clicked | unsubscribed
    Column("status", String(16), nullable=False),
    Column("decision", Json, nullable=False),  # the rule, the reason and every check
    Column("cost", Numeric(12, 4), nullable=True),
    Column("content", Json, nullable=True),  # what was rendered for the channel
    Column("context", Json, nullable=True),  # what rendering needs that the profile lacks
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True),  # queued/deferred: when it may go
    Column("lease_until", UtcDateTime, nullable=True),  # sending: a worker holds it till then
    Column("provider_id", String(255), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("fallback_of", BigInteger, nullable=True),  # the message this one replaces
    Column("fallback_at", UtcDateTime, nullable=True),  # not opened by then: try the next channel
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("opened_at", UtcDateTime, nullable=True),
    Column("clicked_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "status", "next_attempt_at"),
    Index(None, "profile_id", "created_at"),
    Index(None, "brand", "dedup_key", "created_at"),
    Index(None, "workspace_id", "origin", "origin_id"),
    Index(None, "provider_id"),
    Index(None, "fallback_at"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("definition", Json, nullable=False),
    # draft | scheduled | running | done | cancelled
    Column("status", String(16), nullable=False),
    Column("scheduled_at", UtcDateTime, nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("last_profile", Ref, nullable=True),  # how far the audience has been decided
    Column("counts", Json, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

web_push_subscriptions = Table(
    "web_push_subscriptions",
    metadata,
    Column("endpoint", String(1000), primary_key=True),
    Column("workspace_id", Integer, nullable=False),
    Column("p256dh", String(200), nullable=False),
    Column("auth", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# A provider (or a source) that keeps failing: one open alert, counted, mailed once an hour.
alerts = Table(
    "alerts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=True),
    Column("kind", String(20), nullable=False),  # provider | source
    Column("subject", String(100), nullable=False),  # the channel or source name
    Column("message", Text, nullable=False),
    Column("count", Integer, nullable=False),
    Column("first_at", UtcDateTime, nullable=False),
    Column("last_at", UtcDateTime, nullable=False),
    Column("notified_at", UtcDateTime, nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Index(None, "kind", "subject", "resolved_at"),
)
