"""``omniweave apply -f`` with ``kind: Promotion``, ``export``, ``promotions list``, coupon
generation and the loyalty sweeps, against a real store."""

from __future__ import annotations

import orjson
import yaml
from typer.testing import CliRunner

from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container

PROMOTIONS = """
kind: Promotion
key: winter-shoes
priority: 10
when: {channels: [site, pos], timezone: Europe/Moscow, starts: 2026-12-01T00:00:00}
target: {categories: [shoes]}
effect: {type: percent, percent: 15}
---
key: three-for-two
target: {skus: [sock]}
effect: {type: n_for_m, buy: 3, pay: 2}
"""


def test_promotions_are_applied_from_yaml_and_exported_back(database_url, tenant, tmp_path):
    runner = CliRunner()
    env = {"OMNIWEAVE_DATABASE_URL": database_url, "OMNIWEAVE_RESOLVER_INTERVAL_SECONDS": "0"}
    path = tmp_path / "promotions.yaml"
    path.write_text(PROMOTIONS)
    cli_container.cache_clear()
    try:
        applied = runner.invoke(app, ["apply", "-f", str(path), "--json"], env=env)
        assert applied.exit_code == 0, applied.output
        rows = orjson.loads(applied.output)["applied"]
        assert [(r["kind"], r["name"], r["version"]) for r in rows] == [
            ("promotion", "winter-shoes", 1),
            ("promotion", "three-for-two", 1),
        ]
        again = runner.invoke(app, ["apply", "-f", str(path), "--json"], env=env)
        assert [r["changed"] for r in orjson.loads(again.output)["applied"]] == [False, False]
        listed = runner.invoke(app, ["promotions", "list", "--json"], env=env)
        assert [p["key"] for p in orjson.loads(listed.output)["promotions"]] == [
            "three-for-two",
            "winter-shoes",
        ]
        exported = runner.invoke(app, ["export", "promotion", "winter-shoes"], env=env)
        document = yaml.safe_load(exported.output)
        assert document["kind"] == "promotion" and document["effect"]["percent"] == "15"
        broken = tmp_path / "broken.yaml"
        broken.write_text("kind: Promotion\nkey: bad\neffect: {type: percent, percent: 0}\n")
        failed = runner.invoke(app, ["apply", "-f", str(broken)], env=env)
        assert failed.exit_code == 2 and "effect" in failed.output
        swept = runner.invoke(app, ["loyalty", "expire", "--json"], env=env)
        assert orjson.loads(swept.output) == {"expired_lots": 0}
        missing = runner.invoke(
            app, ["coupons", "generate", "nope", "--count", "2", "--batch", "b"], env=env
        )
        assert missing.exit_code == 2 and "no coupon pool 'nope'" in missing.output
    finally:
        cli_container.cache_clear()
