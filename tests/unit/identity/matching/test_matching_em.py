"""EM recovers m, u and the match share of a synthetic mixture (pure: the E step here is a
Python stand-in for the SQL one, which an integration test checks against this)."""

import math
import random
from collections import Counter

from omniweave.identity.matching import Settings
from omniweave.identity.matching import library as cl
from omniweave.identity.matching.em import (
    expectation_maximisation,
    maximise,
    starting_point,
    to_parameters,
    u_from_counts,
)
from omniweave.identity.matching.sql import weight_param

SETTINGS = Settings(
    "id",
    (cl.name("first", thresholds=(0.9,)), cl.exact("city"), cl.edits("phone", distances=(1,))),
    ("l.city = r.city",),
    em_max_iterations=200,
    em_tolerance=1e-7,
)
# true probabilities per level, best level first (gammas 2, 1, 0 or 1, 0)
TRUE_M = [[0.80, 0.15, 0.05], [0.90, 0.10], [0.70, 0.20, 0.10]]
TRUE_U = [[0.02, 0.08, 0.90], [0.20, 0.80], [0.01, 0.04, 0.95]]
SHARE = 0.15


def synthetic_patterns(n: int = 40_000, seed: int = 3) -> Counter:
    rng = random.Random(seed)
    counts: Counter = Counter()
    for _ in range(n):
        probs = TRUE_M if rng.random() < SHARE else TRUE_U
        vector = []
        for level_probs in probs:
            level = rng.choices(range(len(level_probs)), weights=level_probs)[0]
            vector.append(len(level_probs) - 1 - level)  # gamma: best level highest
        counts[tuple(vector)] += 1
    return counts


def python_e_step(patterns: Counter):
    def sums(values):
        m_sum: Counter = Counter()
        u_sum: Counter = Counter()
        for vector, n in patterns.items():
            logit = values["prior"] + sum(
                values[weight_param(i, g)] for i, g in enumerate(vector) if g >= 0
            )
            nm = n / (1 + 2.0 ** (-logit))
            for key in [(i, g) for i, g in enumerate(vector)] + [(-1, 0)]:
                m_sum[key] += nm
                u_sum[key] += n - nm
        return [
            {"comparison": i, "gamma": g, "m_sum": m_sum[(i, g)], "u_sum": u_sum[(i, g)]}
            for i, g in m_sum
        ]

    return sums


def test_em_recovers_the_mixture():
    patterns = synthetic_patterns()
    u_guess = {k: 1 / 3 for k in [(0, 2), (0, 1), (0, 0), (2, 2), (2, 1), (2, 0)]}
    u_guess.update({(1, 1): 0.5, (1, 0): 0.5})
    start = starting_point(SETTINGS, u_guess)
    mixture, iterations, converged = expectation_maximisation(
        SETTINGS, start, python_e_step(patterns)
    )
    assert converged and iterations < 200
    assert math.isclose(mixture.share, SHARE, abs_tol=0.01)
    for i, (m_levels, u_levels) in enumerate(zip(TRUE_M, TRUE_U, strict=True)):
        for rank, (m, u) in enumerate(zip(m_levels, u_levels, strict=True)):
            gamma = len(m_levels) - 1 - rank
            assert math.isclose(mixture.m[(i, gamma)], m, abs_tol=0.03), (i, gamma)
            assert math.isclose(mixture.u[(i, gamma)], u, abs_tol=0.02), (i, gamma)


def test_u_from_random_pairs_is_smoothed_so_no_level_is_impossible():
    rows = [
        {"comparison": 1, "gamma": 1, "n": 0},
        {"comparison": 1, "gamma": 0, "n": 99},
        {"comparison": -1, "gamma": 0, "n": 99},  # the total row is ignored
    ]
    u = u_from_counts(SETTINGS, rows)
    assert u[(1, 1)] == 0.5 / 100 and u[(1, 0)] == 99.5 / 100
    assert u[(0, 2)] == u[(0, 1)] == u[(0, 0)] == 1 / 3  # never seen: uniform


def test_starting_m_sums_to_one_and_prefers_agreement():
    start = starting_point(SETTINGS, {})
    for i, comparison in enumerate(SETTINGS.comparisons):
        values = [start.m[(i, g)] for g, _ in comparison.counted]
        assert math.isclose(sum(values), 1.0)
        assert values[0] == max(values)


def test_maximise_reads_the_total_row_as_the_share():
    rows = [
        {"comparison": -1, "gamma": 0, "m_sum": 25.0, "u_sum": 75.0},
        {"comparison": 1, "gamma": 1, "m_sum": 20.0, "u_sum": 5.0},
        {"comparison": 1, "gamma": 0, "m_sum": 5.0, "u_sum": 70.0},
    ]
    mixture = maximise(SETTINGS, rows)
    assert mixture.share == 0.25
    # one pseudo-pair per level (a Laplace prior): an unseen level is rare, not impossible
    assert math.isclose(mixture.m[(1, 1)], 21 / 27) and math.isclose(mixture.u[(1, 1)], 6 / 77)
    assert mixture.m[(0, 2)] == 1 / 3  # no pairs at all: uniform


def test_prior_over_all_pairs_scales_the_blocked_share():
    start = starting_point(SETTINGS, {k: 0.5 for k in starting_point(SETTINGS, {}).m})
    params = to_parameters(
        SETTINGS,
        start,
        dict(start.u),
        blocked_pairs=1000,
        all_pairs=100_000,
        iterations=1,
        converged=False,
    )
    assert math.isclose(params.prior, start.share * 1000 / 100_000)
    assert len(params.levels) == 8
