"""The campaign report, measured: a real campaign with a holdout sent through the peers, then
orders and an unsubscribe; on SQLite and PostgreSQL, over HTTP."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from omniweave.api.app import create_app
from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container
from omniweave.store.message_tables import messages
from tests.integration.analytics.test_paths import order, stamp
from tests.integration.messaging.conftest import (  # noqa: F401
    NOW,
    clock,
    deliver,
    peers,
    settle,
    timed,
    vapid,
)
from tests.integration.messaging.test_outbox import WELCOME

PEOPLE = 40


@pytest.fixture
def campaign(timed, tenant, clock):  # noqa: F811
    c, ws, site = timed, tenant.workspace_id, tenant.site_id
    tag = NOW.strftime("%H%M%S%f")
    batch = [
        {
            "type": "identify",
            "userId": f"r{i}",
            "messageId": f"r-{i}",
            "timestamp": stamp(-timedelta(days=1)),
            "traits": {"email": f"r{i}.{tag}@example.com", "first_name": "R", "emailOptIn": True},
        }
        for i in range(PEOPLE)
    ]
    c.ingest.batch(ws, site, {"batch": batch})
    settle(c)
    c.messaging.save_template(ws, WELCOME)
    c.segments.save(ws, "everyone", {"identifier": {"type": "user_id"}}, None)
    c.campaigns.save(
        ws, {"name": "spring", "segment": "everyone", "template": "welcome", "holdout": 30}
    )
    c.campaigns.start(ws, "spring")
    c.campaigns.run_due()
    deliver(c, rounds=6)
    with c.engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.profile_id, messages.c.status, messages.c.address).where(
                messages.c.origin == "campaign"
            )
        ).all()
    held = {p for p, status, _ in rows if status == "held_out"}
    buyers = set()
    for i in range(PEOPLE):
        profile = c.identity.lookup(ws, "user_id", f"r{i}")["id"]
        if i % 3 == 0:  # every third person buys, whichever group they are in
            buyers.add(profile)
            body = order(f"o-{i}", timedelta(hours=6), "1000.00")
            c.ingest.order(ws, site, {**body, "customer": {"userId": f"r{i}"}})
    quitter = next(address for p, status, address in rows if status != "held_out")
    c.consents.record(ws, ("email", quitter), "email", "marketing", "revoked")
    settle(c)
    clock.move(days=1)
    return c, ws, held, buyers


def test_the_campaign_report_counts_conversions_cost_saving_and_uplift(campaign, tenant):
    c, ws, held, buyers = campaign
    assert 0 < len(held) < PEOPLE
    report = c.analytics.campaign_report(ws, "spring")
    treated = PEOPLE - len(held)
    email = report["byChannel"]["email"]
    assert email["sent"] == treated and email["messages"] == treated
    assert email["converted"] == len(buyers - held)
    assert email["revenue"] == pytest.approx(1000.0 * len(buyers - held))
    assert email["unsubscribed"] == 1
    assert report["byChannel"]["(held out)"]["messages"] == len(held)
    saving = report["report"]
    assert saving["costIfAllSms"] > saving["cost"] and saving["saved"] > 0
    holdout = report["holdout"]
    assert holdout["treated"]["people"] == treated and holdout["holdout"]["people"] == len(held)
    assert holdout["holdout"]["converted"] == len(buyers & held)
    expected = len(buyers - held) / treated - len(buyers & held) / len(held)
    assert holdout["uplift"]["estimate"] == pytest.approx(expected)
    assert holdout["uplift"]["low"] < expected < holdout["uplift"]["high"]
    assert "Newcombe" in holdout["method"]
    short = c.analytics.campaign_report(ws, "spring", days=1)
    assert short["holdout"]["treated"]["converted"] == len(buyers - held)  # 6 hours later
    read = {"Authorization": f"Bearer {tenant.read_key}"}
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        got = client.get("/api/reports/campaigns/spring?days=7", headers=read)
        assert got.status_code == 200, got.text
        assert got.json()["holdout"]["holdout"]["people"] == len(held)
        assert client.get("/api/reports/campaigns/nope", headers=read).status_code == 404
        assert client.get("/api/reports/journeys/nope", headers=read).status_code == 404
        assert client.get("/api/reports/campaigns/spring?days=0", headers=read).status_code in (
            400,
            422,
        )


def test_report_commands_print_json_export_and_draw(campaign, database_url, tmp_path):
    c, ws, held, buyers = campaign
    runner = CliRunner()
    env = {"OMNIWEAVE_DATABASE_URL": database_url}
    cli_container.cache_clear()
    try:
        got = runner.invoke(
            app,
            [
                "report",
                "campaign",
                "spring",
                "--json",
                "-o",
                str(tmp_path / "c.csv"),
                "--chart",
                str(tmp_path / "c.svg"),
            ],
            env=env,
        )
        assert got.exit_code == 0, got.output
        body = orjson.loads(got.stdout)
        assert body["holdout"]["holdout"]["people"] == len(held)
        lines = (tmp_path / "c.csv").read_text().splitlines()
        assert lines[0].startswith("channel,messages,sent") and len(lines) == 3
        assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
        until = (NOW + timedelta(days=2)).isoformat(timespec="seconds").replace("+00:00", "")
        got = runner.invoke(
            app,
            [
                "report",
                "attribution",
                "--model",
                "linear",
                "--to",
                until,
                "--json",
                "-o",
                str(tmp_path / "a.parquet"),
                "--chart",
                str(tmp_path / "a.png"),
            ],
            env=env,
        )
        assert got.exit_code == 0, got.output
        credits = orjson.loads(got.stdout)["credits"]
        assert {x["channel"]: x["conversions"] for x in credits} == {
            "email": len(buyers - held),
            "(direct)": len(buyers & held),
        }
        assert pq.read_table(tmp_path / "a.parquet").num_rows == 2
        assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        got = runner.invoke(app, ["report", "paths", "--to", until, "--json"], env=env)
        assert got.exit_code == 0, got.output
        assert {p["path"] for p in orjson.loads(got.stdout)["paths"]} == {"email", "(direct)"}
        bad = runner.invoke(app, ["report", "attribution", "--model", "magic"], env=env)
        assert bad.exit_code == 2 and "model" in bad.output
        missing = runner.invoke(app, ["report", "journey", "nope"], env=env)
        assert missing.exit_code == 2
    finally:
        cli_container.cache_clear()


AB_JOURNEY = {
    "name": "welcome-ab",
    "trigger": {"event": {"name": "Signed Up"}},
    "holdout": 20,
    "steps": [
        {
            "id": "ab",
            "split": {
                "variants": [
                    {"name": "a", "weight": 50, "next": "send-a"},
                    {"name": "b", "weight": 50, "next": "send-b"},
                ]
            },
        },
        {"id": "send-a", "send": {"template": "welcome"}, "next": "done"},
        {"id": "send-b", "send": {"template": "welcome", "cascade": ["email"]}},
        {"id": "done", "exit": {}},
    ],
}


def test_the_journey_report_tests_its_variants_and_warns_of_peeking(timed, tenant, clock):  # noqa: F811
    c, ws, site = timed, tenant.workspace_id, tenant.site_id
    c.messaging.save_template(ws, WELCOME)
    c.journeys.apply(ws, AB_JOURNEY)
    tag = NOW.strftime("%H%M%S%f")
    for i in range(PEOPLE):
        when = stamp(timedelta(minutes=i))
        c.ingest.batch(
            ws,
            site,
            {
                "batch": [
                    {
                        "type": "identify",
                        "userId": f"j{i}",
                        "messageId": f"j-{i}",
                        "timestamp": when,
                        "traits": {
                            "email": f"j{i}.{tag}@example.com",
                            "first_name": "J",
                            "emailOptIn": True,
                        },
                    },
                    {
                        "type": "track",
                        "userId": f"j{i}",
                        "event": "Signed Up",
                        "messageId": f"s-{i}",
                        "timestamp": when,
                    },
                ]
            },
        )
    settle(c, rounds=8)
    deliver(c, rounds=6)
    for i in range(0, PEOPLE, 2):
        body = order(f"j-o-{i}", timedelta(hours=12), "800.00")
        c.ingest.order(ws, site, {**body, "customer": {"userId": f"j{i}"}})
    settle(c)
    clock.move(days=1)
    runs = c.journeys.runs(ws, "welcome-ab")
    assert len(runs) == PEOPLE
    report = c.analytics.journey_report(ws, "welcome-ab", planned=1000)
    held = [r for r in runs if r["heldOut"]]
    assert report["holdout"]["holdout"]["people"] == len(held)
    assert report["holdout"]["treated"]["people"] == PEOPLE - len(held)
    variants = {v["variant"]: v for v in report["abTest"]["variants"]}
    for name in ("a", "b"):
        assert variants[name]["people"] == sum(
            1 for r in runs if r["variant"] == name and not r["heldOut"]
        )
    assert "p_value" in variants["b"] and variants["b"]["against"] == "a"
    assert "peeking" in report["abTest"]["caveat"]
    sent_steps = {k for k, v in report["byStep"].items() if v["sent"]}
    assert sent_steps <= {"send-a", "send-b"} and sent_steps
    assert sum(v["sent"] for v in report["byStep"].values()) == PEOPLE - len(held)
    assert report["report"]["cost"] >= 0 and "saved" in report["report"]
