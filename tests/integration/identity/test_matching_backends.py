"""The same generated SQL on DuckDB and on Spark in ``local[2]``: same pairs, same answers.

Spark runs skip where Java or PySpark is missing, and fail under CI=true (as
``tests/conftest.py``'s ``service_absent``). The data is ``test_matching_people``'s.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil

import pyarrow as pa
import pytest

from omniweave.identity.matching import (
    DuckDBBackend,
    Matcher,
    SparkBackend,
    Transform,
    local_spark,
)
from omniweave.identity.matching.sql import Statement
from omniweave.identity.matching.transforms import transform_sql
from omniweave.identity.normalise import name_key

from .test_matching_people import assert_quality, people, settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_absent(reason: str) -> None:
    """Skip, or fail in CI where every service must be there (as tests/conftest.py)."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark():
    """One SparkSession for every Spark test (it takes seconds to start)."""
    if importlib.util.find_spec("pyspark") is None:
        service_absent("PySpark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        service_absent("no Java runtime for Spark (java not on PATH, JAVA_HOME unset)")
    try:
        session = local_spark("omniweave-tests")
    except Exception as exc:  # a JVM that does not start is a missing service too
        service_absent(f"Spark did not start: {type(exc).__name__}: {exc}")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data() -> tuple[list[dict], set[frozenset[str]]]:
    return people()


@pytest.fixture(scope="module")
def linked(request, data):
    """Train and predict once per backend (Spark runs are the slow part of this module)."""
    done: dict[str, tuple] = {}

    def run(backend_name: str):
        if backend_name not in done:
            records, _ = data
            backend = (
                DuckDBBackend()
                if backend_name == "duckdb"
                else SparkBackend(request.getfixturevalue("spark"))
            )
            matcher = Matcher(settings(), backend)
            params = matcher.train(records, seed=5)
            done[backend_name] = (matcher, params, matcher.predict(records, params))
        return done[backend_name]

    return run


def by_pair(pairs) -> dict[tuple[str, str], dict]:
    return {(row["id_l"], row["id_r"]): row for row in pairs.to_pylist()}


def test_spark_links_people_as_well(linked, data):
    _, truth = data
    _, params, pairs = linked("spark")
    assert_quality(pairs, truth)
    assert params.em_converged


def test_spark_runs_the_same_sql_to_the_same_answers(linked):
    _, duck_params, duck = linked("duckdb")
    _, spark_params, spark = linked("spark")
    assert math.isclose(duck_params.prior, spark_params.prior, rel_tol=1e-9)
    for a, b in zip(duck_params.levels, spark_params.levels, strict=True):
        assert (a.comparison, a.gamma) == (b.comparison, b.gamma)
        assert math.isclose(a.m, b.m, abs_tol=1e-9) and math.isclose(a.u, b.u, abs_tol=1e-12)
    left, right = by_pair(duck), by_pair(spark)
    assert left.keys() == right.keys()
    for key, row in left.items():
        assert math.isclose(row["match_probability"], right[key]["match_probability"], abs_tol=1e-9)
        assert row["gamma_first_key"] == right[key]["gamma_first_key"]


NAMES = [
    "Николай",
    "Nikolai",
    "Nikolay",
    "Юлия",
    "Yuliya",
    " Семёнов ",
    "Соловьёв",
    "Ivanov-Petrov",
]


@pytest.mark.parametrize("backend", ["duckdb", "spark"])
def test_name_key_in_sql_agrees_with_the_normaliser(backend, request):
    engine = (
        DuckDBBackend() if backend == "duckdb" else SparkBackend(request.getfixturevalue("spark"))
    )
    engine.register("ow_test_names", pa.table({"name": NAMES}))
    key = transform_sql(Transform.NAME_KEY, "name", engine.dialect)
    rows = engine.rows(Statement("q", f"SELECT name, {key} AS k FROM ow_test_names"))
    assert {r["name"]: r["k"] for r in rows} == {n: name_key(n) for n in NAMES}
    assert name_key("Николай") == name_key("Nikolai") == name_key("Nikolay")
