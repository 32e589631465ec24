"""Merges the probabilistic matcher proposes: above the auto-merge threshold they happen (and
say the probability and why), in the band below they wait for a person in the review queue."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from omniweave.core.errors import Conflict, NotFound
from omniweave.identity.graph_repo import root_of, row_dicts, separate
from omniweave.identity.model import IdentityRules
from omniweave.identity.resolver import merge_profiles
from omniweave.store.dialect import Dialect
from omniweave.store.tables import (
    identities,
    identity_reviews,
    profile_merges,
    profile_separations,
    profiles,
)


@dataclass(frozen=True)
class Proposal:
    """Two profiles the model thinks are one person."""

    profile_a: str
    profile_b: str
    probability: float
    explanation: dict[str, Any]  # per comparison: level and weight, for the UI


@dataclass(frozen=True)
class Thresholds:
    auto_merge: float = 0.99
    review: float = 0.80


def propose(
    conn: Connection,
    dialect: Dialect,
    rules: IdentityRules,
    proposal: Proposal,
    thresholds: Thresholds,
    now: datetime,
) -> str:
    """Merge, queue for review, or ignore a proposal; returns which (with the reason when the
    rules hold it back: a merge limit or an operator's split sends it to review instead)."""
    a, b = root_of(conn, proposal.profile_a), root_of(conn, proposal.profile_b)
    if a is None or b is None or a == b or proposal.probability < thresholds.review:
        return "ignored"
    blocked = _blocked(conn, rules, a, b)
    if proposal.probability >= thresholds.auto_merge and blocked is None:
        _merge(conn, a, b, "model", proposal.probability, proposal.explanation, now)
        return "merged"
    if blocked and "split" in blocked:
        return "ignored"
    first, second = sorted((a, b))
    stmt = dialect.insert_ignoring_duplicates(
        identity_reviews, ("workspace_id", "profile_a", "profile_b")
    )
    conn.execute(
        stmt.values(
            workspace_id=_workspace(conn, a),
            profile_a=first,
            profile_b=second,
            probability=proposal.probability,
            explanation={**proposal.explanation, **({"heldBack": blocked} if blocked else {})},
            status="pending",
            created_at=now,
        )
    )
    return "review"


def reviews(conn: Connection, workspace_id: int, status: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(identity_reviews)
        .where(identity_reviews.c.workspace_id == workspace_id, identity_reviews.c.status == status)
        .order_by(identity_reviews.c.probability.desc(), identity_reviews.c.id)
        .limit(limit)
    )
    return row_dicts(rows)


def decide(
    conn: Connection,
    dialect: Dialect,
    rules: IdentityRules,
    workspace_id: int,
    review_id: int,
    approve: bool,
    by: str,
    now: datetime,
) -> dict[str, Any]:
    """Approve (merge, recorded as the reviewer's decision) or reject (never merge them)."""
    review = conn.execute(
        select(identity_reviews).where(
            identity_reviews.c.id == review_id, identity_reviews.c.workspace_id == workspace_id
        )
    ).first()
    if review is None:
        raise NotFound(f"no review {review_id}")
    if review.status != "pending":
        raise Conflict(f"review {review_id} was already {review.status}")
    a, b = root_of(conn, review.profile_a), root_of(conn, review.profile_b)
    outcome: dict[str, Any] = {"reviewId": review_id}
    if approve:
        if a != b:
            blocked = _blocked(conn, rules, a, b)
            if blocked:
                raise Conflict(f"cannot merge: {blocked}")
            survivor = _merge(conn, a, b, "review", review.probability, review.explanation, now)
            outcome["merged"] = survivor
    else:
        separate(conn, dialect, workspace_id, a, b, f"review {review_id} rejected by {by}", now)
    status = "approved" if approve else "rejected"
    conn.execute(
        update(identity_reviews)
        .where(identity_reviews.c.id == review_id)
        .values(status=status, decided_at=now, decided_by=by)
    )
    return {**outcome, "status": status}


def _blocked(conn: Connection, rules: IdentityRules, a: str, b: str) -> str | None:
    first, second = sorted((a, b))
    split = conn.execute(
        select(profile_separations.c.reason).where(
            profile_separations.c.profile_a == first, profile_separations.c.profile_b == second
        )
    ).first()
    if split is not None:
        return f"split apart: {split.reason}"
    counts: Counter[str] = Counter(
        dict(
            conn.execute(
                select(identities.c.type, func.count())
                .where(identities.c.profile_id.in_((a, b)))
                .group_by(identities.c.type)
            ).all()
        )
    )
    for kind, n in sorted(counts.items()):
        if n > rules.limit(kind):
            return f"together they would hold {n} {kind} identifiers (limit {rules.limit(kind)})"
    return None


def _merge(
    conn: Connection,
    a: str,
    b: str,
    rule: str,
    probability: float,
    explanation: dict[str, Any],
    now: datetime,
) -> str:
    ages = {
        row.id: row.created_seq
        for row in conn.execute(
            select(profiles.c.id, profiles.c.created_seq).where(profiles.c.id.in_((a, b)))
        )
    }
    survivor, loser = sorted((a, b), key=lambda p: (ages.get(p, 0), p))
    moved = merge_profiles(conn, survivor, loser, now)
    conn.execute(
        profile_merges.insert().values(
            workspace_id=_workspace(conn, survivor),
            survivor_id=survivor,
            merged_id=loser,
            rule=rule,
            identifiers=[],
            probability=probability,
            explanation=explanation,
            moved_identities=sorted(moved),
            decided_at=now,
        )
    )
    return survivor


def _workspace(conn: Connection, profile_id: str) -> int:
    return conn.execute(
        select(profiles.c.workspace_id).where(profiles.c.id == profile_id)
    ).scalar_one()
