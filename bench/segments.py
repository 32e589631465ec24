"""Segments on DuckDB: our compiled definitions against hand-written DuckDB queries.

Generates ``--profiles`` profiles and ``--events`` events with a fixed seed directly in DuckDB
(``range()`` and ``hash()``), in our tables' shape: profiles (2% merged into another, their
identities moved to the survivor), identities (a user id each, an email for 60%, a phone for
40%), event_identities (each event through one identity) and events (views, carts and orders
with ``properties`` JSON over 180 days; 10% ``identify`` calls with ``traits`` JSON). Five
typical segments run through our compiler (``segments.duckdb_sql``) and, in the same run, the
query a good engineer would write by hand; both must count the same members. Times are the
best of ``--repeat`` runs, the two alternating.

Prints one JSON line:
{"bench": "segments", "profiles": ..., "events": ..., "segments": {name: {"ours_s": ...,
 "hand_s": ..., "ratio": ours/hand, "members": ...}}, "ratio_max": ..., "ratio_geomean": ...}

    .venv/bin/python bench/segments.py [--profiles 1000000] [--events 10000000]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from datetime import UTC, datetime

from omniweave.segments.duckdb_engine import connect, context, segment_sql
from omniweave.segments.model import parse

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WS = 1

DEFINITIONS = {
    "pizza_viewers_7d": {
        "event": {
            "name": "Product Viewed",
            "min": 2,
            "withinDays": 7,
            "where": {"category": "pizza"},
        }
    },
    "no_order_30d": {"not": {"event": {"name": "Order Completed", "withinDays": 30}}},
    "city_kazan": {"trait": {"name": "city", "value": "Казань"}},
    "viewed_not_ordered_30d": {
        "all": [
            {"event": {"name": "Product Viewed", "withinDays": 30}},
            {"not": {"event": {"name": "Order Completed", "withinDays": 30}}},
        ]
    },
    "email_buyers_90d": {
        "all": [
            {"identifier": {"type": "email"}},
            {"event": {"name": "Order Completed", "min": 3, "withinDays": 90}},
        ]
    },
}

_ATTRIBUTED = """events e JOIN event_identities ei ON ei.event_id = e.id
    JOIN identities i ON i.id = ei.identity_id"""
_LIVE = f"profiles p WHERE p.workspace_id = {WS} AND p.merged_into IS NULL"


def _since(days: int) -> str:
    return f"TIMESTAMPTZ '{NOW.isoformat()}' - INTERVAL {days} DAY"


def _did(event: str, days: int) -> str:
    """Profiles that did ``event`` in the last ``days`` days."""
    return f"""SELECT DISTINCT i.profile_id FROM {_ATTRIBUTED}
        WHERE e.workspace_id = {WS} AND e.event = '{event}' AND e.timestamp >= {_since(days)}"""


HAND = {
    "pizza_viewers_7d": f"""
        SELECT count(*) FROM {_LIVE} AND p.id IN (
            SELECT i.profile_id FROM {_ATTRIBUTED}
            WHERE e.workspace_id = {WS} AND e.event = 'Product Viewed'
              AND e.timestamp >= {_since(7)} AND (e.properties->>'$.category') = 'pizza'
            GROUP BY i.profile_id HAVING count(*) >= 2)""",
    "no_order_30d": f"""
        SELECT count(*) FROM {_LIVE}
          AND p.id NOT IN ({_did("Order Completed", 30)})""",
    "city_kazan": f"""
        SELECT count(*) FROM {_LIVE} AND p.id IN (
            SELECT i.profile_id FROM {_ATTRIBUTED}
            WHERE e.workspace_id = {WS} AND e.type = 'identify'
              AND (e.traits->>'$.city') IS NOT NULL
            GROUP BY i.profile_id
            HAVING arg_max(e.traits->>'$.city', (e.timestamp, e.id)) = 'Казань')""",
    "viewed_not_ordered_30d": f"""
        SELECT count(*) FROM {_LIVE}
          AND p.id IN ({_did("Product Viewed", 30)})
          AND p.id NOT IN ({_did("Order Completed", 30)})""",
    "email_buyers_90d": f"""
        SELECT count(*) FROM {_LIVE}
          AND p.id IN (SELECT profile_id FROM identities
                       WHERE workspace_id = {WS} AND type = 'email')
          AND p.id IN (SELECT i.profile_id FROM {_ATTRIBUTED}
                       WHERE e.workspace_id = {WS} AND e.event = 'Order Completed'
                         AND e.timestamp >= {_since(90)}
                       GROUP BY i.profile_id HAVING count(*) >= 3)""",
}


def generate(conn, profiles: int, events: int, seed: int) -> None:
    """The four tables, pseudo-random but the same for the same sizes and seed."""
    conn.execute(f"""
        CREATE TABLE profiles AS
        SELECT 'p_' || lpad(n::VARCHAR, 12, '0') AS id, {WS} AS workspace_id,
               CASE WHEN hash(n, {seed}, 'merged') % 50 = 0 AND n > 0
                    THEN 'p_' || lpad((hash(n, {seed}, 'into') % n)::VARCHAR, 12, '0') END
                 AS merged_into
        FROM range({profiles}) t(n)""")
    # identities point to live profiles only: a merged profile's moved to its survivor
    conn.execute(f"""
        CREATE TABLE identities AS
        WITH people AS (
            SELECT row_number() OVER (ORDER BY p.id) - 1 AS n,
                   coalesce(p.merged_into, p.id) AS profile_id
            FROM profiles p),
        kinds AS (
            SELECT n, profile_id, 'user_id' AS type, 'u' || n AS value FROM people
            UNION ALL SELECT n, profile_id, 'email', 'e' || n || '@mail.ru' FROM people
              WHERE hash(n, {seed}, 'email') % 10 < 6
            UNION ALL SELECT n, profile_id, 'phone', '+7916' || lpad(n::VARCHAR, 7, '0')
              FROM people WHERE hash(n, {seed}, 'phone') % 10 < 4)
        SELECT row_number() OVER (ORDER BY type, n)::BIGINT AS id, profile_id, type, value,
               {WS} AS workspace_id
        FROM kinds""")
    # merged chains are one step deep here: a survivor may itself be merged; resolve once more
    conn.execute("""
        UPDATE identities SET profile_id = p.merged_into FROM profiles p
        WHERE p.id = identities.profile_id AND p.merged_into IS NOT NULL""")
    conn.execute(
        "DELETE FROM identities WHERE profile_id IN "
        "(SELECT id FROM profiles WHERE merged_into IS NOT NULL)"
    )
    (identity_count,) = conn.execute("SELECT max(id) FROM identities").fetchone()
    conn.execute(f"""
        CREATE TABLE events AS
        WITH raw AS (
            SELECT n, hash(n, {seed}, 'kind') % 100 AS kind,
                   (hash(n, {seed}, 'cat') % 4)::BIGINT AS cat,
                   (hash(n, {seed}, 'city') % 5)::BIGINT AS city
            FROM range(1, {events} + 1) t(n))
        SELECT n::BIGINT AS id, {WS} AS workspace_id,
               CASE WHEN kind < 10 THEN 'identify' ELSE 'track' END AS type,
               CASE WHEN kind < 10 THEN NULL WHEN kind < 60 THEN 'Product Viewed'
                    WHEN kind < 80 THEN 'Product Added' WHEN kind < 90 THEN 'Page Viewed'
                    ELSE 'Order Completed' END AS event,
               TIMESTAMPTZ '{NOW.isoformat()}'
                 - to_seconds((hash(n, {seed}, 'ts') % (180 * 86400))::BIGINT) AS timestamp,
               CASE WHEN kind >= 10 THEN json_object(
                   'category', ['pizza', 'drinks', 'desserts', 'salads'][cat + 1],
                   'price', 99 + hash(n, {seed}, 'price') % 900) END AS properties,
               CASE WHEN kind < 10 THEN json_object(
                   'city', ['Казань', 'Пермь', 'Москва', 'Самара', 'Омск'][city + 1],
                   'age', 18 + hash(n, {seed}, 'age') % 60) END AS traits
        FROM raw""")
    conn.execute(f"""
        CREATE TABLE event_identities AS
        SELECT id AS event_id, (1 + hash(id, {seed}, 'who') % {identity_count})::BIGINT
                 AS identity_id
        FROM events""")
    conn.execute(
        "DELETE FROM event_identities WHERE identity_id NOT IN (SELECT id FROM identities)"
    )


def timed(conn, sql: str) -> tuple[float, int]:
    started = time.perf_counter()
    (count,) = conn.execute(sql).fetchone()
    return time.perf_counter() - started, count


def run(profiles: int, events: int, repeat: int, seed: int) -> dict:
    conn = connect()
    generate(conn, profiles, events, seed)
    ctx = context(WS, NOW, lambda _name: None)
    results = {}
    for name, definition in DEFINITIONS.items():
        ours_sql = f"SELECT count(*) FROM ({segment_sql(parse(definition), ctx)})"
        ours, hand = [], []
        for _ in range(repeat):
            seconds, ours_count = timed(conn, ours_sql)
            ours.append(seconds)
            seconds, hand_count = timed(conn, HAND[name])
            hand.append(seconds)
            if ours_count != hand_count:
                raise AssertionError(f"{name}: ours {ours_count} != hand-written {hand_count}")
        results[name] = {
            "ours_s": round(min(ours), 4),
            "hand_s": round(min(hand), 4),
            "ratio": round(min(ours) / min(hand), 3),
            "members": ours_count,
        }
    ratios = [r["ratio"] for r in results.values()]
    return {
        "bench": "segments",
        "profiles": profiles,
        "events": events,
        "segments": results,
        "ratio_max": max(ratios),
        "ratio_geomean": round(math.exp(sum(map(math.log, ratios)) / len(ratios)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    print(json.dumps(run(args.profiles, args.events, args.repeat, args.seed), ensure_ascii=False))


if __name__ == "__main__":
    main()
