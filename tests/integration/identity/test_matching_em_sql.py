"""EM with its sums in SQL (DuckDB) recovers a known mixture, like the pure-Python loop."""

from __future__ import annotations

import math
import random
from collections import Counter

import pyarrow as pa

from omniweave.identity.matching import DuckDBBackend, Settings
from omniweave.identity.matching import library as cl
from omniweave.identity.matching.em import expectation_maximisation, starting_point
from omniweave.identity.matching.sql import plan

SETTINGS = Settings(
    "id",
    (cl.name("first", thresholds=(0.9,)), cl.exact("city"), cl.edits("phone", distances=(1,))),
    ("l.city = r.city",),
    em_max_iterations=200,
    em_tolerance=1e-7,
)
TRUE_M = [[0.80, 0.15, 0.05], [0.90, 0.10], [0.70, 0.20, 0.10]]  # best level first
TRUE_U = [[0.02, 0.08, 0.90], [0.20, 0.80], [0.01, 0.04, 0.95]]
SHARE = 0.15


def patterns(n: int = 40_000, seed: int = 3) -> pa.Table:
    """Gamma vectors drawn from the mixture, counted as the patterns table is."""
    rng = random.Random(seed)
    counts: Counter = Counter()
    for _ in range(n):
        probs = TRUE_M if rng.random() < SHARE else TRUE_U
        counts[
            tuple(
                len(p) - 1 - rng.choices(range(len(p)), weights=p)[0]  # gamma: best highest
                for p in probs
            )
        ] += 1
    # a few pairs with a missing value: the null level counts for neither class
    counts[(-1, 1, 0)] += 50
    names = [f"gamma_{c.name}" for c in SETTINGS.comparisons]
    columns = {name: [v[i] for v in counts] for i, name in enumerate(names)}
    return pa.table({**columns, "n": list(counts.values())})


def test_em_sums_in_sql_recover_the_mixture():
    backend = DuckDBBackend()
    statements = plan(SETTINGS, backend.dialect)
    backend.register(statements.patterns.name, patterns())
    start = starting_point(SETTINGS, {k: 0.5 for k in starting_point(SETTINGS, {}).m})
    mixture, iterations, converged = expectation_maximisation(
        SETTINGS, start, lambda values: backend.rows(statements.em_step, values)
    )
    assert converged, iterations
    assert math.isclose(mixture.share, SHARE, abs_tol=0.01)
    for i, (m_levels, u_levels) in enumerate(zip(TRUE_M, TRUE_U, strict=True)):
        for rank, (m, u) in enumerate(zip(m_levels, u_levels, strict=True)):
            gamma = len(m_levels) - 1 - rank
            assert math.isclose(mixture.m[(i, gamma)], m, abs_tol=0.03), (i, gamma)
            assert math.isclose(mixture.u[(i, gamma)], u, abs_tol=0.02), (i, gamma)
