"""The matcher's settings as frozen data: what to compare, how, and which pairs to look at.

A ``Comparison`` is an ordered list of levels, best first; each pair of records falls into the
first level whose condition holds. Its *gamma* is what the model learns m and u for: the null
level is -1, the else level 0, and the others count up from there (the best level is highest),
as in Splink. Nothing here knows SQL: ``sql.py`` turns these settings into statements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RULE_COLUMN = re.compile(r"\b[lr]\.([A-Za-z_][A-Za-z0-9_]*)")
DAYS_PER_UNIT = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}


class LinkType(StrEnum):
    DEDUPE_ONLY = "dedupe_only"  # one data set: find the records that are the same person
    LINK_ONLY = "link_only"  # two data sets: pair each left record with right ones


class Transform(StrEnum):
    LOWER = "lower"
    NAME_KEY = "name_key"  # lower-case Latin: Николай, Nikolai and Nikolay meet (see normalise)


class Band(StrEnum):
    MERGE = "merge"
    REVIEW = "review"
    APART = "apart"


@dataclass(frozen=True)
class NullLevel:
    """Either side is missing: the pair says nothing about this comparison."""

    label: str = "null"


@dataclass(frozen=True)
class ExactLevel:
    """Equal values; with ``term_frequency`` a common value (Ivanov) counts less than a rare one."""

    term_frequency: bool = False

    @property
    def label(self) -> str:
        return "exact (tf)" if self.term_frequency else "exact"


@dataclass(frozen=True)
class JaroWinklerLevel:
    threshold: float

    @property
    def label(self) -> str:
        return f"jaro_winkler >= {self.threshold}"


@dataclass(frozen=True)
class LevenshteinLevel:
    max_distance: int

    @property
    def label(self) -> str:
        return f"levenshtein <= {self.max_distance}"


@dataclass(frozen=True)
class DamerauLevenshteinLevel:
    """Levenshtein that counts a swap of two neighbours (1234 / 1243) as one edit."""

    max_distance: int

    @property
    def label(self) -> str:
        return f"damerau_levenshtein <= {self.max_distance}"


@dataclass(frozen=True)
class DateWithinLevel:
    amount: float
    unit: str = "day"

    def __post_init__(self) -> None:
        if self.unit not in DAYS_PER_UNIT:
            raise ValueError(f"unit must be one of {sorted(DAYS_PER_UNIT)}, not {self.unit!r}")

    @property
    def days(self) -> float:
        return self.amount * DAYS_PER_UNIT[self.unit]

    @property
    def label(self) -> str:
        return f"within {self.amount:g} {self.unit}"


@dataclass(frozen=True)
class SharedElementsLevel:
    """Two lists (phones, emails) share at least ``minimum`` elements."""

    minimum: int = 1

    @property
    def label(self) -> str:
        return f"shares >= {self.minimum}"


@dataclass(frozen=True)
class ElseLevel:
    label: str = "else"


@dataclass(frozen=True)
class CrossedLevel:
    """``level`` between this column and ``against``, both ways round: a given name and a
    surname typed into each other's fields still agree (Ivan Petrov / Petrov Ivan)."""

    level: ExactLevel | JaroWinklerLevel | LevenshteinLevel | DamerauLevenshteinLevel
    against: str

    def __post_init__(self) -> None:
        if not IDENTIFIER.match(self.against):
            raise ValueError(f"not a plain column name: {self.against!r}")

    @property
    def label(self) -> str:
        return f"{self.level.label.removesuffix(' (tf)')} crossed with {self.against}"


Level = (
    NullLevel
    | ExactLevel
    | JaroWinklerLevel
    | LevenshteinLevel
    | DamerauLevenshteinLevel
    | DateWithinLevel
    | SharedElementsLevel
    | CrossedLevel
    | ElseLevel
)


@dataclass(frozen=True)
class Comparison:
    """How one column votes. ``date_format`` (strftime, e.g. ``%Y%m%d``) parses a text column
    for the date levels; a value that does not parse counts as missing."""

    column: str
    levels: tuple[Level, ...]
    date_format: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.column)
        for ident in (self.column, self.name):
            if not IDENTIFIER.match(ident):
                raise ValueError(f"not a plain column name: {ident!r}")
        if not self.levels or not isinstance(self.levels[-1], ElseLevel):
            raise ValueError(f"{self.name}: the last level must be ElseLevel()")
        if any(isinstance(lv, NullLevel) for lv in self.levels[1:]):
            raise ValueError(f"{self.name}: NullLevel() can only be the first level")
        if len(self.levels) < 2:
            raise ValueError(f"{self.name}: needs at least one level besides ElseLevel()")

    @property
    def gammas(self) -> tuple[tuple[int, Level], ...]:
        """Each level with its gamma: null -1, else 0, the best level highest."""
        gamma = sum(not isinstance(lv, NullLevel) for lv in self.levels)
        out: list[tuple[int, Level]] = []
        for level in self.levels:
            if isinstance(level, NullLevel):
                out.append((-1, level))
            else:
                gamma -= 1
                out.append((gamma, level))
        return tuple(out)

    @property
    def counted(self) -> tuple[tuple[int, Level], ...]:
        """The levels that carry evidence (all but null), best first."""
        return tuple((g, lv) for g, lv in self.gammas if g >= 0)


@dataclass(frozen=True)
class DerivedColumn:
    """A column computed once per record before blocking, e.g. a Latin key of a Cyrillic name."""

    name: str
    source: str
    transform: Transform

    def __post_init__(self) -> None:
        for ident in (self.name, self.source):
            if not IDENTIFIER.match(ident):
                raise ValueError(f"not a plain column name: {ident!r}")


@dataclass(frozen=True)
class MergeBands:
    """At or above ``auto_merge`` a pair merges; from ``review`` up to it, a person decides."""

    auto_merge: float = 0.99
    review: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 <= self.review <= self.auto_merge <= 1.0:
            raise ValueError("need 0 <= review <= auto_merge <= 1")

    def band(self, probability: float) -> Band:
        if probability >= self.auto_merge:
            return Band.MERGE
        return Band.REVIEW if probability >= self.review else Band.APART


@dataclass(frozen=True)
class Settings:
    """Everything the generated SQL depends on. Blocking rules are SQL conditions on ``l.`` and
    ``r.`` columns (``l.surname = r.surname``): a pair is scored if any rule holds."""

    unique_id: str
    comparisons: tuple[Comparison, ...]
    blocking_rules: tuple[str, ...]
    link_type: LinkType = LinkType.DEDUPE_ONLY
    derived: tuple[DerivedColumn, ...] = ()
    bands: MergeBands = field(default_factory=MergeBands)
    u_sample_pairs: int = 1_000_000  # random pairs that estimate u (as Splink's default)
    em_max_iterations: int = 100  # EM stops earlier once no m moves more than em_tolerance
    em_tolerance: float = 1e-4
    tf_minimum: float = 0.0  # a floor on a value's frequency, so one-off typos do not dominate

    def __post_init__(self) -> None:
        if not IDENTIFIER.match(self.unique_id):
            raise ValueError(f"not a plain column name: {self.unique_id!r}")
        if not self.comparisons or not self.blocking_rules:
            raise ValueError("need at least one comparison and one blocking rule")
        names = [c.name for c in self.comparisons]
        if len(set(names)) != len(names):
            raise ValueError(f"comparison names must be unique: {names}")

    @property
    def input_columns(self) -> tuple[str, ...]:
        """The columns read from the caller's records (derived ones are computed from these)."""
        derived = {d.name for d in self.derived}
        wanted = [self.unique_id]
        wanted += [d.source for d in self.derived]
        wanted += [c.column for c in self.comparisons]
        wanted += [
            lv.against for c in self.comparisons for lv in c.levels if isinstance(lv, CrossedLevel)
        ]
        for rule in self.blocking_rules:
            wanted += _RULE_COLUMN.findall(rule)
        return tuple(dict.fromkeys(c for c in wanted if c not in derived))

    @property
    def tf_columns(self) -> tuple[str, ...]:
        """Columns whose value frequencies adjust an exact level."""
        return tuple(
            dict.fromkeys(
                c.column
                for c in self.comparisons
                for lv in c.levels
                if isinstance(lv, ExactLevel) and lv.term_frequency
            )
        )
