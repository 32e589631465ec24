"""segment memberships: who is in each segment now, and every past stay

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "segment_memberships",
        sa.Column("segment_id", sa.BigInteger(), nullable=False),
        sa.Column("profile_id", sa.String(length=24), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", UtcDateTime, nullable=False),
        sa.Column("exited_at", UtcDateTime, nullable=True),
        sa.Column("exit_reason", sa.String(length=16), nullable=True),
        sa.Column("carried_from", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint(
            "segment_id", "profile_id", "entry", name=op.f("pk_segment_memberships")
        ),
    )
    with op.batch_alter_table("segment_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_segment_memberships_segment_id_exited_at_profile_id"),
            ["segment_id", "exited_at", "profile_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_segment_memberships_profile_id"), ["profile_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("segment_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segment_memberships_profile_id"))
        batch_op.drop_index(batch_op.f("ix_segment_memberships_segment_id_exited_at_profile_id"))
    op.drop_table("segment_memberships")
