"""pricing and loyalty: promotions, coupons, the loyalty points ledger

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import BigId, Json, UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon_pools",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("per_person", sa.Integer(), nullable=True),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("valid_from", UtcDateTime, nullable=True),
        sa.Column("valid_until", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_pools")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_coupon_pools_workspace_id_key")),
    )
    op.create_table(
        "coupon_redemptions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.BigInteger(), nullable=False),
        sa.Column("pool_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("profile_id", sa.String(length=64), nullable=True),
        sa.Column("redeemed_at", UtcDateTime, nullable=False),
        sa.Column("reversed_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_redemptions")),
        sa.UniqueConstraint(
            "coupon_id", "order_id", name=op.f("uq_coupon_redemptions_coupon_id_order_id")
        ),
    )
    op.create_index(
        op.f("ix_coupon_redemptions_profile_id"), "coupon_redemptions", ["profile_id"], unique=False
    )
    op.create_table(
        "coupons",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("issued_to", sa.String(length=64), nullable=True),
        sa.Column("issued_key", sa.String(length=200), nullable=True),
        sa.Column("issued_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("uses <= max_uses", name="uses_within_limit"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("pool_id", "issued_key", name=op.f("uq_coupons_pool_id_issued_key")),
        sa.UniqueConstraint("workspace_id", "code", name=op.f("uq_coupons_workspace_id_code")),
    )
    op.create_index(op.f("ix_coupons_issued_to"), "coupons", ["issued_to"], unique=False)
    op.create_index(op.f("ix_coupons_pool_id"), "coupons", ["pool_id"], unique=False)
    op.create_table(
        "loyalty_accounts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("kind <> 'person' OR balance >= 0", name="person_balance_not_negative"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_accounts")),
        sa.UniqueConstraint(
            "workspace_id", "holder", name=op.f("uq_loyalty_accounts_workspace_id_holder")
        ),
    )
    op.create_table(
        "loyalty_entries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entries")),
    )
    op.create_index(
        op.f("ix_loyalty_entries_account_id"), "loyalty_entries", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_loyalty_entries_transaction_id"),
        "loyalty_entries",
        ["transaction_id"],
        unique=False,
    )
    op.create_table(
        "loyalty_lots",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_lots")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_loyalty_lots_transaction_id")),
    )
    op.create_index(
        op.f("ix_loyalty_lots_account_id_remaining"),
        "loyalty_lots",
        ["account_id", "remaining"],
        unique=False,
    )
    op.create_index(
        op.f("ix_loyalty_lots_expires_at"), "loyalty_lots", ["expires_at"], unique=False
    )
    op.create_table(
        "loyalty_transactions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("profile_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", Json, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_transactions")),
        sa.UniqueConstraint(
            "workspace_id", "key", name=op.f("uq_loyalty_transactions_workspace_id_key")
        ),
    )
    op.create_index(
        op.f("ix_loyalty_transactions_profile_id"),
        "loyalty_transactions",
        ["profile_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_loyalty_transactions_workspace_id_order_id"),
        "loyalty_transactions",
        ["workspace_id", "order_id"],
        unique=False,
    )
    op.create_table(
        "pricing_versions",
        sa.Column("workspace_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_pricing_versions")),
    )
    op.create_table(
        "promotions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", Json, nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("deleted_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
        sa.UniqueConstraint(
            "workspace_id", "key", "version", name=op.f("uq_promotions_workspace_id_key_version")
        ),
    )
    op.create_index(
        op.f("ix_promotions_workspace_id_current"),
        "promotions",
        ["workspace_id", "current"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("loyalty_lots")
    op.drop_table("loyalty_entries")
    op.drop_table("loyalty_transactions")
    op.drop_table("loyalty_accounts")
    op.drop_table("coupon_redemptions")
    op.drop_table("coupons")
    op.drop_table("coupon_pools")
    op.drop_table("pricing_versions")
    op.drop_table("promotions")
