"""``Matcher``: train a Fellegi-Sunter model, score pairs, group records; SQL does the work.

    matcher = Matcher(settings)                 # DuckDB in-process by default
    params = matcher.train(records)             # u from random pairs, m by EM; no labels
    pairs = matcher.predict(records, params)    # Arrow: id_l, id_r, weight, probability, ...
    bands = matcher.by_band(pairs)              # Band.MERGE / REVIEW / APART -> pairs
    groups = matcher.clusters(pairs, settings.bands.auto_merge)

The backend is DuckDB in-process by default, or ``SparkBackend(spark)``: the same statements
(``matcher.plan``) run on either.

For ``link_only`` settings, ``records`` is a pair ``(left, right)``. Calling ``predict`` with
the very records object ``train`` saw reuses the scored pairs already built for training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from omniweave.identity.matching.backends import Backend, DuckDBBackend, as_arrow
from omniweave.identity.matching.clusters import connected_components
from omniweave.identity.matching.em import (
    expectation_maximisation,
    starting_point,
    to_parameters,
    u_from_counts,
)
from omniweave.identity.matching.model import Band, LinkType, Settings
from omniweave.identity.matching.parameters import Parameters
from omniweave.identity.matching.sql import plan

MAX_SEED = 2**31 - 1


@dataclass
class _Loaded:
    records: Any  # held so that its identity stays unique while we cache on it
    sizes: tuple[int, int]
    blocked_pairs: int | None = None


class Matcher:
    """The probabilistic matcher on one backend; statements are generated once, here."""

    def __init__(self, settings: Settings, backend: Backend | None = None, prefix: str = "ow"):
        self.settings = settings
        self.backend: Backend = backend or DuckDBBackend()
        self.plan = plan(settings, self.backend.dialect, prefix)
        self._loaded: _Loaded | None = None

    def train(self, records: Any, *, seed: int = 1) -> Parameters:
        """Estimate the model from unlabelled records.

        Args:
            records: the records (``(left, right)`` for ``link_only``), each a pyarrow
                Table, a pandas DataFrame or a list of dicts with the settings' columns.
            seed: picks the random pairs that estimate u; the same seed gives the same
                pairs on every backend.

        Returns:
            The trained parameters: m and u per comparison level, the prior, EM's progress.
        """
        if not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be in 0..{MAX_SEED}")
        loaded = self._load(records)
        n_left, n_right = loaded.sizes
        dedupe = self.settings.link_type is LinkType.DEDUPE_ONLY
        sample = {
            "seed": seed,
            "n_left": n_left,
            "n_right": n_left if dedupe else n_right,
            "right_offset": 0 if dedupe else n_left,
        }
        self.backend.create(self.plan.u_pairs, sample)
        u_random = u_from_counts(self.settings, self.backend.rows(self.plan.u_counts))
        self.backend.drop([self.plan.u_pairs.name])
        blocked = self._blocked_pairs(loaded)
        mixture, iterations, converged = expectation_maximisation(
            self.settings,
            starting_point(self.settings, u_random),
            lambda values: self.backend.rows(self.plan.em_step, values),
        )
        all_pairs = n_left * (n_left - 1) // 2 if dedupe else n_left * n_right
        return to_parameters(
            self.settings,
            mixture,
            u_random,
            blocked_pairs=blocked,
            all_pairs=all_pairs,
            iterations=iterations,
            converged=converged,
        )

    def predict(self, records: Any, params: Parameters, *, threshold: float = 0.0) -> pa.Table:
        """Score every blocked pair at or above ``threshold`` probability.

        Returns:
            An Arrow table: ``id_l``, ``id_r``, ``match_weight``, ``match_probability``, then
            ``gamma_<comparison>`` (the level reached) and ``weight_<comparison>`` (its
            share of the match weight) for each comparison; the prior is
            ``log2(prior / (1 - prior))``, so the weights explain every decision.
        """
        loaded = self._load(records)
        self._blocked_pairs(loaded)
        values = {**params.bind(self.settings), "threshold": float(threshold)}
        return self.backend.arrow(self.plan.scores, values)

    def by_band(self, pairs: pa.Table) -> dict[Band, pa.Table]:
        """The scored pairs split by the settings' bands: merge automatically, send to review,
        keep apart."""
        p = pairs["match_probability"]
        merge, review = self.settings.bands.auto_merge, self.settings.bands.review
        return {
            Band.MERGE: pairs.filter(pc.greater_equal(p, merge)),
            Band.REVIEW: pairs.filter(pc.and_(pc.greater_equal(p, review), pc.less(p, merge))),
            Band.APART: pairs.filter(pc.less(p, review)),
        }

    def clusters(self, pairs: pa.Table, threshold: float) -> list[list[Any]]:
        """Connected components of the pairs at or above ``threshold``; records in no such
        pair are left out. For ``link_only`` a member is ``(0, id)`` (left) or ``(1, id)``."""
        kept = pairs.filter(pc.greater_equal(pairs["match_probability"], threshold))
        left, right = kept["id_l"].to_pylist(), kept["id_r"].to_pylist()
        if self.settings.link_type is LinkType.LINK_ONLY:
            return connected_components(((0, a), (1, b)) for a, b in zip(left, right, strict=True))
        return connected_components(zip(left, right, strict=True))

    def _load(self, records: Any) -> _Loaded:
        if self._loaded is not None and self._loaded.records is records:
            return self._loaded
        tables = records if self.settings.link_type is LinkType.LINK_ONLY else (records,)
        if len(tables) != len(self.plan.inputs):
            raise ValueError("link_only needs records as a pair (left, right)")
        arrows = [as_arrow(t) for t in tables]
        if any(t.num_rows == 0 for t in arrows):
            raise ValueError("every data set needs at least one record")
        for name, table in zip(self.plan.inputs, arrows, strict=True):
            self.backend.register(name, table)
        self.backend.create(self.plan.records)
        sizes = {int(r["_src"]): int(r["n"]) for r in self.backend.rows(self.plan.counts)}
        self._loaded = _Loaded(records, (sizes.get(0, 0), sizes.get(1, 0)))
        return self._loaded

    def _blocked_pairs(self, loaded: _Loaded) -> int:
        if loaded.blocked_pairs is None:
            self.backend.create(self.plan.gammas)
            self.backend.create(self.plan.patterns)
            loaded.blocked_pairs = int(self.backend.rows(self.plan.blocked)[0]["n"] or 0)
        return loaded.blocked_pairs
