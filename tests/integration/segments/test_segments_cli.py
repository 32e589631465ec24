"""``omniweave segments apply|preview|export`` against a real store."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container
from tests.integration.segments.test_segments import people  # noqa: F401

YAML = """
- name: kazan
  definition: {trait: {name: city, value: Казань}}
- name: pizza-kazan
  description: a segment of a segment
  definition: {all: [{segment: kazan}, {event: {name: Product Viewed, where: {category: pizza}}}]}
"""


def test_apply_preview_export(people, database_url, tmp_path):  # noqa: F811
    _service, ids, workspace = people
    runner = CliRunner()
    env = {"OMNIWEAVE_DATABASE_URL": database_url}
    definitions = tmp_path / "segments.yaml"
    definitions.write_text(YAML)
    cli_container.cache_clear()
    try:
        applied = runner.invoke(
            app,
            [
                "segments",
                "apply",
                "-f",
                str(definitions),
                "--json",
                "--workspace",
                "default",
            ],
            env=env,
        )
        assert applied.exit_code == 0, applied.output
        assert {s["name"]: s["size"] for s in orjson.loads(applied.output)} == {
            "kazan": 2,
            "pizza-kazan": 2,
        }
        preview = runner.invoke(
            app,
            ["segments", "preview", "kazan", "--json", "--workspace", "default"],
            env=env,
        )
        assert sorted(orjson.loads(preview.output)[0]["sample"]) == sorted(
            [ids["kolya"], ids["masha"]]
        )
        out = tmp_path / "kazan.csv"
        exported = runner.invoke(
            app,
            ["segments", "export", "kazan", "-o", str(out), "--workspace", "default"],
            env=env,
        )
        assert exported.exit_code == 0, exported.output
        assert out.read_text().splitlines()[0] == "profile_id,email,phone"
        broken = tmp_path / "broken.yaml"
        broken.write_text("- name: x\n  definition: {event: {name: y, withinDays: 0}}\n")
        refused = runner.invoke(
            app,
            ["segments", "apply", "-f", str(broken), "--workspace", "default"],
            env=env,
        )
        assert refused.exit_code == 1 and "withinDays" in refused.output
    finally:
        cli_container().close()
        cli_container.cache_clear()
