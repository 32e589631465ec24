"""Fellegi-Sunter arithmetic and the trained parameters as data (pure)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from omniweave.identity.matching import LevelEstimate, Parameters, Settings
from omniweave.identity.matching import library as cl
from omniweave.identity.matching.parameters import bayes_weight, log2_odds, probability


def test_probability_of_a_weight():
    assert probability(0) == 0.5
    assert math.isclose(probability(3), 8 / 9)
    assert math.isclose(probability(-3), 1 / 9)


@given(st.floats(min_value=-5000, max_value=5000))
def test_probability_is_finite_and_symmetric(weight):
    p = probability(weight)
    assert 0.0 <= p <= 1.0
    assert math.isclose(p + probability(-weight), 1.0)


@given(st.floats(min_value=1e-9, max_value=1 - 1e-9))
def test_log2_odds_inverts_probability(p):
    assert math.isclose(probability(log2_odds(p)), p, rel_tol=1e-9, abs_tol=1e-12)


def test_bayes_weight_is_log2_m_over_u_and_never_infinite():
    assert bayes_weight(0.9, 0.1) == math.log2(9)
    assert math.isfinite(bayes_weight(0.0, 0.5))
    assert math.isfinite(bayes_weight(0.5, 0.0))


SETTINGS = Settings(
    "id",
    (cl.exact("city", term_frequency=True), cl.edits("phone", distances=(1,))),
    ("l.city = r.city",),
)
PARAMS = Parameters(
    prior=0.001,
    levels=(
        LevelEstimate("city", 1, "exact (tf)", 0.9, 0.05),
        LevelEstimate("city", 0, "else", 0.1, 0.95),
        LevelEstimate("phone", 2, "exact", 0.8, 0.001),
        LevelEstimate("phone", 1, "damerau_levenshtein <= 1", 0.1, 0.002),
        LevelEstimate("phone", 0, "else", 0.1, 0.997),
    ),
    em_iterations=4,
    em_converged=True,
    blocked_pairs=123,
)


def test_bind_gives_every_scoring_parameter():
    values = PARAMS.bind(SETTINGS)
    assert math.isclose(values["prior"], math.log2(0.001 / 0.999))
    assert math.isclose(values["w0_1"], math.log2(0.9 / 0.05))
    assert math.isclose(values["lm0_1"], math.log2(0.9))  # tf level: u comes from the data
    assert math.isclose(values["w1_1"], math.log2(0.1 / 0.002))
    assert set(values) == {"prior", "w0_1", "w0_0", "lm0_1", "w1_2", "w1_1", "w1_0"}


def test_parameters_round_trip_through_plain_data():
    assert Parameters.from_dict(PARAMS.as_dict()) == PARAMS
