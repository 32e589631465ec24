"""The web UI's people: users with a role, their sessions, login attempts (for throttling)
and the UI's own generated secrets (issue 9)."""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table

from omniweave.store.tables import metadata
from omniweave.store.types import BigId, UtcDateTime

ui_users = Table(
    "ui_users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("role", String(16), nullable=False),  # admin | marketer | analyst
    Column("password_hash", String(255), nullable=False),  # scrypt$n$r$p$salt$hash
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
)

# A session is the SHA-256 of the token in the signed cookie: the database alone cannot be
# used to sign in. ``csrf`` is the token every form and HTMX POST must carry.
ui_sessions = Table(
    "ui_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index(None, "user_id"),
)

ui_login_attempts = Table(
    "ui_login_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "email", "at"),
    Index(None, "ip", "at"),
)

# Secrets the UI generates when the operator sets none (the session signing key), so that
# every process serving one database signs alike and a restart keeps people signed in.
ui_secrets = Table(
    "ui_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
