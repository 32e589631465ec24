"""The matcher as generated SQL: pure functions from settings to named statements.

``plan(settings, dialect)`` is called once per settings and returns every statement the
matcher runs. Values learnt from data (m/u weights, the prior, the sampling seed, record
counts) are bound parameters, never pasted into the text, so the same statements serve
training and prediction on any data. Tables, in the order they are built:

    {p}_input_0 [, {p}_input_1]  the caller's records (registered by the backend)
    {p}_records   one row a record: derived columns, parsed dates, term frequencies, _row
    {p}_gammas    one row a blocked pair: ids, the level (gamma) of each comparison, tf
    {p}_patterns  each distinct gamma vector with its count: what EM iterates over
"""

from __future__ import annotations

from dataclasses import dataclass

from omniweave.identity.matching.dialects import Dialect
from omniweave.identity.matching.gamma import date_column, gamma_vector, has_dates
from omniweave.identity.matching.model import Comparison, ExactLevel, LinkType, Settings
from omniweave.identity.matching.transforms import transform_sql

PRIME = 2147483647  # 2**31 - 1: the modulus of the pair sampler's mixing steps
MAX_LOGIT = 200  # a match weight beyond this is certainty either way; keeps power() finite


@dataclass(frozen=True)
class Statement:
    """A SELECT and the names of the parameters it binds. ``name`` is the table it builds."""

    name: str
    sql: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """All statements of one matcher, in the order ``Matcher`` runs them."""

    inputs: tuple[str, ...]
    records: Statement
    counts: Statement
    u_pairs: Statement
    u_counts: Statement
    gammas: Statement
    patterns: Statement
    blocked: Statement
    em_step: Statement
    scores: Statement


def weight_param(index: int, gamma: int) -> str:
    """The parameter holding log2(m/u) of one level."""
    return f"w{index}_{gamma}"


def log_m_param(index: int, gamma: int) -> str:
    """The parameter holding log2(m) of a term-frequency level (u comes from the data)."""
    return f"lm{index}_{gamma}"


def tf_column(column: str) -> str:
    """The per-record frequency of a column's value, among non-null values."""
    return f"_ow_tf_{column}"


def plan(settings: Settings, dialect: Dialect, prefix: str = "ow") -> Plan:
    """Every statement of the matcher for these settings, on this dialect."""
    t = f"{prefix}_records"
    inputs = (f"{prefix}_input_0", f"{prefix}_input_1")
    if settings.link_type is LinkType.DEDUPE_ONLY:
        inputs = inputs[:1]
    return Plan(
        inputs=inputs,
        records=Statement(t, _records_sql(settings, dialect, inputs)),
        counts=Statement(f"{prefix}_counts", f"SELECT _src, count(*) AS n FROM {t} GROUP BY _src"),
        u_pairs=_u_pairs(settings, dialect, f"{prefix}_u_pairs"),
        u_counts=_u_counts(settings, dialect, t, f"{prefix}_u_pairs", f"{prefix}_u_counts"),
        gammas=Statement(f"{prefix}_gammas", _gammas_sql(settings, dialect, t)),
        patterns=Statement(f"{prefix}_patterns", _patterns_sql(settings, f"{prefix}_gammas")),
        blocked=Statement(f"{prefix}_blocked", f"SELECT sum(n) AS n FROM {prefix}_patterns"),
        em_step=_em_step(settings, dialect, f"{prefix}_patterns", f"{prefix}_em_sums"),
        scores=_scores(settings, dialect, f"{prefix}_gammas", f"{prefix}_scores"),
    )


def _records_sql(s: Settings, d: Dialect, inputs: tuple[str, ...]) -> str:
    cols = ", ".join(d.quote(c) for c in s.input_columns)
    base = f"SELECT 0 AS _src, {cols} FROM {inputs[0]}"
    if s.link_type is LinkType.LINK_ONLY:
        base += f" UNION ALL SELECT 1 AS _src, {cols} FROM {inputs[1]}"
    derived = "".join(
        f", {transform_sql(x.transform, d.quote(x.source), d)} AS {d.quote(x.name)}"
        for x in s.derived
    )
    extra = [
        f"{d.parse_date(d.quote(c.column), c.date_format)} AS {date_column(c)}"
        for c in s.comparisons
        if has_dates(c)
    ]
    for col in s.tf_columns:
        q = d.quote(col)
        extra.append(
            f"CASE WHEN {q} IS NULL THEN NULL ELSE CAST(count(*) OVER (PARTITION BY {q}) "
            f"AS DOUBLE) / count({q}) OVER () END AS {tf_column(col)}"
        )
    extra.append(f"row_number() OVER (ORDER BY _src, {d.quote(s.unique_id)}) - 1 AS _row")
    return (
        f"WITH base AS ({base}), derived AS (SELECT *{derived} FROM base) "
        f"SELECT *, {', '.join(extra)} FROM derived"
    )


def _sides(s: Settings, records: str) -> tuple[str, str, str]:
    """The left and right relations of a pair, and the condition that orders a pair."""
    if s.link_type is LinkType.LINK_ONLY:
        return (
            f"(SELECT * FROM {records} WHERE _src = 0)",
            f"(SELECT * FROM {records} WHERE _src = 1)",
            "TRUE",
        )
    return records, records, "l._row < r._row"


def _gammas_sql(s: Settings, d: Dialect, records: str) -> str:
    vector = gamma_vector(s, d)
    uid = d.quote(s.unique_id)
    inner = [f"l.{uid} AS id_l", f"r.{uid} AS id_r", *vector.measures]
    outer = ["id_l", "id_r", *vector.gammas]
    for c in s.comparisons:
        if _tf_level(c) is not None:
            tf = tf_column(c.column)
            inner.append(f"greatest(l.{tf}, r.{tf}) AS _tf_{c.name}")
            outer.append(f"_tf_{c.name}")
    left, right, ordered = _sides(s, records)
    branches = []
    for i, rule in enumerate(s.blocking_rules):
        seen = "".join(f" AND NOT coalesce(({prev}), FALSE)" for prev in s.blocking_rules[:i])
        branches.append(
            f"SELECT {', '.join(inner)} FROM {left} AS l JOIN {right} AS r "
            f"ON ({rule}) WHERE {ordered}{seen}"
        )
    return f"SELECT {', '.join(outer)} FROM ({' UNION ALL '.join(branches)}) AS p"


def _tf_level(c: Comparison) -> int | None:
    for gamma, level in c.gammas:
        if isinstance(level, ExactLevel) and level.term_frequency:
            return gamma
    return None


def _u_pairs(s: Settings, d: Dialect, name: str) -> Statement:
    """Pseudo-random pairs of row numbers, drawn by integer arithmetic that every engine
    computes alike, so one seed gives the same sample on DuckDB and Spark. Built as a table
    first: scanning a table runs on every core, generating a sequence on one."""
    p = {k: d.param(k) for k in ("seed", "n_left", "n_right", "right_offset")}
    draws = (
        f"SELECT ((k + 1 + {p['seed']}) * 48271) % {PRIME} AS a, "
        f"((k + 7919 + {p['seed']}) * 16807) % {PRIME} AS b FROM {d.integers(s.u_sample_pairs)}"
    )
    mixed = (
        f"SELECT (((a * a + 12345) % {PRIME}) * 69621) % {PRIME} AS a2, "
        f"(((b * b + 54321) % {PRIME}) * 48271) % {PRIME} AS b2 FROM draws"
    )
    pairs = (
        f"SELECT a2 % {p['n_left']} AS row_l, "
        f"{p['right_offset']} + b2 % {p['n_right']} AS row_r FROM mixed"
    )
    sql = f"WITH draws AS ({draws}), mixed AS ({mixed}) SELECT * FROM ({pairs}) AS p"
    return Statement(name, f"{sql} WHERE row_l <> row_r", tuple(p))


def _u_counts(s: Settings, d: Dialect, records: str, pairs: str, name: str) -> Statement:
    """How often random pairs reach each level: the u probabilities, before normalising."""
    vector = gamma_vector(s, d)
    measured = (
        f"SELECT {', '.join(vector.measures)} FROM {pairs} AS p "
        f"JOIN {records} AS l ON l._row = p.row_l JOIN {records} AS r ON r._row = p.row_r"
    )
    gammas = f"SELECT {', '.join(vector.gammas)} FROM ({measured}) AS m"
    return Statement(name, f"WITH g AS ({gammas}) {_per_level(s, 'g', ['count(*) AS n'])}")


def _patterns_sql(s: Settings, gammas: str) -> str:
    cols = ", ".join(f"gamma_{c.name}" for c in s.comparisons)
    return f"SELECT {cols}, count(*) AS n FROM {gammas} GROUP BY {cols}"


def _weight_case(
    i: int, c: Comparison, d: Dialect, tf_minimum: float | None
) -> tuple[str, list[str]]:
    """CASE over one comparison's gamma giving its weight, and the parameters it binds. With
    ``tf_minimum`` set, an exact level with term frequencies weighs log2(m / frequency)."""
    whens, params = [], []
    tf_gamma = _tf_level(c) if tf_minimum is not None else None
    for gamma, _level in c.counted:
        if gamma == tf_gamma:
            name = log_m_param(i, gamma)
            tf = f"_tf_{c.name}"
            if tf_minimum:
                tf = f"greatest({tf}, CAST({float(tf_minimum)!r} AS DOUBLE))"
            whens.append(f"WHEN {gamma} THEN {d.param(name)} - log2({tf})")
        else:
            name = weight_param(i, gamma)
            whens.append(f"WHEN {gamma} THEN {d.param(name)}")
        params.append(name)
    return f"CASE gamma_{c.name} {' '.join(whens)} ELSE 0 END", params


def _probability(logit: str) -> str:
    return f"1.0 / (1.0 + power(2.0, -least(greatest({logit}, -{MAX_LOGIT}), {MAX_LOGIT})))"


def _per_level(s: Settings, source: str, aggregates: list[str]) -> str:
    """Aggregates per (comparison, gamma), plus a total row (comparison -1), in one pass:
    GROUPING SETS, because a UNION ALL of GROUP BYs recomputes the source for each on Spark.
    A gamma is never NULL, so the one non-NULL gamma of a row names its comparison."""
    cols = [f"gamma_{c.name}" for c in s.comparisons]
    which = " ".join(f"WHEN {col} IS NOT NULL THEN {i}" for i, col in enumerate(cols))
    sets = ", ".join(f"({col})" for col in cols)
    return (
        f"SELECT CASE {which} ELSE -1 END AS comparison, "
        f"coalesce({', '.join(cols)}, 0) AS gamma, {', '.join(aggregates)} "
        f"FROM {source} GROUP BY GROUPING SETS ({sets}, ())"
    )


def _em_step(s: Settings, d: Dialect, patterns: str, name: str) -> Statement:
    """One EM iteration's sums: expected matches (m_sum) and non-matches (u_sum) per level."""
    params = ["prior"]
    terms = []
    for i, c in enumerate(s.comparisons):
        case, used = _weight_case(i, c, d, tf_minimum=None)
        terms.append(case)
        params += used
    logit = " + ".join([d.param("prior"), *terms])
    cols = [f"gamma_{c.name}" for c in s.comparisons]
    e = f"SELECT {', '.join(cols)}, n, n * {_probability(logit)} AS nm FROM {patterns}"
    sums = _per_level(s, "e", ["sum(nm) AS m_sum", "sum(n - nm) AS u_sum"])
    return Statement(name, f"WITH e AS ({e}) {sums}", tuple(params))


def _scores(s: Settings, d: Dialect, gammas: str, name: str) -> Statement:
    """Every blocked pair with its match weight, probability and each comparison's share."""
    params = ["prior"]
    weights = []
    for i, c in enumerate(s.comparisons):
        case, used = _weight_case(i, c, d, tf_minimum=s.tf_minimum)
        weights.append(f"{case} AS weight_{c.name}")
        params += used
    ids = "id_l, id_r"
    gam = ", ".join(f"gamma_{c.name}" for c in s.comparisons)
    wts = ", ".join(f"weight_{c.name}" for c in s.comparisons)
    total = " + ".join([d.param("prior")] + [f"weight_{c.name}" for c in s.comparisons])
    inner = f"SELECT {ids}, {gam}, {', '.join(weights)} FROM {gammas}"
    scored = (
        f"SELECT {ids}, {total} AS match_weight, {_probability(total)} AS match_probability, "
        f"{gam}, {wts} FROM ({inner}) AS w"
    )
    sql = f"SELECT * FROM ({scored}) AS s WHERE match_probability >= {d.param('threshold')}"
    return Statement(name, sql, (*params, "threshold"))
