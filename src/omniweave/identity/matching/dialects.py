"""Every difference between DuckDB and Spark SQL that the matcher meets, in one place.

``sql.py`` writes portable SQL and asks a dialect for the rest: function names, parameter
markers, date parsing, list functions, regular-expression replacement and integer sequences.
sqlglot's DuckDB→Spark transpiling gets several of these wrong without an error
(``jaro_winkler_similarity``, list functions), so each is spelled out by hand and every
generated statement runs on both backends in the tests.

String distances: DuckDB's ``jaro_winkler_similarity``, ``levenshtein`` and
``damerau_levenshtein`` count UTF-8 bytes, Spark's (built-in or our UDFs) count characters.
On ASCII text they agree exactly; compare Cyrillic names through the ``name_key`` transform
(``DerivedColumn``), which turns them into lower-case Latin first.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

_STRFTIME_TO_JAVA = {"%Y": "yyyy", "%y": "yy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm"}
_SAFE_FORMAT = re.compile(r"^(%[YymdHM]|[-/. :0-9])+$")


def check_date_format(fmt: str) -> str:
    """Date formats are settings pasted into SQL: allow only the pieces both engines read."""
    if not _SAFE_FORMAT.match(fmt):
        raise ValueError(f"unsupported date format {fmt!r}: use %Y %y %m %d %H %M - / . : space")
    return fmt


class Dialect:
    """The portable defaults; subclasses override what their engine spells differently."""

    name = "ansi"

    def quote(self, ident: str) -> str:
        return f'"{ident}"'

    def string(self, text: str) -> str:
        """A string literal (standard SQL: only the quote is doubled)."""
        return "'" + text.replace("'", "''") + "'"

    def param(self, name: str) -> str:
        raise NotImplementedError

    def jaro_winkler(self, a: str, b: str) -> str:
        raise NotImplementedError

    def levenshtein(self, a: str, b: str) -> str:
        return f"levenshtein({a}, {b})"

    def damerau_levenshtein(self, a: str, b: str) -> str:
        raise NotImplementedError

    def to_text(self, expr: str) -> str:
        return f"CAST({expr} AS STRING)"

    def parse_date(self, expr: str, fmt: str | None) -> str:
        raise NotImplementedError

    def days_between(self, a: str, b: str) -> str:
        raise NotImplementedError

    def shared_count(self, a: str, b: str) -> str:
        raise NotImplementedError

    def integers(self, count: int) -> str:
        """A subquery with one BIGINT column ``k`` = 0 .. count-1."""
        raise NotImplementedError

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        """Regular-expression replace of every match; ``\\1`` in ``replacement`` is group 1."""
        raise NotImplementedError


class DuckDBDialect(Dialect):
    name = "duckdb"

    def param(self, name: str) -> str:
        return f"${name}"

    def jaro_winkler(self, a: str, b: str) -> str:
        return f"jaro_winkler_similarity({a}, {b})"

    def damerau_levenshtein(self, a: str, b: str) -> str:
        return f"damerau_levenshtein({a}, {b})"

    def parse_date(self, expr: str, fmt: str | None) -> str:
        if fmt is None:
            return f"TRY_CAST({expr} AS DATE)"
        return f"CAST(try_strptime({self.to_text(expr)}, '{check_date_format(fmt)}') AS DATE)"

    def days_between(self, a: str, b: str) -> str:
        return f"date_diff('day', {a}, {b})"

    def shared_count(self, a: str, b: str) -> str:
        return f"len(list_intersect({a}, {b}))"

    def integers(self, count: int) -> str:
        return f"(SELECT range AS k FROM range({int(count)}))"

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        return f"regexp_replace({expr}, {self.string(pattern)}, {self.string(replacement)}, 'g')"


class SparkDialect(Dialect):
    """Spark SQL 4 with ANSI mode on: ``try_to_date`` so a bad date is NULL, not an error.

    Spark has no Jaro-Winkler nor Damerau-Levenshtein: ``register_functions`` adds them as
    Arrow UDFs backed by rapidfuzz (a batch per call; pyarrow only, no pandas), under the
    ``ow_`` names used here.
    """

    name = "spark"

    def quote(self, ident: str) -> str:
        return f"`{ident}`"

    def string(self, text: str) -> str:
        """Spark reads backslash escapes inside literals, so they are escaped too."""
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def param(self, name: str) -> str:
        return f":{name}"

    def jaro_winkler(self, a: str, b: str) -> str:
        return f"ow_jaro_winkler({a}, {b})"

    def damerau_levenshtein(self, a: str, b: str) -> str:
        return f"ow_damerau_levenshtein({a}, {b})"

    def parse_date(self, expr: str, fmt: str | None) -> str:
        if fmt is None:
            return f"try_cast({expr} AS DATE)"
        java = check_date_format(fmt)
        for strftime, pattern in _STRFTIME_TO_JAVA.items():
            java = java.replace(strftime, pattern)
        return f"try_to_date({self.to_text(expr)}, '{java}')"

    def days_between(self, a: str, b: str) -> str:
        return f"datediff({b}, {a})"

    def shared_count(self, a: str, b: str) -> str:
        return f"size(array_intersect({a}, {b}))"

    def integers(self, count: int) -> str:
        return f"(SELECT id AS k FROM range({int(count)}))"

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        java = re.sub(r"\\(\d)", r"$\1", replacement)
        return f"regexp_replace({expr}, {self.string(pattern)}, {self.string(java)})"

    @staticmethod
    def register_functions(spark: Any) -> None:
        """Add the functions Spark lacks (once per session; re-registering is harmless).
        They are Arrow UDFs: a batch of rows per call, so no per-row Python overhead."""
        from pyspark.sql.functions import arrow_udf

        spark.udf.register("ow_jaro_winkler", arrow_udf(_jaro_winkler, "double"))
        spark.udf.register("ow_damerau_levenshtein", arrow_udf(_damerau_levenshtein, "int"))


def _pairwise(scorer: Any, a: pa.Array, b: pa.Array, kind: pa.DataType) -> pa.Array:
    values = [
        None if x is None or y is None else scorer(x, y)
        for x, y in zip(a.to_pylist(), b.to_pylist(), strict=True)
    ]
    return pa.array(values, kind)


def _jaro_winkler(a: pa.Array, b: pa.Array) -> pa.Array:
    from rapidfuzz.distance import JaroWinkler

    return _pairwise(JaroWinkler.similarity, a, b, pa.float64())


def _damerau_levenshtein(a: pa.Array, b: pa.Array) -> pa.Array:
    from rapidfuzz.distance import DamerauLevenshtein

    return _pairwise(DamerauLevenshtein.distance, a, b, pa.int32())


DIALECTS: dict[str, Dialect] = {"duckdb": DuckDBDialect(), "spark": SparkDialect()}
