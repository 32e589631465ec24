"""The matcher's settings: validation, gamma numbering, the columns it reads (pure)."""

import pytest

from omniweave.identity.matching import (
    Band,
    Comparison,
    CrossedLevel,
    DateWithinLevel,
    DerivedColumn,
    ElseLevel,
    ExactLevel,
    JaroWinklerLevel,
    MergeBands,
    NullLevel,
    Settings,
    Transform,
)
from omniweave.identity.matching import library as cl


def test_gammas_count_down_from_the_best_level_with_null_minus_one():
    c = cl.name("first", thresholds=(0.9, 0.8))
    assert [g for g, _ in c.gammas] == [-1, 3, 2, 1, 0]
    assert [lv.label for _, lv in c.counted] == [
        "exact (tf)",
        "jaro_winkler >= 0.9",
        "jaro_winkler >= 0.8",
        "else",
    ]


def test_equal_levels_still_get_their_own_gamma():
    c = Comparison("x", (ExactLevel(), ExactLevel(), ElseLevel()))
    assert [g for g, _ in c.gammas] == [2, 1, 0]


@pytest.mark.parametrize(
    "levels",
    [
        (NullLevel(), ExactLevel()),  # no else level
        (ElseLevel(),),  # nothing but else
        (ExactLevel(), NullLevel(), ElseLevel()),  # null not first
    ],
)
def test_a_comparison_must_end_with_else_and_start_any_null(levels):
    with pytest.raises(ValueError):
        Comparison("x", levels)


@pytest.mark.parametrize("column", ["first name", "x;drop", "1x", ""])
def test_columns_are_plain_identifiers(column):
    with pytest.raises(ValueError):
        Comparison(column, (ExactLevel(), ElseLevel()))


def test_date_units_are_checked():
    assert DateWithinLevel(2, "week").days == 14
    with pytest.raises(ValueError):
        DateWithinLevel(1, "fortnight")


def settings(**overrides) -> Settings:
    base = dict(
        unique_id="record_id",
        comparisons=(
            cl.name("first_key", swapped_with="last_name"),
            cl.date_of_birth("birth_date"),
            cl.exact("city", term_frequency=True),
        ),
        blocking_rules=(
            "l.first_key = r.first_key",
            "substr(l.phone, 1, 5) = substr(r.phone, 1, 5)",
        ),
        derived=(DerivedColumn("first_key", "first_name", Transform.NAME_KEY),),
    )
    return Settings(**{**base, **overrides})


def test_input_columns_are_what_comparisons_rules_and_derived_columns_read():
    assert settings().input_columns == (
        "record_id",
        "first_name",  # the source of first_key
        "birth_date",
        "city",
        "last_name",  # crossed with first_key
        "phone",  # in a blocking rule
    )


def test_tf_columns_are_those_with_a_term_frequency_exact_level():
    assert settings().tf_columns == ("first_key", "city")


def test_comparison_names_must_be_unique():
    with pytest.raises(ValueError):
        settings(comparisons=(cl.exact("city"), cl.exact("city")))


def test_settings_need_a_rule_and_a_comparison():
    with pytest.raises(ValueError):
        settings(blocking_rules=())
    with pytest.raises(ValueError):
        settings(comparisons=())


def test_crossed_level_names_the_other_column():
    level = CrossedLevel(JaroWinklerLevel(0.88), "last_name")
    assert level.label == "jaro_winkler >= 0.88 crossed with last_name"


@pytest.mark.parametrize(
    ("probability", "band"),
    [(0.995, Band.MERGE), (0.99, Band.MERGE), (0.9, Band.REVIEW), (0.5, Band.APART)],
)
def test_bands_split_pairs_into_merge_review_and_apart(probability, band):
    assert MergeBands(auto_merge=0.99, review=0.8).band(probability) is band


def test_bands_must_be_ordered():
    with pytest.raises(ValueError):
        MergeBands(auto_merge=0.5, review=0.9)
