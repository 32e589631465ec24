"""Ready-made comparisons for people data (names, dates of birth, codes, phone lists)."""

from __future__ import annotations

from collections.abc import Sequence

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
    SharedElementsLevel,
)


def exact(column: str, *, term_frequency: bool = False) -> Comparison:
    """Agree or not: for codes where a near miss means nothing (a state, a gender)."""
    return Comparison(column, (NullLevel(), ExactLevel(term_frequency), ElseLevel()))


def name(
    column: str,
    *,
    thresholds: Sequence[float] = (0.92, 0.88, 0.7),
    term_frequency: bool = True,
    swapped_with: str | None = None,
) -> Comparison:
    """Exact, then Jaro-Winkler bands: typos keep most of a name's weight. ``swapped_with``
    (the other name column) adds a level for names typed into each other's fields."""
    levels: list[Level] = [NullLevel(), ExactLevel(term_frequency)]
    levels += [JaroWinklerLevel(t) for t in thresholds]
    if swapped_with is not None:
        levels.append(CrossedLevel(JaroWinklerLevel(0.88), swapped_with))
    return Comparison(column, (*levels, ElseLevel()))


def edits(
    column: str,
    *,
    distances: Sequence[int] = (1, 2),
    transpositions: bool = True,
    term_frequency: bool = False,
) -> Comparison:
    """Exact, then at most N edits: for numbers typed by hand (ids, postcodes, phones)."""
    kind = DamerauLevenshteinLevel if transpositions else LevenshteinLevel
    levels: list[Level] = [NullLevel(), ExactLevel(term_frequency)]
    levels += [kind(d) for d in distances]
    return Comparison(column, (*levels, ElseLevel()))


def date_of_birth(column: str, *, date_format: str | None = None, typos: bool = True) -> Comparison:
    """Exact, one typo (``typos``: an edit distance on the text, the costliest measure here),
    then within a month, a year, ten years; a text date that does not parse counts as
    missing."""
    levels: list[Level] = [NullLevel(), ExactLevel()]
    if typos:
        levels.append(LevenshteinLevel(1))
    levels += [DateWithinLevel(1, "month"), DateWithinLevel(1, "year"), DateWithinLevel(10, "year")]
    return Comparison(column, (*levels, ElseLevel()), date_format=date_format)


def shared_elements(column: str) -> Comparison:
    """Two lists (say, all known phones) share an element."""
    return Comparison(column, (NullLevel(), SharedElementsLevel(1), ElseLevel()))
