"""privacy and audit: erasures, hashes of erased identifiers, the audit log, keys' rate limits

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import BigId, Json, UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("rate_per_second", sa.Float(), nullable=True))
    op.add_column("api_keys", sa.Column("rate_burst", sa.Integer(), nullable=True))
    op.create_table(
        "erasures",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.String(length=24), nullable=False),
        sa.Column("profiles", sa.Integer(), nullable=False),
        sa.Column("identifiers", sa.Integer(), nullable=False),
        sa.Column("counts", Json, nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("erased_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index(
        op.f("ix_erasures_workspace_id_erased_at"), "erasures", ["workspace_id", "erased_at"]
    )
    op.create_table(
        "erased_identifiers",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("erasure_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "digest", name=op.f("pk_erased_identifiers")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("resource", sa.String(length=300), nullable=True),
        sa.Column("summary", Json, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_workspace_id_at"), "audit_log", ["workspace_id", "at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_workspace_id_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("erased_identifiers")
    op.drop_index(op.f("ix_erasures_workspace_id_erased_at"), table_name="erasures")
    op.drop_table("erasures")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("rate_burst")
        batch.drop_column("rate_per_second")
