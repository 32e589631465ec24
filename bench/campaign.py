"""A campaign over a large audience on PostgreSQL: decisions per second, against one scan of
the same profiles in the same run.

Generates ``--profiles`` profiles directly in a scratch schema (SQL ``generate_series``): a
user id each, an email for 60% and a device token for the other 40%, a phone for half; a
marketing grant for each address (email, push, SMS); and a saved segment "everyone" holding
them all. A campaign to that segment is then decided to the end through the real
``CampaignService`` (consent, cascade, caps, dedup, holdout, rendering, the outbox row per
person; nothing is sent). The baseline is the least a campaign must do: one query streaming
every member's identifiers into Python.

Prints one JSON line:
{"bench": "campaign", "profiles": ..., "campaign_s": ..., "decisions_per_s": ...,
 "scan_s": ..., "ratio": campaign/scan, "goal_ratio": 3.0, "by_status": {...}}

    OMNIWEAVE_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/campaign.py [--profiles 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))

from scratch import scratch_schema  # noqa: E402

from omniweave.bootstrap import bootstrap  # noqa: E402
from omniweave.settings import Settings  # noqa: E402
from omniweave.store.engine import build_engine  # noqa: E402

BASE = os.environ.get(
    "OMNIWEAVE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEMPLATE = {
    "name": "weekly",
    "topic": "marketing",
    "channels": {
        "push": {"title": "This week", "body": "Two for one, {{ profile.first_name }}"},
        "email": {
            "subject": "This week at Pizza Lenina",
            "html": "<p>Two for one: <a href='https://pizzalenina.ru/?w=1'>order</a></p>",
        },
        "sms": {"text": "Two for one this week"},
    },
}

POPULATE = [
    "INSERT INTO workspaces (id, name, created_at) VALUES (1, 'bench', now())",
    """INSERT INTO profiles (id, workspace_id, created_seq, created_at)
       SELECT 'p' || lpad(g::text, 12, '0'), 1, g, now() FROM generate_series(1, :n) g""",
    """INSERT INTO identities (workspace_id, type, value, profile_id, first_seen_at)
       SELECT 1, 'user_id', 'u' || g, 'p' || lpad(g::text, 12, '0'), now()
       FROM generate_series(1, :n) g""",
    """INSERT INTO identities (workspace_id, type, value, profile_id, first_seen_at)
       SELECT 1, 'email', 'guest' || g || '@example.com', 'p' || lpad(g::text, 12, '0'), now()
       FROM generate_series(1, :n) g WHERE g % 5 < 3""",
    """INSERT INTO identities (workspace_id, type, value, profile_id, first_seen_at)
       SELECT 1, 'device_token', md5(g::text) || md5((g + 1)::text),
              'p' || lpad(g::text, 12, '0'), now()
       FROM generate_series(1, :n) g WHERE g % 5 >= 3""",
    """INSERT INTO identities (workspace_id, type, value, profile_id, first_seen_at)
       SELECT 1, 'phone', '+7900' || lpad(g::text, 7, '0'), 'p' || lpad(g::text, 12, '0'), now()
       FROM generate_series(1, :n) g WHERE g % 2 = 0""",
    """INSERT INTO consents (workspace_id, subject_type, subject_value, channel, topic, state,
                             source, via, at, recorded_at)
       SELECT 1, type, value,
              CASE type WHEN 'email' THEN 'email' WHEN 'phone' THEN 'sms' ELSE 'push' END,
              'marketing', 'granted', 'bench', 'request', now() - interval '30 days', now()
       FROM identities WHERE type IN ('email', 'phone', 'device_token')""",
    """INSERT INTO segments (workspace_id, name, definition, created_at, updated_at)
       VALUES (1, 'everyone', '{"identifier": {"type": "user_id"}}', now(), now())""",
    """INSERT INTO segment_memberships (segment_id, profile_id, entry, workspace_id, entered_at)
       SELECT (SELECT id FROM segments), id, 1, 1, now() FROM profiles""",
    "ANALYZE",
]
SCAN = """SELECT m.profile_id, i.type, i.value
          FROM segment_memberships m JOIN identities i ON i.profile_id = m.profile_id
          WHERE m.segment_id = (SELECT id FROM segments) AND m.exited_at IS NULL
          ORDER BY m.profile_id"""


def populate(url: str, profiles: int) -> None:
    engine = build_engine(url)
    with engine.begin() as conn:
        for statement in POPULATE:
            conn.execute(text(statement), {"n": profiles})
    engine.dispose()


def scan(url: str) -> tuple[float, int]:
    """Stream every member's identifiers into Python: the floor a campaign stands on."""
    engine = build_engine(url)
    started = time.perf_counter()
    rows = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(text(SCAN))
        for _ in result:
            rows += 1
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, rows


def run_campaign(url: str) -> tuple[float, dict]:
    settings = Settings(database_url=url, log_json=False, smtp_host="127.0.0.1",
                        fcm_project="bench", sms_gateway_url="http://127.0.0.1:9")  # fmt: skip
    c = bootstrap(settings)
    c.messaging.save_template(1, TEMPLATE)
    c.campaigns.save(1, {"name": "weekly", "segment": "everyone", "template": "weekly",
                         "holdout": 5})  # fmt: skip
    c.campaigns.start(1, "weekly")
    started = time.perf_counter()
    c.campaigns.run_due()
    seconds = time.perf_counter() - started
    report = c.campaigns.report(1, "weekly")
    c.close()
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    args = parser.parse_args()
    with scratch_schema(BASE, "bench_campaign") as url:
        populate(url, args.profiles)
        scan_first, rows = scan(url)
        campaign_s, report = run_campaign(url)
        scan_second, _ = scan(url)
    scan_s = min(scan_first, scan_second)
    print(
        json.dumps(
            {
                "bench": "campaign",
                "backend": "postgresql",
                "profiles": args.profiles,
                "identifier_rows": rows,
                "campaign_s": round(campaign_s, 3),
                "decisions_per_s": round(args.profiles / campaign_s, 1),
                "scan_s": round(scan_s, 4),
                "ratio": round(campaign_s / scan_s, 2),
                "goal_ratio": 3.0,
                "audience": report["counts"].get("audience"),
                "by_status": report["report"]["byStatus"],
                "by_channel": report["report"]["byChannel"],
            }
        )
    )


if __name__ == "__main__":
    main()
