"""commerce: catalog, price lists, stock, pickup reservations, carts, order history

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from omniweave.store.types import BigId, Json, UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("profile_id", sa.String(length=24), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("lines", Json, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("channels", Json, nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_carts")),
    )
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_carts_workspace_id_status_updated_at"),
            ["workspace_id", "status", "updated_at"],
            unique=False,
        )

    op.create_table(
        "catalog_categories",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "category_id", name=op.f("pk_catalog_categories")),
    )
    op.create_table(
        "catalog_versions",
        sa.Column("workspace_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_catalog_versions")),
    )
    op.create_table(
        "catalog_changes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("location_id", sa.String(length=100), nullable=True),
        sa.Column("price_list_id", sa.String(length=100), nullable=True),
        sa.Column("old_value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("new_value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_changes")),
        sa.UniqueConstraint(
            "workspace_id", "change_id", name=op.f("uq_catalog_changes_workspace_id_change_id")
        ),
    )
    with op.batch_alter_table("catalog_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_changes_workspace_id_sku"), ["workspace_id", "sku"], unique=False
        )

    op.create_table(
        "catalog_products",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("parent_sku", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("category_id", sa.String(length=100), nullable=True),
        sa.Column("brand", sa.String(length=255), nullable=True),
        sa.Column("attributes", Json, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("image", sa.String(length=2000), nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "sku", name=op.f("pk_catalog_products")),
    )
    with op.batch_alter_table("catalog_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_products_workspace_id_category_id"),
            ["workspace_id", "category_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_products_workspace_id_parent_sku"),
            ["workspace_id", "parent_sku"],
            unique=False,
        )

    op.create_table(
        "order_transitions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_transitions")),
        sa.UniqueConstraint(
            "workspace_id",
            "order_id",
            "message_id",
            name=op.f("uq_order_transitions_workspace_id_order_id_message_id"),
        ),
    )
    op.create_table(
        "price_lists",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("store", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "price_list_id", name=op.f("pk_price_lists")),
    )
    op.create_table(
        "prices",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("compare_at", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "price_list_id", "sku", name=op.f("pk_prices")),
    )
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prices_workspace_id_sku"), ["workspace_id", "sku"], unique=False
        )

    op.create_table(
        "stock_levels",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand",
            name="ck_stock_levels_reserved",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "location_id", "sku", name=op.f("pk_stock_levels")),
    )
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_levels_workspace_id_sku"), ["workspace_id", "sku"], unique=False
        )

    op.create_table(
        "stock_locations",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("is_pickup_point", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "location_id", name=op.f("pk_stock_locations")),
    )
    op.create_table(
        "stock_reservations",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("location_id", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("settled_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint(
            "workspace_id", "order_id", "sku", name=op.f("pk_stock_reservations")
        ),
    )
    with op.batch_alter_table("stock_reservations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_reservations_status_expires_at"),
            ["status", "expires_at"],
            unique=False,
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pickup_store", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("pickup_store")

    with op.batch_alter_table("stock_reservations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_reservations_status_expires_at"))

    op.drop_table("stock_reservations")
    op.drop_table("stock_locations")
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_levels_workspace_id_sku"))

    op.drop_table("stock_levels")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prices_workspace_id_sku"))

    op.drop_table("prices")
    op.drop_table("price_lists")
    op.drop_table("order_transitions")
    with op.batch_alter_table("catalog_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_products_workspace_id_parent_sku"))
        batch_op.drop_index(batch_op.f("ix_catalog_products_workspace_id_category_id"))

    op.drop_table("catalog_products")
    with op.batch_alter_table("catalog_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_changes_workspace_id_sku"))

    op.drop_table("catalog_changes")
    op.drop_table("catalog_versions")
    op.drop_table("catalog_categories")
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carts_workspace_id_status_updated_at"))

    op.drop_table("carts")
