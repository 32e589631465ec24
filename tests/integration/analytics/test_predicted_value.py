"""Predicted value and attribution over the demo pizzeria (a year of orders and UTM visits),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from omniweave.analytics.clv import Customer
from omniweave.api.app import create_app
from omniweave.bootstrap import bootstrap
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
