"""The generated SQL: deterministic, parameterised, dialect pieces in their place (pure)."""

import re

import pytest

from omniweave.identity.matching import (
    DerivedColumn,
    LinkType,
    Settings,
    SharedElementsLevel,
    Transform,
)
from omniweave.identity.matching import library as cl
from omniweave.identity.matching.dialects import DuckDBDialect, SparkDialect
from omniweave.identity.matching.sql import Plan, plan
from omniweave.identity.matching.transforms import transform_sql

DUCK, SPARK = DuckDBDialect(), SparkDialect()


def settings(link_type: LinkType = LinkType.DEDUPE_ONLY) -> Settings:
    return Settings(
        unique_id="record_id",
        link_type=link_type,
        derived=(DerivedColumn("first_key", "first_name", Transform.NAME_KEY),),
        comparisons=(
            cl.name("first_key", swapped_with="last_name"),
            cl.name("last_name", swapped_with="first_key"),
            cl.date_of_birth("birth_date", date_format="%Y-%m-%d"),
            cl.edits("passport", distances=(1, 2)),
            cl.shared_elements("phones"),
            cl.exact("city", term_frequency=True),
        ),
        blocking_rules=("l.first_key = r.first_key", "l.birth_date = r.birth_date"),
    )


def statements(p: Plan):
    return [
        p.records,
        p.counts,
        p.u_pairs,
        p.u_counts,
        p.gammas,
        p.patterns,
        p.blocked,
        p.em_step,
        p.scores,
    ]


@pytest.mark.parametrize("dialect", [DUCK, SPARK], ids=["duckdb", "spark"])
def test_generation_is_deterministic(dialect):
    assert plan(settings(), dialect) == plan(settings(), dialect)


MARKERS = {
    "duckdb": re.compile(r"\$([A-Za-z_]\w*)"),
    "spark": re.compile(r"(?<![:\w]):([A-Za-z_]\w*)"),
}


@pytest.mark.parametrize("dialect", [DUCK, SPARK], ids=["duckdb", "spark"])
def test_every_value_learnt_from_data_is_a_declared_parameter(dialect):
    for statement in statements(plan(settings(), dialect)):
        used = set(MARKERS[dialect.name].findall(statement.sql))
        assert used == set(statement.params), statement.name


def test_scoring_binds_the_prior_threshold_and_every_level_weight():
    scores = plan(settings(), DUCK).scores
    assert {"prior", "threshold", "w0_4", "lm0_5", "w5_0", "lm5_1"} <= set(scores.params)
    assert "w0_-1" not in scores.params  # the null level weighs nothing


def test_sampling_binds_seed_and_sizes():
    assert set(plan(settings(), DUCK).u_pairs.params) == {
        "seed",
        "n_left",
        "n_right",
        "right_offset",
    }


def test_later_blocking_rules_skip_pairs_earlier_ones_found():
    sql = plan(settings(), DUCK).gammas.sql
    first, second = sql.split(" UNION ALL ")
    assert "NOT coalesce" not in first
    assert "NOT coalesce((l.first_key = r.first_key), FALSE)" in second


def test_dedupe_orders_each_pair_and_link_only_crosses_sources():
    assert "l._row < r._row" in plan(settings(), DUCK).gammas.sql
    linked = plan(settings(LinkType.LINK_ONLY), DUCK)
    assert "WHERE _src = 0" in linked.gammas.sql and "WHERE _src = 1" in linked.gammas.sql
    assert "ow_input_1" in linked.records.sql
    assert linked.inputs == ("ow_input_0", "ow_input_1")


def test_a_shared_measure_is_computed_once():
    sql = plan(settings(), DUCK).gammas.sql.split(" UNION ALL ")[0]
    assert sql.count('jaro_winkler_similarity(l."first_key", r."last_name")') == 1


def test_spark_sql_has_no_duckdb_only_functions():
    text = " ".join(s.sql for s in statements(plan(settings(), SPARK)))
    for duckdb_only in ("jaro_winkler_similarity", "list_intersect", "len(", "try_strptime"):
        assert duckdb_only not in text
    for spark_spelling in ("ow_jaro_winkler", "size(array_intersect", "try_to_date", "yyyy-MM-dd"):
        assert spark_spelling in text


def test_duckdb_sql_has_no_spark_only_functions():
    text = " ".join(s.sql for s in statements(plan(settings(), DUCK)))
    for spark_only in ("ow_jaro_winkler", "array_intersect", "try_to_date", "`"):
        assert spark_only not in text


def test_prefix_keeps_two_matchers_apart():
    p = plan(settings(), DUCK, prefix="job7")
    assert p.records.name == "job7_records" and "FROM job7_input_0" in p.records.sql


def test_string_literals_are_escaped_per_dialect():
    assert DUCK.string("it's \\b") == "'it''s \\b'"
    assert SPARK.string("it's \\b") == "'it\\'s \\\\b'"


def test_regex_group_references_per_dialect():
    assert DUCK.replace_all("x", "(a)y", "\\1i") == "regexp_replace(x, '(a)y', '\\1i', 'g')"
    assert SPARK.replace_all("x", "(a)y", "\\1i") == "regexp_replace(x, '(a)y', '$1i')"


def test_name_key_transform_is_plain_sql():
    sql = transform_sql(Transform.NAME_KEY, "name", DUCK)
    assert "replace(" in sql and "'ё'" in sql and "'zh'" in sql


def test_date_formats_are_checked_before_reaching_sql():
    with pytest.raises(ValueError):
        DUCK.parse_date("x", "%Y'); DROP TABLE t; --")


def test_shared_elements_level_has_a_label():
    assert SharedElementsLevel(2).label == "shares >= 2"
