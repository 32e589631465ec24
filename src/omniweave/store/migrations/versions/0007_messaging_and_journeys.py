"""messaging and journeys: templates, the outbox, campaigns, journey runs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import BigId, Json, UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", UtcDateTime, nullable=False),
        sa.Column("last_at", UtcDateTime, nullable=False),
        sa.Column("notified_at", UtcDateTime, nullable=True),
        sa.Column("resolved_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alerts_kind_subject_resolved_at"),
            ["kind", "subject", "resolved_at"],
            unique=False,
        )

    op.create_table(
        "campaigns",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition", Json, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", UtcDateTime, nullable=True),
        sa.Column("started_at", UtcDateTime, nullable=True),
        sa.Column("finished_at", UtcDateTime, nullable=True),
        sa.Column("last_profile", sa.String(length=24), nullable=True),
        sa.Column("counts", Json, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_campaigns_workspace_id_name")),
    )
    op.create_table(
        "journey_runs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.BigInteger(), nullable=False),
        sa.Column("journey", sa.String(length=64), nullable=False),
        sa.Column("profile_id", sa.String(length=24), nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("entered_at", UtcDateTime, nullable=False),
        sa.Column("wake_at", UtcDateTime, nullable=True),
        sa.Column("waiting_for", Json, nullable=True),
        sa.Column("variant", sa.String(length=64), nullable=True),
        sa.Column("held_out", sa.Boolean(), nullable=False),
        sa.Column("path", Json, nullable=False),
        sa.Column("entry", Json, nullable=False),
        sa.Column("ended_at", UtcDateTime, nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_runs")),
        sa.UniqueConstraint(
            "workspace_id",
            "journey",
            "entry_key",
            name=op.f("uq_journey_runs_workspace_id_journey_entry_key"),
        ),
    )
    with op.batch_alter_table("journey_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journey_runs_journey_id_status"), ["journey_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_journey_runs_profile_id_journey_status"),
            ["profile_id", "journey", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_journey_runs_status_wake_at"), ["status", "wake_at"], unique=False
        )

    op.create_table(
        "journey_steps",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_steps")),
    )
    with op.batch_alter_table("journey_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journey_steps_journey_id_step_outcome"),
            ["journey_id", "step", "outcome"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_journey_steps_run_id"), ["run_id"], unique=False)

    op.create_table(
        "journeys",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", Json, nullable=False),
        sa.Column("hash", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_scheduled_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
        sa.UniqueConstraint(
            "workspace_id", "name", "version", name=op.f("uq_journeys_workspace_id_name_version")
        ),
    )
    op.create_table(
        "message_templates",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", Json, nullable=False),
        sa.Column("hash", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint(
            "workspace_id",
            "name",
            "version",
            name=op.f("uq_message_templates_workspace_id_name_version"),
        ),
    )
    op.create_table(
        "messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("profile_id", sa.String(length=24), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("origin_name", sa.String(length=100), nullable=True),
        sa.Column("origin_id", sa.BigInteger(), nullable=True),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=50), nullable=False),
        sa.Column("transactional", sa.Boolean(), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision", Json, nullable=False),
        sa.Column("cost", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("content", Json, nullable=True),
        sa.Column("context", Json, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("lease_until", UtcDateTime, nullable=True),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("fallback_of", sa.BigInteger(), nullable=True),
        sa.Column("fallback_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.Column("delivered_at", UtcDateTime, nullable=True),
        sa.Column("opened_at", UtcDateTime, nullable=True),
        sa.Column("clicked_at", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_messages_key")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_messages_brand_dedup_key_created_at"),
            ["brand", "dedup_key", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_messages_fallback_at"), ["fallback_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_messages_profile_id_created_at"),
            ["profile_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_messages_provider_id"), ["provider_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_messages_status_next_attempt_at"),
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_messages_workspace_id_origin_origin_id"),
            ["workspace_id", "origin", "origin_id"],
            unique=False,
        )

    op.create_table(
        "web_push_subscriptions",
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("endpoint", name=op.f("pk_web_push_subscriptions")),
    )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("brand", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("brand")

    op.drop_table("web_push_subscriptions")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_workspace_id_origin_origin_id"))
        batch_op.drop_index(batch_op.f("ix_messages_status_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_messages_provider_id"))
        batch_op.drop_index(batch_op.f("ix_messages_profile_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_messages_fallback_at"))
        batch_op.drop_index(batch_op.f("ix_messages_brand_dedup_key_created_at"))

    op.drop_table("messages")
    op.drop_table("message_templates")
    op.drop_table("journeys")
    with op.batch_alter_table("journey_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_steps_run_id"))
        batch_op.drop_index(batch_op.f("ix_journey_steps_journey_id_step_outcome"))

    op.drop_table("journey_steps")
    with op.batch_alter_table("journey_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_runs_status_wake_at"))
        batch_op.drop_index(batch_op.f("ix_journey_runs_profile_id_journey_status"))
        batch_op.drop_index(batch_op.f("ix_journey_runs_journey_id_status"))

    op.drop_table("journey_runs")
    op.drop_table("campaigns")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_kind_subject_resolved_at"))

    op.drop_table("alerts")
