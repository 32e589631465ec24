"""Predicted value and attribution over the demo pizzeria (a year of orders and UTM visits),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from omniweave.analytics.clv import Customer
from omniweave.api.app import create_app
from omniweave.bootstrap import bootstrap
from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container
from omniweave.demo.loader import load, prepare_workspace
from omniweave.demo.model import DEMO_END, DemoSpec
from omniweave.settings import Settings


@pytest.fixture
def demo(database_url, engine, tmp_path: Path):
    """The demo's 80 customers, on a clock at the demo's last day."""
    c = bootstrap(
        Settings(
            database_url=database_url,
            identity_settle_seconds=0,
            resolver_interval_seconds=0,
            demo_keys_file=str(tmp_path / "keys.json"),
        ),
        engine=engine,
        clock=lambda: DEMO_END,
    )
    workspace = prepare_workspace(c)
    load(c, workspace, DemoSpec(seed=7, customers=80))
    while c.resolver.catch_up():
        pass
    return c, workspace


def test_predicted_value_fits_the_demo_and_explains_each_customer(demo):
    c, workspace = demo
    ws = workspace.workspace_id
    found = c.analytics.predicted_value(ws, horizon_days=180, limit=1000)
    model = found["model"]
    assert model is not None, found.get("reason")
    assert model["customers"] == len(found["customers"]) > 20
    bg = model["bgnbd"]
    assert all(v > 0 for k, v in bg.items() if k != "logLikelihood")
    top = found["customers"][0]
    assert top["predictedValue"] >= found["customers"][-1]["predictedValue"]
    assert top["predictedValue"] == pytest.approx(top["expectedOrders"] * top["expectedOrderValue"])
    assert 0 < top["pAlive"] <= 1
    # The same numbers from the pure model with the fitted parameters.
    from omniweave.analytics.clv import BgNbd

    fitted = BgNbd(bg["r"], bg["alpha"], bg["a"], bg["b"], bg["logLikelihood"])
    customer = Customer(top["repeatOrders"], top["weeksToLastOrder"], top["weeksSinceFirstOrder"])
    assert fitted.expected_orders(customer, 180 / 7) == pytest.approx(top["expectedOrders"])
    one = c.analytics.predicted_value(ws, horizon_days=180, profile_id=top["profileId"])
    assert [p["profileId"] for p in one["customers"]] == [top["profileId"]]


def test_attribution_and_reports_over_http_on_the_demo(demo, tenant):
    c, workspace = demo
    ws = workspace.workspace_id
    start, end = DEMO_END - timedelta(days=365), DEMO_END
    table = c.analytics.path_table(ws, "channel", start, end)
    assert sum(r["conversions"] for r in table) > 0 and len(table) > 3
    for model in ("markov", "shapley", "linear"):
        result = c.analytics.attribution(ws, model, start=start, end=end)
        total = sum(x["conversions"] for x in result["credits"])
        assert total == pytest.approx(result["total_conversions"])
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        got = client.get(
            "/api/analytics/predicted-value?horizon_days=0",
            headers={"Authorization": f"Bearer {tenant.read_key}"},
        )
        assert got.status_code in (400, 422)
        got = client.get(
            "/api/analytics/predicted-value?horizon_days=30&limit=5",
            headers={"Authorization": f"Bearer {tenant.read_key}"},
        )
        assert got.status_code == 200, got.text  # the tenant's workspace is the demo's
        body = got.json()
        assert len(body["customers"]) == 5 and body["model"]["gammaGamma"]["p"] < 2e5


def test_customer_reports_on_the_demo(demo):
    c, workspace = demo
    ws = workspace.workspace_id
    person = c.analytics.predicted_value(ws, limit=1)["customers"][0]["profileId"]
    user = next(
        i["value"] for i in c.identity.profile(ws, person)["identifiers"] if i["type"] == "user_id"
    )
    answers = [("nps", 10), ("nps", 9), ("nps", 3), ("nps", 7), ("csat", 5), ("csat", 2)]
    c.ingest.batch(
        ws,
        workspace.source_ids["site"],
        {
            "batch": [
                {
                    "type": "track",
                    "userId": user,
                    "event": "Survey Answered",
                    "messageId": f"sv-{i}",
                    "timestamp": (DEMO_END - timedelta(days=2)).isoformat(),
                    "properties": {"survey": kind, "score": score},
                }
                for i, (kind, score) in enumerate(answers)
            ]
        },
    )
    while c.resolver.catch_up():
        pass
    c.traits.rebuild()
    found = c.analytics.customers_report(ws, DEMO_END - timedelta(days=365), DEMO_END)
    assert found["satisfaction"]["nps"] == {
        "answers": 4,
        "promoters": 2,
        "detractors": 1,
        "score": 25.0,
    }
    assert found["satisfaction"]["csat"]["score"] == 50.0
    cohorts = found["cohorts"]
    assert cohorts and all(c_["retention"][0] == 1.0 for c_ in cohorts if c_["people"])
    assert (
        sum(r["people"] for r in cohorts) == c.analytics.predicted_value(ws)["model"]["customers"]
    )
    sales = found["sales"]
    assert {r["channel"] for r in sales} >= {"pos"} and all(r["revenue"] > 0 for r in sales)
    rfm = found["rfm"]
    assert rfm["customers"] > 0 and sum(rfm["bySegment"].values()) == rfm["customers"]


def test_clv_and_customers_commands(demo, database_url, tmp_path):
    runner = CliRunner()
    env = {"OMNIWEAVE_DATABASE_URL": database_url}
    cli_container.cache_clear()
    try:
        got = runner.invoke(
            app,
            ["report", "clv", "--json", "--limit", "3", "-o", str(tmp_path / "clv.csv")],
            env=env,
        )
        assert got.exit_code == 0, got.output
        body = orjson.loads(got.stdout)
        assert len(body["customers"]) == 3 and body["model"]["repeaters"] >= 10
        rows = (tmp_path / "clv.csv").read_text().splitlines()
        assert rows[0].startswith("profileId,") and len(rows) == body["model"]["customers"] + 1
        got = runner.invoke(app, ["report", "customers", "--to", "2026-11-01T00:00:00"], env=env)
        assert got.exit_code == 0, got.output
        assert "sales by channel and store" in got.stdout and "nps" in got.stdout
    finally:
        cli_container.cache_clear()
