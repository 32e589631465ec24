"""The deterministic merge decision for one event: pure, so it can be explained and tested.

An event's valid identifiers say "these are one person". The plan attaches the unknown ones
to the person's profile and merges every other profile they point to, unless that would break
a merge limit (two user ids in one profile, say, because a family shares a phone) or join
profiles an operator split apart. Then the lowest-priority identifier pulling in another
profile is dropped, the refusal is recorded with its reason, and the rest still merge.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from omniweave.identity.model import Identifier, IdentityRules


@dataclass(frozen=True)
class Refusal:
    identifier: Identifier
    profiles: tuple[str, ...]  # the profiles it would have joined
    reason: str


@dataclass(frozen=True)
class EventPlan:
    profile_id: str | None  # where the event belongs (None: it had no usable identifier)
    new_profile: bool
    merged: tuple[str, ...]  # profiles merged into ``profile_id``
    linking: tuple[Identifier, ...]  # the identifiers that caused the merges
    attach: tuple[Identifier, ...]  # identifiers seen for the first time
    primary: Identifier | None  # the identifier the event is attributed through
    refused: tuple[Refusal, ...] = ()
    rejected: tuple[Identifier, ...] = ()  # invalid or blocklisted: never merge


@dataclass
class GraphView:
    """What the planner needs to know of the graph: owners of known identifiers, identifier
    counts per profile, profiles split apart, and the order profiles were created in."""

    owner: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    separated: set[frozenset[str]] = field(default_factory=set)
    created: dict[str, int] = field(default_factory=dict)


def profile_id_for(workspace_id: int, founder: Identifier) -> str:
    """A profile's id derives from the identifier that founded it, so replaying the log
    (``omniweave identity rebuild``) gives every profile the id it had."""
    digest = hashlib.sha256(f"{workspace_id}|{founder.type}|{founder.value}".encode())
    return "p_" + digest.hexdigest()[:20]


def plan_event(
    identifiers: list[Identifier], graph: GraphView, rules: IdentityRules, workspace_id: int
) -> EventPlan:
    rejected = tuple(i for i in identifiers if not i.valid)
    candidates = sorted((i for i in identifiers if i.valid), key=lambda i: rules.rank(i.type))
    refused: list[Refusal] = []
    while True:
        involved = _involved(candidates, graph.owner)
        problem = _problem(candidates, involved, graph, rules)
        if problem is None:
            break
        victim = _victim(candidates, graph.owner, problem[0])
        candidates.remove(victim)
        refused.append(Refusal(victim, tuple(involved), problem[1]))
    if not candidates:
        return EventPlan(None, False, (), (), (), None, tuple(refused), rejected)
    involved = _involved(candidates, graph.owner)
    attach = tuple(i for i in candidates if i.key not in graph.owner)
    if involved:
        survivor = min(involved, key=lambda p: (graph.created.get(p, 0), p))
        merged = tuple(p for p in involved if p != survivor)
        new = False
    else:
        survivor, merged, new = profile_id_for(workspace_id, candidates[0]), (), True
    linking = tuple(i for i in candidates if graph.owner.get(i.key) in merged) if merged else ()
    return EventPlan(
        survivor, new, merged, linking, attach, candidates[0], tuple(refused), rejected
    )


def _involved(candidates: list[Identifier], owner: Mapping[tuple[str, str], str]) -> list[str]:
    """Profiles the identifiers point to, in the identifiers' priority order."""
    seen: dict[str, None] = {}
    for ident in candidates:
        profile = owner.get(ident.key)
        if profile is not None:
            seen.setdefault(profile, None)
    return list(seen)


def _problem(
    candidates: list[Identifier], involved: list[str], graph: GraphView, rules: IdentityRules
) -> tuple[str | None, str] | None:
    """(the identifier type at fault or None for a split, the reason), or None if it may merge."""
    for i, a in enumerate(involved):
        for b in involved[i + 1 :]:
            if frozenset((a, b)) in graph.separated:
                return None, f"profiles {a} and {b} were split apart by an operator"
    totals: Counter[str] = Counter()
    for profile in involved:
        totals.update(graph.counts.get(profile, Counter()))
    totals.update(i.type for i in candidates if i.key not in graph.owner)
    for kind in sorted(totals, key=rules.rank):
        if totals[kind] > rules.limit(kind):
            return kind, (
                f"merging would give one profile {totals[kind]} {kind} identifiers "
                f"(limit {rules.limit(kind)})"
            )
    return None


def _victim(
    candidates: list[Identifier], owner: Mapping[tuple[str, str], str], kind: str | None
) -> Identifier:
    """The lowest-priority identifier that pulls in a profile other than the event's anchor
    (the profile of its most important identifier, or none if that one is new); failing
    that, the lowest-priority new identifier of the type over its limit."""
    anchor = owner.get(candidates[0].key)
    pulling = [i for i in candidates if owner.get(i.key) not in (None, anchor)]
    if pulling:
        return pulling[-1]
    over = [i for i in candidates if i.key not in owner and i.type == kind]
    return over[-1] if over else candidates[-1]
