"""identity graph: profiles, identities, merges, reviews

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import BigId, Json, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_identities",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.BigInteger(), nullable=True),
        sa.Column("rejected", Json, nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_identities")),
    )
    with op.batch_alter_table("event_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_identities_identity_id"), ["identity_id"], unique=False
        )

    op.create_table(
        "identities",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("profile_id", sa.String(length=24), nullable=False),
        sa.Column("first_seen_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint(
            "workspace_id", "type", "value", name=op.f("uq_identities_workspace_id_type_value")
        ),
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identities_profile_id"), ["profile_id"], unique=False)

    op.create_table(
        "identity_refusals",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("profile_id", sa.String(length=24), nullable=True),
        sa.Column("identifier", Json, nullable=False),
        sa.Column("profiles", Json, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_refusals")),
    )
    with op.batch_alter_table("identity_refusals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_refusals_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "identity_reviews",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("profile_a", sa.String(length=24), nullable=False),
        sa.Column("profile_b", sa.String(length=24), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("explanation", Json, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_reviews")),
        sa.UniqueConstraint(
            "workspace_id",
            "profile_a",
            "profile_b",
            name=op.f("uq_identity_reviews_workspace_id_profile_a_profile_b"),
        ),
    )
    op.create_table(
        "identity_sightings",
        sa.Column("identity_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("raw", sa.String(length=320), nullable=False),
        sa.Column("first_seen_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "identity_id", "source_id", "raw", name=op.f("pk_identity_sightings")
        ),
    )
    op.create_table(
        "log_cursors",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_log_cursors")),
    )
    op.create_table(
        "profile_merges",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.String(length=24), nullable=False),
        sa.Column("merged_id", sa.String(length=24), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("identifiers", Json, nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("explanation", Json, nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("moved_identities", Json, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=False),
        sa.Column("undone_at", UtcDateTime, nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_merges")),
    )
    with op.batch_alter_table("profile_merges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profile_merges_merged_id"), ["merged_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_profile_merges_survivor_id"), ["survivor_id"], unique=False
        )

    op.create_table(
        "profile_separations",
        sa.Column("profile_a", sa.String(length=24), nullable=False),
        sa.Column("profile_b", sa.String(length=24), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("profile_a", "profile_b", name=op.f("pk_profile_separations")),
    )
    op.create_table(
        "profiles",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("merged_into", sa.String(length=24), nullable=True),
        sa.Column("merged_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profiles_merged_into"), ["merged_into"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_profiles_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profiles_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_profiles_merged_into"))

    op.drop_table("profiles")
    op.drop_table("profile_separations")
    with op.batch_alter_table("profile_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_merges_survivor_id"))
        batch_op.drop_index(batch_op.f("ix_profile_merges_merged_id"))

    op.drop_table("profile_merges")
    op.drop_table("log_cursors")
    op.drop_table("identity_sightings")
    op.drop_table("identity_reviews")
    with op.batch_alter_table("identity_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_refusals_profile_id"))

    op.drop_table("identity_refusals")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identities_profile_id"))

    op.drop_table("identities")
    with op.batch_alter_table("event_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_identities_identity_id"))

    op.drop_table("event_identities")
