"""Segment definitions compiled to one SQL query of profile ids (SQLAlchemy Core, so the same
tree runs on SQLite and PostgreSQL). Pure: builds statements, never executes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    case,
    except_,
    func,
    intersect,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.sql.elements import ColumnElement

from omniweave.core.errors import InvalidInput
from omniweave.profiles.consent_model import ConsentPolicy
from omniweave.segments import compile_profiles
from omniweave.segments.model import (
    AllNode,
    AnyNode,
    ComputedNode,
    ConsentNode,
    EventNode,
    IdentifierNode,
    Node,
    NotNode,
    PropertyTest,
    ReachableNode,
    SegmentNode,
    TraitNode,
)
from omniweave.store.tables import event_identities, events, identities, profiles


@dataclass(frozen=True)
class Context:
    workspace_id: int
    now: datetime
    dialect: str  # "sqlite" | "postgresql"
    definitions: Callable[[str], Node | None]  # other segments, by name
    _stack: tuple[str, ...] = field(default=())
    # What ``reachable`` needs: topics that need no opt-in, double opt-in, soft-bounce pause.
    policy: ConsentPolicy = field(default_factory=ConsentPolicy)


def members(node: Node, ctx: Context) -> Select:
    """SELECT profile_id of the live profiles in the segment."""
    universe = _universe(ctx)
    found = _node(node, ctx).subquery()
    return select(universe.c.profile_id).where(
        universe.c.profile_id.in_(select(found.c.profile_id))
    )


def _universe(ctx: Context):
    return (
        select(profiles.c.id.label("profile_id"))
        .where(profiles.c.workspace_id == ctx.workspace_id, profiles.c.merged_into.is_(None))
        .subquery()
    )


def _node(node: Node, ctx: Context) -> Select:
    if isinstance(node, AllNode | AnyNode):
        parts = [
            _wrapped(child, ctx) for child in (node.all if isinstance(node, AllNode) else node.any)
        ]
        if len(parts) == 1:
            return parts[0]
        combined = intersect(*parts) if isinstance(node, AllNode) else union(*parts)
        return _reselect(combined)
    if isinstance(node, NotNode):
        universe = _universe(ctx)
        return _reselect(except_(select(universe.c.profile_id), _wrapped(node.not_, ctx)))
    if isinstance(node, EventNode):
        return _event(node, ctx)
    if isinstance(node, TraitNode):
        return _trait(node, ctx)
    if isinstance(node, IdentifierNode):
        return (
            select(identities.c.profile_id)
            .where(
                identities.c.workspace_id == ctx.workspace_id,
                identities.c.type == node.identifier.type,
            )
            .distinct()
        )
    if isinstance(node, SegmentNode):
        return _segment(node, ctx)
    if isinstance(node, ComputedNode):
        return compile_profiles.computed(node, ctx)
    if isinstance(node, ReachableNode):
        return compile_profiles.reachable(node, ctx)
    if isinstance(node, ConsentNode):
        return compile_profiles.consent(node, ctx)
    raise TypeError(f"unknown node {node!r}")


def _wrapped(node: Node, ctx: Context) -> Select:
    """Each operand as SELECT ... FROM (subquery): SQLite cannot nest compound selects."""
    return _reselect(_node(node, ctx))


def _reselect(query: Any) -> Select:
    sub = query.subquery()
    return select(sub.c.profile_id)


def _attributed():
    return events.join(event_identities, event_identities.c.event_id == events.c.id).join(
        identities, identities.c.id == event_identities.c.identity_id
    )


def _event(node: EventNode, ctx: Context) -> Select:
    spec = node.event
    conditions = [events.c.workspace_id == ctx.workspace_id, events.c.event == spec.name]
    if spec.withinDays is not None:
        conditions.append(events.c.timestamp >= ctx.now - timedelta(days=spec.withinDays))
    for key, test in spec.where.items():
        test = test if isinstance(test, PropertyTest) else PropertyTest(op="eq", value=test)
        conditions.append(_compare(events.c.properties, tuple(key.split(".")), test, ctx))
    having = [func.count() >= spec.min]
    if spec.max is not None:
        having.append(func.count() <= spec.max)
    return (
        select(identities.c.profile_id)
        .select_from(_attributed())
        .where(*conditions)
        .group_by(identities.c.profile_id)
        .having(and_(*having))
    )


def _trait(node: TraitNode, ctx: Context) -> Select:
    """The latest value the profile's ``identify`` calls gave the trait."""
    spec = node.trait
    path = (spec.name,)
    latest = (
        select(
            identities.c.profile_id,
            events.c.traits,
            func.row_number()
            .over(
                partition_by=identities.c.profile_id,
                order_by=(events.c.timestamp.desc(), events.c.id.desc()),
            )
            .label("rank"),
        )
        .select_from(_attributed())
        .where(
            events.c.workspace_id == ctx.workspace_id,
            events.c.type == "identify",
            events.c.traits[path].as_string().is_not(None),
        )
        .subquery()
    )
    test = _compare(latest.c.traits, path, spec, ctx)
    return select(latest.c.profile_id).where(latest.c.rank == 1, test)


def _compare(column: Any, path: tuple[str, ...], test: PropertyTest, ctx: Context) -> ColumnElement:
    text = column[path].as_string()
    op, value = test.op, test.value
    if op == "exists":
        return text.is_not(None)
    if op == "in":
        return text.in_([_as_text(v) for v in value])
    if op == "contains":
        return func.lower(text).contains(str(value).lower(), autoescape=True)
    if op in ("eq", "ne") and (isinstance(value, bool) or not isinstance(value, int | float)):
        return (
            text == _as_text(value) if op == "eq" else or_(text.is_(None), text != _as_text(value))
        )
    number = _number(column, path, ctx)
    bound = literal(float(value))
    return {
        "eq": number == bound,
        "ne": number != bound,
        "gt": number > bound,
        "gte": number >= bound,
        "lt": number < bound,
        "lte": number <= bound,
    }[op]


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(column: Any, path: tuple[str, ...], ctx: Context) -> ColumnElement:
    """A JSON value as a number when it is one, else NULL (a text never fails the query)."""
    if ctx.dialect == "sqlite":
        raw = func.json_extract(column, "$." + ".".join(path))
        return case((func.typeof(raw).in_(("integer", "real")), raw), else_=None)
    return case((func.jsonb_typeof(column[path]) == "number", column[path].as_float()), else_=None)


def _segment(node: SegmentNode, ctx: Context) -> Select:
    if node.segment in ctx._stack:
        cycle = " -> ".join((*ctx._stack, node.segment))
        raise InvalidInput.one("definition", f"segments refer to each other in a cycle: {cycle}")
    definition = ctx.definitions(node.segment)
    if definition is None:
        raise InvalidInput.one("definition", f"no segment named {node.segment!r}")
    return _node(definition, replace(ctx, _stack=(*ctx._stack, node.segment)))
