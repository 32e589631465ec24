"""computed traits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import Json, JsonValue, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "computed_traits",
        sa.Column("profile_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("value", JsonValue(), nullable=True),
        sa.Column("computed_at", UtcDateTime, nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("basis", Json, nullable=False),
        sa.Column("definition_hash", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "name", name=op.f("pk_computed_traits")),
    )
    with op.batch_alter_table("computed_traits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_computed_traits_workspace_id_name"),
            ["workspace_id", "name"],
            unique=False,
        )
    op.create_table(
        "trait_cutoffs",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("cutoffs", JsonValue(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("computed_at", UtcDateTime, nullable=False),
        sa.Column("definition_hash", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "name", name=op.f("pk_trait_cutoffs")),
    )


def downgrade() -> None:
    op.drop_table("trait_cutoffs")
    with op.batch_alter_table("computed_traits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_computed_traits_workspace_id_name"))
    op.drop_table("computed_traits")
