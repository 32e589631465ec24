"""Estimating m (and the match share) by expectation maximisation; u by random pairs.

The loop is here, the sums are SQL (``sql.plan(...).em_step``) over the distinct gamma
vectors of the blocked pairs, so an iteration costs one small query whatever the data size.
EM fits a two-class mixture to the *blocked* pairs, with its own u for them (blocked
non-matches agree on the blocking columns far more often than random pairs do); the model
then keeps EM's m, takes u from random pairs, and turns the blocked match share into the
prior over all pairs (every match is assumed to be among the blocked pairs):

    prior = share * blocked_pairs / all_pairs
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from omniweave.identity.matching.model import Settings
from omniweave.identity.matching.parameters import (
    FLOOR,
    LevelEstimate,
    Parameters,
    bayes_weight,
    log2_odds,
)
from omniweave.identity.matching.sql import weight_param

Key = tuple[int, int]  # (comparison index, gamma)
Rows = Sequence[Mapping[str, Any]]
START_SHARE = 0.05
PSEUDO_PAIRS = 1.0  # added to every level's expected count: a level unseen among a few
# hundred matches is rare, not impossible (a weight of -40 would veto any other evidence)


@dataclass(frozen=True)
class Mixture:
    """EM's state: m and u per level among the blocked pairs, and the share that match."""

    m: Mapping[Key, float]
    u: Mapping[Key, float]
    share: float

    def bind(self, settings: Settings) -> dict[str, float]:
        """Values for the EM statement's parameters."""
        values = {"prior": log2_odds(self.share)}
        for key in self.m:
            values[weight_param(*key)] = bayes_weight(self.m[key], self.u[key])
        return values

    def distance(self, other: Mixture) -> float:
        moved = [abs(self.m[k] - other.m[k]) for k in self.m]
        return max([*moved, abs(self.share - other.share)])


def u_from_counts(settings: Settings, rows: Rows) -> dict[Key, float]:
    """u per level from the random-pair counts (null excluded); half a pair is added to every
    level so that one never seen among random pairs is rare, not impossible."""
    counts = {(int(r["comparison"]), int(r["gamma"])): float(r["n"]) for r in rows}
    u: dict[Key, float] = {}
    for i, comparison in enumerate(settings.comparisons):
        gammas = [g for g, _ in comparison.counted]
        total = sum(counts.get((i, g), 0.0) + 0.5 for g in gammas)
        for g in gammas:
            u[(i, g)] = (counts.get((i, g), 0.0) + 0.5) / total
    return u


def starting_point(settings: Settings, u: Mapping[Key, float]) -> Mixture:
    """Matches mostly agree: the best level starts at 0.85, the else level at 0.05."""
    m: dict[Key, float] = {}
    for i, comparison in enumerate(settings.comparisons):
        gammas = [g for g, _ in comparison.counted]  # best first, else last
        if len(gammas) == 1:
            m[(i, gammas[0])] = 1.0
            continue
        middle = gammas[1:-1]
        m[(i, gammas[0])] = 0.85 if middle else 0.9
        m[(i, gammas[-1])] = 0.05 if middle else 0.1
        for g in middle:
            m[(i, g)] = 0.10 / len(middle)
    return Mixture(m, dict(u), START_SHARE)


def maximise(settings: Settings, rows: Rows) -> Mixture:
    """The M step: new m, u and share from the expected counts of one E step (with a
    pseudo-count per level, a Laplace prior)."""
    m_sum = {(int(r["comparison"]), int(r["gamma"])): float(r["m_sum"] or 0) for r in rows}
    u_sum = {(int(r["comparison"]), int(r["gamma"])): float(r["u_sum"] or 0) for r in rows}
    total_m, total_u = m_sum.get((-1, 0), 0.0), u_sum.get((-1, 0), 0.0)
    m: dict[Key, float] = {}
    u: dict[Key, float] = {}
    for i, comparison in enumerate(settings.comparisons):
        gammas = [g for g, _ in comparison.counted]
        extra = PSEUDO_PAIRS * len(gammas)
        sm = sum(m_sum.get((i, g), 0.0) for g in gammas) + extra
        su = sum(u_sum.get((i, g), 0.0) for g in gammas) + extra
        for g in gammas:
            m[(i, g)] = (m_sum.get((i, g), 0.0) + PSEUDO_PAIRS) / sm
            u[(i, g)] = (u_sum.get((i, g), 0.0) + PSEUDO_PAIRS) / su
    share = total_m / (total_m + total_u) if total_m + total_u > 0 else START_SHARE
    return Mixture(m, u, share)


def expectation_maximisation(
    settings: Settings,
    start: Mixture,
    expected_sums: Callable[[Mapping[str, float]], Rows],
) -> tuple[Mixture, int, bool]:
    """Iterate until no m (nor the share) moves more than the tolerance; returns the final
    mixture, the iterations run, and whether it converged."""
    current = start
    for iteration in range(1, settings.em_max_iterations + 1):
        nxt = maximise(settings, expected_sums(current.bind(settings)))
        if nxt.distance(current) < settings.em_tolerance:
            return nxt, iteration, True
        current = nxt
    return current, settings.em_max_iterations, False


def to_parameters(
    settings: Settings,
    mixture: Mixture,
    u_random: Mapping[Key, float],
    *,
    blocked_pairs: int,
    all_pairs: int,
    iterations: int,
    converged: bool,
) -> Parameters:
    """The model to score with: EM's m, random pairs' u, and the prior over all pairs."""
    levels = tuple(
        LevelEstimate(comparison.name, g, level.label, mixture.m[(i, g)], u_random[(i, g)])
        for i, comparison in enumerate(settings.comparisons)
        for g, level in comparison.counted
    )
    prior = mixture.share * blocked_pairs / all_pairs if all_pairs else 0.0
    return Parameters(
        prior=min(max(prior, FLOOR), 1.0 - FLOOR),
        levels=levels,
        em_iterations=iterations,
        em_converged=converged,
        blocked_pairs=blocked_pairs,
    )
