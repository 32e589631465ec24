"""Consents, subscriptions and channel addresses' delivery state (issue 5).

Both tables are append-only logs of decisions: nothing is updated or deleted, the current
state of a key is its latest row (by ``at``, then ``id``), and the history is the proof an
auditor asks for ("who opted in, when, from which form, from which IP").
"""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from omniweave.store.tables import metadata
from omniweave.store.types import BigId, Json, UtcDateTime

# One row per decision a person (or a system on their behalf) made about a channel and topic.
# The subject is the identifier the decision was given for, normalised as in ``identities``
# (type, value), not a profile id: a profile reaches its consents through its identities, so a
# consent follows merges and splits without being rewritten.
consents = Table(
    "consents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_value", String(320), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("topic", String(50), nullable=False),
    Column("state", String(10), nullable=False),  # granted | revoked
    Column("source", String(100), nullable=False),  # a source's name, api, one_click, sms_stop
    Column("via", String(100), nullable=False),  # how: request, event name, trait name
    Column("proof", Json, nullable=True),  # ip, userAgent, formId, double opt-in token
    Column("at", UtcDateTime, nullable=False),  # when the person decided
    Column("event_id", BigInteger, nullable=True),  # the log event it came from, if any
    Column("recorded_at", UtcDateTime, nullable=False),
    # An event yields at most one decision per channel and topic: a replay records nothing new.
    UniqueConstraint("event_id", "channel", "topic"),
    Index(None, "workspace_id", "subject_type", "subject_value"),
)

# What the channels' providers reported about an address (bounces, complaints) and operators'
# blocks, one row per report; an address's state is its latest row.
delivery_states = Table(
    "delivery_states",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("address", String(320), nullable=False),  # normalised: lower-case email, E.164
    Column("state", String(16), nullable=False),  # ok|soft_bounce|hard_bounce|complained|blocked
    Column("reason", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index(None, "workspace_id", "channel", "address"),
)
