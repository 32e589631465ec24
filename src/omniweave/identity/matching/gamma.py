"""The comparison vector as SQL: which level each comparison reaches for a pair ``l``, ``r``.

Two steps, so that a costly measure (a Jaro-Winkler similarity shared by three levels) runs
once per pair: ``measures`` are computed from the ``l.``/``r.`` columns, then ``gammas`` are
CASE expressions over them, the first level that holds winning.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniweave.identity.matching.dialects import Dialect
from omniweave.identity.matching.model import (
    Comparison,
    CrossedLevel,
    DamerauLevenshteinLevel,
    DateWithinLevel,
    ElseLevel,
    ExactLevel,
    JaroWinklerLevel,
    Level,
    LevenshteinLevel,
    NullLevel,
    Settings,
    SharedElementsLevel,
)


@dataclass(frozen=True)
class GammaSql:
    measures: tuple[str, ...]  # "expression AS alias", over l. and r. columns
    gammas: tuple[str, ...]  # "CASE ... END AS gamma_<name>", over the aliases


def date_column(comparison: Comparison) -> str:
    """The per-record parsed date of a comparison with date levels (built in records)."""
    return f"_ow_date_{comparison.name}"


def has_dates(c: Comparison) -> bool:
    return any(isinstance(lv, DateWithinLevel) for lv in c.levels)


def gamma_vector(settings: Settings, dialect: Dialect) -> GammaSql:
    measure = _Measures()
    gammas = tuple(_gamma(c, dialect, measure) for c in settings.comparisons)
    return GammaSql(tuple(f"{expr} AS {alias}" for expr, alias in measure.aliases.items()), gammas)


class _Measures:
    """Distinct measure expressions, each with its alias: two comparisons that need the same
    measure (a given name and a surname crossed with each other) share it."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def __call__(self, expr: str) -> str:
        if expr not in self.aliases:
            self.aliases[expr] = f"_m{len(self.aliases)}"
        return self.aliases[expr]


def _gamma(c: Comparison, d: Dialect, measure: _Measures) -> str:
    whens = []
    for gamma, level in c.gammas:
        condition = _condition(level, c, d, measure)
        if condition is not None:
            whens.append(f"WHEN {condition} THEN {gamma}")
    return f"CASE {' '.join(whens)} ELSE 0 END AS gamma_{c.name}"


def _condition(level: Level, c: Comparison, d: Dialect, measure: _Measures) -> str | None:
    q = d.quote
    left, right = f"l.{q(c.column)}", f"r.{q(c.column)}"
    dates = has_dates(c)
    dl, dr = (f"l.{date_column(c)}", f"r.{date_column(c)}") if dates else (left, right)
    tl, tr = (d.to_text(left), d.to_text(right)) if dates else (left, right)
    match level:
        case NullLevel():
            return measure(f"({dl} IS NULL OR {dr} IS NULL)")
        case ExactLevel():
            return measure(f"({left} = {right})")
        case DateWithinLevel():
            return f"{measure(f'abs({d.days_between(dl, dr)})')} <= {float(level.days)!r}"
        case SharedElementsLevel(minimum=k):
            return f"{measure(d.shared_count(left, right))} >= {int(k)}"
        case CrossedLevel(level=inner, against=other):
            # symmetric in the two columns, written in name order so that both comparisons
            # produce the same text (and so share the measure)
            first, second = sorted((c.column, other))
            left, right = f"l.{q(first)}", f"r.{q(first)}"
            la, ra = f"l.{q(second)}", f"r.{q(second)}"
            if isinstance(inner, ExactLevel):
                return measure(f"({left} = {ra} AND {la} = {right})")
            both = (_distance(inner, left, ra, d), _distance(inner, la, right, d))
            worst = "least" if isinstance(inner, JaroWinklerLevel) else "greatest"
            return _threshold(inner, measure(f"{worst}({both[0]}, {both[1]})"))
        case JaroWinklerLevel() | LevenshteinLevel() | DamerauLevenshteinLevel():
            return _threshold(level, measure(_distance(level, tl, tr, d)))
        case ElseLevel():
            return None
    raise TypeError(f"unknown level {level!r}")


def _distance(level: Level, a: str, b: str, d: Dialect) -> str:
    if isinstance(level, JaroWinklerLevel):
        return d.jaro_winkler(a, b)
    if isinstance(level, LevenshteinLevel):
        return d.levenshtein(a, b)
    return d.damerau_levenshtein(a, b)


def _threshold(level: Level, value: str) -> str:
    if isinstance(level, JaroWinklerLevel):
        return f"{value} >= {float(level.threshold)!r}"
    assert isinstance(level, LevenshteinLevel | DamerauLevenshteinLevel)
    return f"{value} <= {int(level.max_distance)}"
