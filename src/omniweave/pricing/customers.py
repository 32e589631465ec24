"""Who is at the till: a customer identifier resolved through the identity graph, and what
pricing reads about them (segments, tier, points)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from omniweave.core.errors import InvalidInput
from omniweave.identity.extract import normalised
from omniweave.identity.graph_repo import root_of
from omniweave.identity.model import IdentityRules
from omniweave.identity.profile_view import find_by_identifier, workspace_of
from omniweave.pricing import ledger
from omniweave.pricing.program import Loyalty, tier_for
from omniweave.pricing.requests import CustomerRef
from omniweave.store.segment_tables import segment_memberships as sm
from omniweave.store.segment_tables import segments

KINDS = (
    ("userId", "user_id"),
    ("loyaltyCard", "loyalty_card"),
    ("email", "email"),
    ("phone", "phone"),
)


@dataclass(frozen=True)
class Customer:
    profile_id: str | None
    note: str  # how they were found, or why not
    segments: frozenset[str] = frozenset()
    tier: str | None = None
    tier_reason: str = ""
    balance: int = 0


def resolve(
    conn: Connection, rules: IdentityRules, ws: int, ref: CustomerRef | None
) -> tuple[str | None, str]:
    """The profile id today and how it was found; (None, why) when nobody matches."""
    if ref is None:
        return None, "no customer given"
    if ref.profileId:
        root = root_of(conn, ref.profileId)
        if root is None or workspace_of(conn, root) != ws:
            return None, f"no profile {ref.profileId!r}"
        return root, f"profile {ref.profileId}"
    for field, kind in KINDS:
        raw = getattr(ref, field)
        if not raw:
            continue
        ident = normalised(kind, raw, rules)
        if not ident.valid and ident.reason and "undeclared" not in ident.reason:
            raise InvalidInput.one(
                f"customer.{field}", f"{raw!r} cannot identify anyone: {ident.reason}"
            )
        root = find_by_identifier(conn, ws, kind, ident.value)
        if root is not None:
            return root, f"{field} {raw}"
        return None, f"nobody known by {field} {raw!r} yet"
    return None, "no customer given"


def facts(
    conn: Connection, ws: int, profile_id: str | None, note: str, loyalty: Loyalty, now: datetime
) -> Customer:
    if profile_id is None:
        return Customer(None, note)
    names = conn.execute(
        select(segments.c.name)
        .join(sm, sm.c.segment_id == segments.c.id)
        .where(
            sm.c.profile_id == profile_id, sm.c.exited_at.is_(None), segments.c.workspace_id == ws
        )
    ).scalars()
    spend = ledger.spend_since(conn, ws, profile_id, now - timedelta(days=loyalty.window_days))
    tier, why = tier_for(spend, loyalty.tiers, loyalty.window_days)
    return Customer(
        profile_id, note, frozenset(names), tier, why, ledger.balance(conn, ws, profile_id)
    )
