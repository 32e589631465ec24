"""consents and channel delivery state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import BigId, Json, UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_value", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("via", sa.String(length=100), nullable=False),
        sa.Column("proof", Json, nullable=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint(
            "event_id", "channel", "topic", name=op.f("uq_consents_event_id_channel_topic")
        ),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consents_workspace_id_subject_type_subject_value"),
            ["workspace_id", "subject_type", "subject_value"],
            unique=False,
        )

    op.create_table(
        "delivery_states",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_states")),
    )
    with op.batch_alter_table("delivery_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_states_workspace_id_channel_address"),
            ["workspace_id", "channel", "address"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_states_workspace_id_channel_address"))

    op.drop_table("delivery_states")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_workspace_id_subject_type_subject_value"))

    op.drop_table("consents")
