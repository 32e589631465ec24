"""the web UI: users with roles, sessions, login attempts, generated secrets

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import BigId, UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ui_users",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("disabled_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ui_users")),
        sa.UniqueConstraint("email", name=op.f("uq_ui_users_email")),
    )
    op.create_table(
        "ui_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ui_sessions")),
    )
    op.create_index(op.f("ix_ui_sessions_user_id"), "ui_sessions", ["user_id"], unique=False)
    op.create_table(
        "ui_login_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ui_login_attempts")),
    )
    op.create_index(
        op.f("ix_ui_login_attempts_email_at"), "ui_login_attempts", ["email", "at"], unique=False
    )
    op.create_index(
        op.f("ix_ui_login_attempts_ip_at"), "ui_login_attempts", ["ip", "at"], unique=False
    )
    op.create_table(
        "ui_secrets",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ui_secrets")),
    )


def downgrade() -> None:
    op.drop_table("ui_secrets")
    op.drop_index(op.f("ix_ui_login_attempts_ip_at"), table_name="ui_login_attempts")
    op.drop_index(op.f("ix_ui_login_attempts_email_at"), table_name="ui_login_attempts")
    op.drop_table("ui_login_attempts")
    op.drop_index(op.f("ix_ui_sessions_user_id"), table_name="ui_sessions")
    op.drop_table("ui_sessions")
    op.drop_table("ui_users")
