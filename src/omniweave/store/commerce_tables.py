"""Commerce (issue 7): the catalog, price lists, stock per location, carts, pickup
reservations, order status history and the catalog changes announced to journeys.

Everything is keyed by the workspace and the business's own codes (sku, price list id,
location id): a feed or a till names them, so a re-import addresses the same rows.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from omniweave.store.tables import Ref, metadata
from omniweave.store.types import BigId, Json, UtcDateTime

Code = String(100)  # a sku, a category, a price list or a location as the business names it

catalog_categories = Table(
    "catalog_categories",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("category_id", Code, primary_key=True),
    Column("parent_id", Code, nullable=True),  # NULL: a root of the tree
    Column("name", String(255), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A product is a sellable sku; a variant is one whose ``parent_sku`` names its product.
catalog_products = Table(
    "catalog_products",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("sku", Code, primary_key=True),
    Column("parent_sku", Code, nullable=True),
    Column("name", String(500), nullable=False),
    Column("category_id", Code, nullable=True),
    Column("brand", String(255), nullable=True),
    Column("attributes", Json, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("url", String(2000), nullable=True),
    Column("image", String(2000), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "workspace_id", "parent_sku"),
    Index(None, "workspace_id", "category_id"),
)

# A list names a store, or a channel, or neither (the base list); prices fall back in that
# order, sku by sku (commerce.catalog_repo.price_lines).
price_lists = Table(
    "price_lists",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("price_list_id", Code, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("store", Code, nullable=True),
    Column("channel", String(20), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

prices = Table(
    "prices",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("price_list_id", Code, primary_key=True),
    Column("sku", Code, primary_key=True),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("compare_at", Numeric(14, 2), nullable=True),  # the "old" price shown crossed out
    Column("version", Integer, nullable=False),  # +1 per change: fixes announcement ids
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "workspace_id", "sku"),
)

stock_locations = Table(
    "stock_locations",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("location_id", Code, primary_key=True),  # a store's code is its till's source name
    Column("name", String(255), nullable=False),
    Column("kind", String(10), nullable=False),  # store | warehouse
    Column("region", String(100), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("is_pickup_point", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Whole units. ``reserved`` is held for pickup orders and never exceeds ``on_hand``.
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("location_id", Code, primary_key=True),
    Column("sku", Code, primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("version", Integer, nullable=False),  # +1 per change: fixes announcement ids
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(
        "on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand", name="ck_stock_levels_reserved"
    ),
    Index(None, "workspace_id", "sku"),
)

# Stock held for a buy-online-pick-up-in-store order: held, then released or converted.
stock_reservations = Table(
    "stock_reservations",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("order_id", String(255), primary_key=True),
    Column("sku", Code, primary_key=True),
    Column("location_id", Code, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # held | released | converted
    Column("reason", Text, nullable=True),  # why it was released or converted
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("settled_at", UtcDateTime, nullable=True),
    Index(None, "status", "expires_at"),
)

# Every status an order went through, with the rule that allowed it.
order_transitions = Table(
    "order_transitions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("order_id", String(255), nullable=False),
    Column("from_status", String(20), nullable=True),  # NULL: the order was created
    Column("to_status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("message_id", String(255), nullable=False),  # the order version that moved it
    Column("at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "order_id", "message_id"),
)

# One cart per person (the live profile), folded from cart events of every channel.
carts = Table(
    "carts",
    metadata,
    Column("profile_id", Ref, primary_key=True),
    Column("workspace_id", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # open | checkout | ordered | empty
    Column("lines", Json, nullable=False),
    Column("currency", String(3), nullable=True),
    Column("channels", Json, nullable=False),  # where its lines were added
    Column("last_event_id", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),  # the last cart event's time
    Index(None, "workspace_id", "status", "updated_at"),
)

# Moves with every change to a workspace's products, categories, price lists or prices, so
# that readers can keep what they read until it moves (the till's price calculation).
catalog_versions = Table(
    "catalog_versions",
    metadata,
    Column("workspace_id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A Back In Stock or Price Dropped, with the data behind it and who was told.
catalog_changes = Table(
    "catalog_changes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("change_id", String(255), nullable=False),  # derived: kind, where, sku, version
    Column("kind", String(20), nullable=False),  # back_in_stock | price_dropped
    Column("sku", Code, nullable=False),
    Column("location_id", Code, nullable=True),
    Column("price_list_id", Code, nullable=True),
    Column("old_value", Numeric(14, 2), nullable=False),
    Column("new_value", Numeric(14, 2), nullable=False),
    Column("people", Integer, nullable=False),  # per-person events emitted
    Column("occurred_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "change_id"),
    Index(None, "workspace_id", "sku"),
)
