"""The batch path builder as SQL: every person's touches, split at their paid orders, folded
into the path table attribution takes (path, conversions, value, nulls). Generated, never
executed here; ``batch.py`` runs it on DuckDB or Spark. The rules are ``touches.py``'s.

Reads the tables ``batch.load`` provides: events, event_identities, identities, messages,
orders and profile_roots (every profile id with the one it resolves to today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from omniweave.analytics.touches import NO_TOUCH, STORE_VISIT


@dataclass(frozen=True)
class Dialect:
    """What differs between DuckDB and Spark SQL here, and nothing else."""

    name: str

    def json_text(self, column: str, path: str) -> str:
        if self.name == "spark":
            return f"get_json_object({column}, '$.{path}')"
        return f"json_extract_string({column}, '$.{path}')"

    def ordered_join(self, label: str, keys: tuple[str, ...], sep: str) -> str:
        """``label`` of the group's rows where it is not null, in ``keys`` order, joined."""
        if self.name == "spark":
            fields = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
            picked = f"CASE WHEN {label} IS NOT NULL THEN struct({fields}, {label} AS label) END"
            return (
                f"concat_ws('{sep}', transform(array_sort(collect_list({picked})), x -> x.label))"
            )
        return f"string_agg({label}, '{sep}' ORDER BY {', '.join(keys)})"

    def timestamp(self, moment: datetime) -> str:
        return f"TIMESTAMP '{moment.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
SEP = " > "


def touches_sql(d: Dialect, by: str) -> str:
    """One row per attributed touch: person, ts, kind, seq, label."""
    medium, source = (
        d.json_text("e.context", "campaign.medium"),
        d.json_text("e.context", "campaign.source"),
    )
    name = d.json_text("e.context", "campaign.name")
    channel_of_visit = f"lower(trim(coalesce(nullif(trim({medium}), ''), {source})))"
    store = d.json_text("e.properties", "store")
    visit_label = _label(by, channel_of_visit, f"nullif(trim({name}), '')")
    store_label = _label(by, "'store'", f"nullif({store}, '')")
    return f"""
    SELECT r.root_id AS person, e.timestamp AS ts, 'visit' AS kind, e.id AS seq,
           {visit_label} AS label
      FROM events e JOIN event_identities ei ON ei.event_id = e.id
      JOIN identities i ON i.id = ei.identity_id JOIN profile_roots r ON r.profile_id = i.profile_id
     WHERE e.type IN ('page', 'track', 'screen')
       AND NOT (e.type = 'track' AND coalesce(e.event, '') = '{STORE_VISIT}')
       AND coalesce(nullif(trim({medium}), ''), nullif(trim({source}), '')) IS NOT NULL
    UNION ALL
    SELECT r.root_id, e.timestamp, 'store_visit', e.id, {store_label}
      FROM events e JOIN event_identities ei ON ei.event_id = e.id
      JOIN identities i ON i.id = ei.identity_id JOIN profile_roots r ON r.profile_id = i.profile_id
     WHERE e.type = 'track' AND e.event = '{STORE_VISIT}'
    UNION ALL
    SELECT r.root_id, m.sent_at, 'message', m.id, {_label(by, "m.channel", "m.origin_name")}
      FROM messages m JOIN profile_roots r ON r.profile_id = m.profile_id
     WHERE m.sent_at IS NOT NULL AND m.channel IS NOT NULL AND m.channel <> ''
    UNION ALL
    SELECT person, placed_at, 'store_order', row_id, {_label(by, "'store'", "store")}
      FROM order_people WHERE channel = 'pos'
    """


def order_people_sql() -> str:
    """Each order with the person its event resolves to."""
    return """
    SELECT o.id AS row_id, o.order_id, o.channel, o.store, o.payment_status,
           CAST(o.total AS DOUBLE) AS total, o.placed_at, r.root_id AS person
      FROM orders o
      JOIN events e ON e.source_id = o.source_id AND e.message_id = o.message_id
      JOIN event_identities ei ON ei.event_id = e.id
      JOIN identities i ON i.id = ei.identity_id JOIN profile_roots r ON r.profile_id = i.profile_id
    """


def person_paths_sql(d: Dialect, by: str, start: datetime, end: datetime) -> str:
    """One row per person and path: the labels in order, converted (0/1), revenue."""
    order_keys = ("ts", "is_conv", "kind", "seq")
    return f"""
    WITH order_people AS ({order_people_sql()}),
    touches AS ({touches_sql(d, by)}),
    stream AS (
      SELECT person, ts, 0 AS is_conv, kind, seq, label, CAST(0 AS DOUBLE) AS revenue
        FROM touches WHERE ts < {d.timestamp(end)}
      UNION ALL
      SELECT person, placed_at, 1, 'order', row_id, CAST(NULL AS STRING), total
        FROM order_people WHERE payment_status = 'paid' AND placed_at < {d.timestamp(end)}
    ),
    numbered AS (
      SELECT *, SUM(is_conv) OVER (PARTITION BY person ORDER BY {", ".join(order_keys)}
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - is_conv AS path_no
        FROM stream
    ),
    grouped AS (
      SELECT person, path_no, COUNT(label) AS touches, SUM(is_conv) AS conversions,
             SUM(revenue) AS revenue, MAX(ts) AS last_at,
             {d.ordered_join("label", order_keys, SEP)} AS joined
        FROM numbered GROUP BY person, path_no
    )
    SELECT person, path_no,
           CASE WHEN touches = 0 THEN '{NO_TOUCH}' ELSE joined END AS path,
           conversions, revenue, last_at
      FROM grouped
     WHERE last_at >= {d.timestamp(start)}
    """


def path_table_sql(d: Dialect, by: str, start: datetime, end: datetime) -> str:
    """The path table: each distinct path with its conversions, revenue and non-conversions."""
    return f"""
    SELECT path, SUM(conversions) AS conversions, SUM(revenue) AS value,
           SUM(1 - conversions) AS nulls
      FROM ({person_paths_sql(d, by, start, end)}) p
     GROUP BY path ORDER BY path
    """


def _label(by: str, channel: str, campaign: str) -> str:
    raw = f"coalesce({campaign}, {channel})" if by == "campaign" else channel
    return f"replace({raw}, '>', '›')"
