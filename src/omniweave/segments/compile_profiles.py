"""Segment nodes over what ``profiles`` derives: computed traits, the consent in force and
reachability, compiled to SELECTs of profile ids. Pure: builds statements, never runs them.

The SQL restates the pure rules of ``profiles.consent_model`` and ``profiles.reachability``
(the decision in force is the latest of the profile's identifiers' decisions, a decision dated
after ``now`` counts as made now, a revoke wins a tie; an address is usable unless its latest
report is a hard bounce, a complaint or a block, or a soft bounce younger than the pause), so
a segment's members are exactly the profiles ``decide_reachability`` says may be reached.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Float, Text

from omniweave.core.errors import InvalidInput
from omniweave.core.time import as_utc
from omniweave.profiles.consent_model import ADDRESS_TYPES, GRANTED, HARD_BLOCKS, REVOKED
from omniweave.segments.model import ComputedNode, ConsentNode, ReachableNode
from omniweave.store.consent_tables import consents, delivery_states
from omniweave.store.tables import identities, profiles
from omniweave.store.trait_tables import computed_traits
from omniweave.store.types import UtcDateTime

if TYPE_CHECKING:
    from omniweave.segments.compile import Context

_MAX_DAYS = 3_000_000  # beyond any stored time; keeps ``now - days`` inside datetime's range

# --- computed traits ---------------------------------------------------------------------


class _JsonLeaf:
    """One value inside a JSON column, as text and as a number, the same on both backends:
    strings as themselves, booleans as ``true``/``false``, numbers as numbers; objects and
    JSON null are neither."""

    def __init__(self, column: Any, path: tuple[str, ...], dialect: str) -> None:
        if dialect == "sqlite":
            where = "$" + "".join(f".{p}" for p in path)
            raw, kind = func.json_extract(column, where), func.json_type(column, where)
            self.present = and_(kind.is_not(None), kind != "null")
            self.text = case(
                (kind == "text", raw),
                (kind.in_(("true", "false")), kind),
                (kind.in_(("integer", "real")), cast(raw, Text)),
                else_=None,
            )
            self.number = case((kind.in_(("integer", "real")), raw), else_=None)
            self.is_string = kind == "text"
        else:
            # The path's parts match [A-Za-z0-9_] (the model checks), so a literal is safe.
            where = literal_column("'{" + ",".join(path) + "}'::text[]")
            value = type_coerce(column, JSONB)
            raw, kind = value.op("#>>")(where), func.jsonb_typeof(value.op("#>")(where))
            self.present = and_(kind.is_not(None), kind != "null")
            self.text = case((kind.in_(("string", "boolean", "number")), raw), else_=None)
            self.number = case((kind == "number", cast(raw, Float)), else_=None)
            self.is_string = kind == "string"
        self.string = type_coerce(case((self.is_string, self.text), else_=None), Text)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value_test(leaf: _JsonLeaf, op: str, value: Any) -> ColumnElement:
    """The ``trait`` node's operators over a computed value."""
    if op == "exists":
        return leaf.present
    if op == "in":
        numbers = [float(v) for v in value if _is_number(v)]
        texts = [_as_text(v) for v in value if not _is_number(v)]
        return or_(
            leaf.number.in_(numbers) if numbers else false(),
            leaf.text.in_(texts) if texts else false(),
        )
    if op == "contains":
        return func.lower(leaf.text).contains(str(value).lower(), autoescape=True)
    if not _is_number(value):
        if op not in ("eq", "ne"):
            return false()
        return leaf.text == _as_text(value) if op == "eq" else leaf.text != _as_text(value)
    bound = literal(float(value))
    return {
        "eq": leaf.number == bound,
        "ne": leaf.number != bound,
        "gt": leaf.number > bound,
        "gte": leaf.number >= bound,
        "lt": leaf.number < bound,
        "lte": leaf.number <= bound,
    }[op]


def _stamp(moment: datetime) -> str:
    """A time as ``core.time.iso`` writes it, always with microseconds."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _days_test(last: ColumnElement, op: str, value: Any, now: datetime) -> ColumnElement:
    """``days`` (whole days from the stored last time to ``now``, floored like
    ``timedelta.days``) compared to ``value``, as comparisons of the stored time with
    constants: days >= k  <=>  last <= now - k days;  days <= k  <=>  last > now - (k+1) days."""

    def at_least(k: int) -> ColumnElement:
        k = max(-_MAX_DAYS, min(_MAX_DAYS, k))
        return last <= _stamp(now - timedelta(days=k))

    def at_most(k: int) -> ColumnElement:
        k = max(-_MAX_DAYS, min(_MAX_DAYS, k))
        return last > _stamp(now - timedelta(days=k + 1))

    def equal(v: float) -> ColumnElement:
        return and_(at_least(int(v)), at_most(int(v))) if v == int(v) else false()

    if op == "exists":
        return last.is_not(None)
    if op == "in":
        return or_(false(), *(equal(v) for v in value if _is_number(v)))
    if not _is_number(value):
        return false()
    return {
        "eq": lambda v: equal(v),
        "ne": lambda v: (
            or_(at_most(int(v) - 1), at_least(int(v) + 1)) if v == int(v) else last.is_not(None)
        ),
        "gt": lambda v: at_least(math.floor(v) + 1),
        "gte": lambda v: at_least(math.ceil(v)),
        "lt": lambda v: at_most(math.ceil(v) - 1),
        "lte": lambda v: at_most(math.floor(v)),
    }[op](value)


def computed(node: ComputedNode, ctx: Context) -> Select:
    """Profiles whose computed trait passes the test; ``days_since`` traits (known by their
    ``basis``, so any catalog works) compare their stored last time with constants."""
    spec, table = node.computed, computed_traits
    path = tuple(spec.path.split(".")) if spec.path else ()
    leaf = _JsonLeaf(table.c.value, path, ctx.dialect)
    test = _value_test(leaf, spec.op, spec.value)
    if not path:
        aggregation = func.coalesce(table.c.basis["aggregation"].as_string(), "")
        # iso() drops zero microseconds: pad so that text order is time order.
        stored = leaf.string
        last = case(
            (func.length(stored) == 20, func.substr(stored, 1, 19).op("||")(".000000Z")),
            else_=stored,
        )
        test = or_(
            and_(aggregation == "days_since", _days_test(last, spec.op, spec.value, ctx.now)),
            and_(aggregation != "days_since", test),
        )
    query = select(table.c.profile_id).where(
        table.c.workspace_id == ctx.workspace_id, table.c.name == spec.name, test
    )
    return query if ctx.only is None else query.where(table.c.profile_id.in_(ctx.only))


# --- consents and reachability -----------------------------------------------------------


def _decisions(ctx: Context, channel: str, topic: str) -> Select:
    """Every decision for the channel and topic given for any identifier of a live profile,
    dated no later than now (``consent_model.as_of``)."""
    now = literal(ctx.now, UtcDateTime())
    at = case((consents.c.at > now, now), else_=consents.c.at)
    return (
        select(
            identities.c.profile_id,
            consents.c.id,
            consents.c.state,
            consents.c.proof,
            at.label("at"),
        )
        .select_from(
            consents.join(
                identities,
                and_(
                    identities.c.workspace_id == consents.c.workspace_id,
                    identities.c.type == consents.c.subject_type,
                    identities.c.value == consents.c.subject_value,
                ),
            )
        )
        .where(
            consents.c.workspace_id == ctx.workspace_id,
            consents.c.channel == channel,
            consents.c.topic == topic,
        )
    )


def _in_force(ctx: Context, channel: str, topic: str, state: str) -> Select:
    """Profiles whose decision in force is ``state``: the latest; a revoke wins a tie."""
    made = _decisions(ctx, channel, topic).subquery()
    ranked = select(
        made.c.profile_id,
        made.c.state,
        func.row_number()
        .over(
            partition_by=made.c.profile_id,
            order_by=(
                made.c.at.desc(),
                case((made.c.state == REVOKED, 1), else_=0).desc(),
                made.c.id.desc(),
            ),
        )
        .label("rank"),
    ).subquery()
    return select(ranked.c.profile_id).where(ranked.c.rank == 1, ranked.c.state == state)


def _confirmed_grant(ctx: Context, channel: str, topic: str) -> Select:
    """Profiles with a grant whose double opt-in was confirmed and no revoke since
    (``consent_model.confirmed_grant``: a revoke at the same moment comes after the grant)."""
    grants = _decisions(ctx, channel, topic).subquery()
    revokes = _decisions(ctx, channel, topic).subquery()
    confirmed = _JsonLeaf(grants.c.proof, ("confirmedAt",), ctx.dialect)
    later_revoke = exists().where(
        revokes.c.profile_id == grants.c.profile_id,
        revokes.c.state == REVOKED,
        revokes.c.at >= grants.c.at,
    )
    # A confirmedAt that is not a string is ignored by Proof.from_dict; the SQL agrees.
    return select(grants.c.profile_id).where(
        grants.c.state == GRANTED, confirmed.is_string, ~later_revoke
    )


def consent(node: ConsentNode, ctx: Context) -> Select:
    spec = node.consent
    _check_topic(ctx, spec.topic, "consent")
    if spec.state in (GRANTED, REVOKED):
        return _in_force(ctx, spec.channel, spec.topic, spec.state)
    made = _decisions(ctx, spec.channel, spec.topic).subquery()
    return select(profiles.c.id.label("profile_id")).where(
        profiles.c.workspace_id == ctx.workspace_id,
        profiles.c.merged_into.is_(None),
        profiles.c.id.not_in(select(made.c.profile_id)),
    )


def _usable_addresses(ctx: Context, channel: str) -> Select:
    """Profiles with an address on the channel whose latest report (by time, then id) lets a
    message through now (``reachability.delivery_verdict``)."""
    reports = (
        select(
            delivery_states.c.address,
            delivery_states.c.state,
            delivery_states.c.at,
            func.row_number()
            .over(
                partition_by=delivery_states.c.address,
                order_by=(delivery_states.c.at.desc(), delivery_states.c.id.desc()),
            )
            .label("rank"),
        )
        .where(
            delivery_states.c.workspace_id == ctx.workspace_id,
            delivery_states.c.channel == channel,
        )
        .subquery()
    )
    latest = select(reports).where(reports.c.rank == 1).subquery()
    pause_over = literal(ctx.now - ctx.policy.soft_bounce_pause, UtcDateTime())
    return (
        select(identities.c.profile_id)
        .select_from(identities.outerjoin(latest, latest.c.address == identities.c.value))
        .where(
            identities.c.workspace_id == ctx.workspace_id,
            identities.c.type == ADDRESS_TYPES[channel],
            or_(
                latest.c.state.is_(None),
                latest.c.state == "ok",
                and_(latest.c.state.not_in(HARD_BLOCKS), latest.c.at <= pause_over),
            ),
        )
    )


def reachable(node: ReachableNode, ctx: Context) -> Select:
    """A usable address AND the consent the topic needs (``reachability.consent_verdict``)."""
    channel, topic, policy = node.reachable.channel, node.reachable.topic, ctx.policy
    _check_topic(ctx, topic, "reachable")
    usable = _usable_addresses(ctx, channel).subquery()
    if not policy.needs_opt_in(topic):
        refused = _in_force(ctx, channel, topic, REVOKED)
        allowed = usable.c.profile_id.not_in(refused)
    elif channel == "email" and policy.email_double_opt_in:
        allowed = usable.c.profile_id.in_(_confirmed_grant(ctx, channel, topic))
    else:
        allowed = usable.c.profile_id.in_(_in_force(ctx, channel, topic, GRANTED))
    return select(usable.c.profile_id).where(allowed).distinct()


def _check_topic(ctx: Context, topic: str, node: str) -> None:
    if topic not in ctx.policy.topics:
        raise InvalidInput.one(
            "definition",
            f"{node}.topic: unknown topic {topic!r}; one of {', '.join(ctx.policy.topics)}",
        )
