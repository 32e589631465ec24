"""``omniweave catalog|stock|orders`` against a real store, with ``--json``."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container

DATA = Path(__file__).parent / "data"


def run(database_url: str, *args: str):
    result = CliRunner().invoke(app, list(args), env={"OMNIWEAVE_DATABASE_URL": database_url})
    return result


def test_import_set_stock_price_and_move_an_order(tenant, database_url, tmp_path, container):
    cli_container.cache_clear()
    try:
        places = tmp_path / "places.yaml"
        places.write_text("locations:\n  - {id: pos-001, name: Ленина 1, isPickupPoint: true}\n")
        assert run(database_url, "catalog", "apply", "-f", str(places), "--json").exit_code == 0
        feed = str(DATA / "pizzeria.yml")
        first = run(database_url, "catalog", "import", feed, "--location", "pos-001", "--json")
        assert first.exit_code == 0, first.output
        assert orjson.loads(first.output)["counts"]["prices"]["created"] == 3
        again = run(database_url, "catalog", "import", feed, "--location", "pos-001", "--json")
        assert orjson.loads(again.output)["changed"] == 0
        stock = run(database_url, "stock", "set", "pos-001", "pepperoni-35=4", "--json")
        assert orjson.loads(stock.output)["announced"][0]["kind"] == "back_in_stock"
        bad = run(database_url, "stock", "set", "pos-001", "pepperoni-35=many")
        assert bad.exit_code == 2
        shown = run(database_url, "stock", "show", "--sku", "pepperoni-35", "--json")
        assert orjson.loads(shown.output)["levels"][0]["available"] == 4
        priced = run(database_url, "catalog", "prices", "pepperoni-30", "ghost", "--json")
        body = orjson.loads(priced.output)
        assert body["lines"][0]["unitPrice"] == 599.0
        assert body["unpriced"] == [{"sku": "ghost", "reason": "unknown product"}]
        order = {
            "orderId": "cli-1",
            "channel": "site",
            "customer": {"userId": "u1"},
            "pickupStore": "pos-001",
            "lines": [{"sku": "pepperoni-35", "quantity": 1, "price": 799}],
        }
        container.orders.record(tenant.workspace_id, tenant.site_id, order)
        moved = run(database_url, "orders", "status", "cli-1", "delivered", "--json")
        assert moved.exit_code == 0, moved.output
        assert orjson.loads(moved.output)["reservations"][0]["status"] == "converted"
        refused = run(database_url, "orders", "status", "cli-1", "paid")
        assert refused.exit_code == 1 and "from delivered to paid" in refused.output
        history = run(database_url, "orders", "history", "cli-1", "--json")
        assert [t["to"] for t in orjson.loads(history.output)["transitions"]] == [
            "created",
            "delivered",
        ]
        assert orjson.loads(run(database_url, "orders", "sweep", "--json").output) == {"swept": 0}
    finally:
        cli_container.cache_clear()
