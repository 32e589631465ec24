"""The campaign and journey report as SQL (DuckDB or Spark, through ``paths_sql.Dialect``):
per message, what became of it; per person entered, whether they bought in the window.

A message converted when its person paid an order within ``days`` after the message was decided
(``created_at``: the same moment for those held out, who get no message); it led to an
unsubscribe when its channel and address were revoked in that window. The people of a campaign
are its recipients (first message each), of a journey its runs (entered_at)."""

from __future__ import annotations

from datetime import datetime

from omniweave.analytics.paths_sql import Dialect, order_people_sql


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def message_facts_sql(d: Dialect, origin: str, name: str, days: int) -> str:
    """One row per message of the campaign or journey, with its conversions and revokes."""
    window = f"INTERVAL '{int(days)}' DAY"
    return f"""
    WITH order_people AS ({order_people_sql()}),
    paid AS (SELECT person, placed_at, total FROM order_people WHERE payment_status = 'paid'),
    msgs AS (
      SELECT m.id, r.root_id AS person, m.channel, m.step, m.status, m.cost, m.address,
             m.created_at, m.sent_at, m.delivered_at, m.opened_at, m.clicked_at
        FROM messages m JOIN profile_roots r ON r.profile_id = m.profile_id
       WHERE m.origin = {_quote(origin)} AND m.origin_name = {_quote(name)}
    ),
    bought AS (
      SELECT m.id, COUNT(p.person) AS orders, COALESCE(SUM(p.total), 0) AS revenue
        FROM msgs m LEFT JOIN paid p ON p.person = m.person
         AND p.placed_at > m.created_at AND p.placed_at <= m.created_at + {window}
       GROUP BY m.id
    ),
    revoked AS (
      SELECT m.id, COUNT(c.id) AS revokes
        FROM msgs m LEFT JOIN consents c ON c.channel = m.channel
         AND c.subject_value = m.address AND c.state = 'revoked'
         AND c.at >= m.created_at AND c.at <= m.created_at + {window}
       GROUP BY m.id
    )
    SELECT msgs.*, bought.orders, bought.revenue, revoked.revokes
      FROM msgs JOIN bought ON bought.id = msgs.id JOIN revoked ON revoked.id = msgs.id
     ORDER BY msgs.id
    """


def people_sql(d: Dialect, origin: str, name: str, days: int) -> str:
    """One row per person the campaign decided about (or per journey run): their group
    (held out or treated), variant, and the paid orders in the window after."""
    window = f"INTERVAL '{int(days)}' DAY"
    if origin == "campaign":
        units = f"""
        SELECT person, MIN(created_at) AS anchor,
               MAX(CASE WHEN status = 'held_out' THEN 1 ELSE 0 END) AS held_out,
               CAST(NULL AS STRING) AS variant
          FROM (SELECT r.root_id AS person, m.created_at, m.status FROM messages m
                  JOIN profile_roots r ON r.profile_id = m.profile_id
                 WHERE m.origin = 'campaign' AND m.origin_name = {_quote(name)}) x
         GROUP BY person"""
    else:
        units = f"""
        SELECT r.root_id AS person, j.entered_at AS anchor,
               CASE WHEN j.held_out THEN 1 ELSE 0 END AS held_out, j.variant
          FROM journey_runs j JOIN profile_roots r ON r.profile_id = j.profile_id
         WHERE j.journey = {_quote(name)}"""
    return f"""
    WITH order_people AS ({order_people_sql()}),
    paid AS (SELECT person, placed_at, total FROM order_people WHERE payment_status = 'paid'),
    units AS ({units})
    SELECT u.person, u.anchor, u.held_out, u.variant, COUNT(p.person) AS orders,
           COALESCE(SUM(p.total), 0) AS revenue
      FROM units u LEFT JOIN paid p ON p.person = u.person
       AND p.placed_at > u.anchor AND p.placed_at <= u.anchor + {window}
     GROUP BY u.person, u.anchor, u.held_out, u.variant
     ORDER BY u.person, u.anchor
    """


def customers_sql(d: Dialect, end: datetime) -> str:
    """Per person with a paid order before ``end``: repeat order days (x), the first and last
    order day, and the mean value of the repeat days (as BG/NBD and Gamma-Gamma count them)."""
    return f"""
    WITH order_people AS ({order_people_sql()}),
    days AS (
      SELECT person, CAST(placed_at AS DATE) AS day, SUM(total) AS total FROM order_people
       WHERE payment_status = 'paid' AND placed_at < {d.timestamp(end)}
       GROUP BY person, CAST(placed_at AS DATE)
    ),
    ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY person ORDER BY day) AS n FROM days)
    SELECT person, COUNT(*) - 1 AS x, MIN(day) AS first_day, MAX(day) AS last_day,
           AVG(CASE WHEN n > 1 THEN total END) AS m, AVG(total) AS mean_order
      FROM ranked GROUP BY person ORDER BY person
    """
