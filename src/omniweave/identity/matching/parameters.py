"""What training learns, as data: m and u per comparison level, and the prior.

Fellegi-Sunter in one line: a pair's match weight is log2 of the prior odds plus, for each
comparison, log2(m/u) of the level the pair falls in (m: how often true matches land there,
u: how often non-matches do); its probability is 2^w / (1 + 2^w).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from omniweave.identity.matching.model import ExactLevel, Settings
from omniweave.identity.matching.sql import log_m_param, weight_param

FLOOR = 1e-12  # no level is impossible: keeps every log finite


def log2_odds(probability: float) -> float:
    p = min(max(probability, FLOOR), 1.0 - FLOOR)
    return math.log2(p / (1.0 - p))


def probability(match_weight: float) -> float:
    """2^w / (1 + 2^w), written so that large |w| neither overflows nor loses precision."""
    if match_weight >= 0:
        return 1.0 / (1.0 + 2.0 ** (-match_weight))
    odds = 2.0**match_weight
    return odds / (1.0 + odds)


def bayes_weight(m: float, u: float) -> float:
    return math.log2(max(m, FLOOR) / max(u, FLOOR))


@dataclass(frozen=True)
class LevelEstimate:
    comparison: str
    gamma: int
    label: str
    m: float
    u: float

    @property
    def weight(self) -> float:
        return bayes_weight(self.m, self.u)


@dataclass(frozen=True)
class Parameters:
    """A trained model. ``prior`` is the probability that two random records match."""

    prior: float
    levels: tuple[LevelEstimate, ...]
    em_iterations: int = 0
    em_converged: bool = False
    blocked_pairs: int = 0

    def level(self, comparison: str, gamma: int) -> LevelEstimate:
        for est in self.levels:
            if est.comparison == comparison and est.gamma == gamma:
                return est
        raise KeyError((comparison, gamma))

    def bind(self, settings: Settings) -> dict[str, float]:
        """The values of the scoring statement's parameters (see ``sql.plan``)."""
        values = {"prior": log2_odds(self.prior)}
        for i, comparison in enumerate(settings.comparisons):
            for gamma, level in comparison.counted:
                est = self.level(comparison.name, gamma)
                values[weight_param(i, gamma)] = est.weight
                if isinstance(level, ExactLevel) and level.term_frequency:
                    values[log_m_param(i, gamma)] = math.log2(max(est.m, FLOOR))
        return values

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameters:
        levels = tuple(LevelEstimate(**lv) for lv in data["levels"])
        return cls(**{**data, "levels": levels})
