"""Promotions (versions), coupons and the loyalty points ledger (issue 7)."""

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

from omniweave.store.tables import metadata
from omniweave.store.types import BigId, Json, UtcDateTime

# Every version of every promotion; ``current`` marks the one in force (none after a delete).
promotions = Table(
    "promotions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("key", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", Json, nullable=False),
    Column("current", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),
    UniqueConstraint("workspace_id", "key", "version"),
    Index(None, "workspace_id", "current"),
)

# Bumped on every change of a workspace's promotions: the pricing cache reloads when it moves.
pricing_versions = Table(
    "pricing_versions",
    metadata,
    Column("workspace_id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

coupon_pools = Table(
    "coupon_pools",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("key", String(100), nullable=False),
    Column("max_uses", Integer, nullable=False),  # per code: 1 is single-use
    Column("per_person", Integer, nullable=True),  # redemptions per person over the pool
    Column("personal", Boolean, nullable=False),  # a code issued to someone is theirs alone
    Column("valid_from", UtcDateTime, nullable=True),
    Column("valid_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("pool_id", BigInteger, nullable=False, index=True),
    Column("code", String(64), nullable=False),
    Column("uses", Integer, nullable=False),
    Column("max_uses", Integer, nullable=False),
    Column("issued_to", String(64), nullable=True, index=True),  # a profile id
    Column("issued_key", String(200), nullable=True),  # makes an issue idempotent
    Column("issued_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "code"),
    UniqueConstraint("pool_id", "issued_key"),
    CheckConstraint("uses <= max_uses", name="uses_within_limit"),
)

coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("coupon_id", BigInteger, nullable=False),
    Column("pool_id", BigInteger, nullable=False),
    Column("order_id", String(255), nullable=False),
    Column("profile_id", String(64), nullable=True, index=True),
    Column("redeemed_at", UtcDateTime, nullable=False),
    Column("reversed_at", UtcDateTime, nullable=True),
    UniqueConstraint("coupon_id", "order_id"),
)

# Double entry: every transaction moves points between two accounts (a person's and one of
# the programme's: issued, redeemed, expired), so all entries sum to zero. A person's balance
# is kept on the account row and can never go below zero (the CHECK and a guarded UPDATE).
loyalty_accounts = Table(
    "loyalty_accounts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("holder", String(64), nullable=False),  # a profile id, or "program:<name>"
    Column("kind", String(10), nullable=False),  # person | program
    Column("balance", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "holder"),
    CheckConstraint("kind <> 'person' OR balance >= 0", name="person_balance_not_negative"),
)

loyalty_transactions = Table(
    "loyalty_transactions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("key", String(255), nullable=False),  # idempotency: "order:42:earn", ...
    Column("kind", String(16), nullable=False),  # earn | spend | expire | reverse | bonus
    Column("profile_id", String(64), nullable=False, index=True),
    Column("order_id", String(255), nullable=True),
    Column("points", BigInteger, nullable=False),  # signed, as the person's balance moves
    Column("amount", Numeric(14, 2), nullable=True),  # money paid (earn) or given back
    Column("reason", Text, nullable=False),
    Column("data", Json, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("workspace_id", "key"),
    Index(None, "workspace_id", "order_id"),
)

loyalty_entries = Table(
    "loyalty_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("transaction_id", BigInteger, nullable=False, index=True),
    Column("account_id", BigInteger, nullable=False, index=True),
    Column("points", BigInteger, nullable=False),
)

# Earned points as lots, spent oldest first, so that expiry knows what is left of each.
loyalty_lots = Table(
    "loyalty_lots",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, nullable=False),
    Column("transaction_id", BigInteger, nullable=False, unique=True),
    Column("points", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("earned_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Index(None, "account_id", "remaining"),
    Index(None, "expires_at"),
)
