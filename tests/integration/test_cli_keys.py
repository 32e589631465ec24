"""``omniweave migrate``, ``sources`` and ``keys`` against a real store."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from typer.testing import CliRunner

from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container
from omniweave.store.migrate import head_revision


@pytest.fixture
def run(database_url: str) -> Iterator:
    runner = CliRunner()
    cli_container.cache_clear()

    def invoke(*args: str):
        result = runner.invoke(app, list(args), env={"OMNIWEAVE_DATABASE_URL": database_url})
        return result

    yield invoke
    cli_container().close()
    cli_container.cache_clear()


def test_migrate_reports_the_revision(run):
    result = run("migrate")
    assert result.exit_code == 0, result.output
    assert head_revision() in result.output


def test_keys_lifecycle(run, container):
    assert run("sources", "create", "site", "--kind", "site").exit_code == 0
    created = run("keys", "create", "--scope", "write", "--source", "site", "--json")
    assert created.exit_code == 0, created.output
    key = orjson.loads(created.output)
    principal = container.keys.verify(key["secret"])
    assert principal is not None and principal.source_id is not None

    listed = orjson.loads(run("keys", "list", "--json").output)
    assert [k["source"] for k in listed] == ["site"]
    assert key["secret"] not in run("keys", "list").output  # only the prefix is shown

    assert run("keys", "revoke", str(key["id"])).exit_code == 0
    container.keys.forget()
    assert container.keys.verify(key["secret"]) is None
    assert run("keys", "revoke", str(key["id"])).exit_code == 1


def test_helpful_errors(run):
    no_source = run("keys", "create", "--scope", "write", "--source", "nope")
    assert no_source.exit_code == 1
    assert "no source named 'nope'" in no_source.output
    assert run("keys", "create", "--scope", "write").exit_code == 1  # a write key needs a source
    assert run("keys", "create", "--scope", "everything").exit_code == 2
