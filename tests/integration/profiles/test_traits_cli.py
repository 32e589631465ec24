"""``omniweave traits rebuild`` and ``show`` against a real store."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from typer.testing import CliRunner

from omniweave.cli.context import container as cli_container
from omniweave.cli.traits import traits_app
from omniweave.identity.profile_view import find_by_identifier
from tests.integration.profiles.test_traits_history import kolya


@pytest.fixture
def run(database_url: str) -> Iterator:
    runner = CliRunner()
    cli_container.cache_clear()

    def invoke(*args: str):
        return runner.invoke(traits_app, list(args), env={"OMNIWEAVE_DATABASE_URL": database_url})

    yield invoke
    cli_container().close()
    cli_container.cache_clear()


def test_rebuild_then_show(run, container, tenant):
    kolya(container, tenant)
    container.resolver.catch_up()
    rebuilt = run("rebuild", "--json")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert orjson.loads(rebuilt.output)["profiles"] == 1
    with container.engine.connect() as conn:
        profile_id = find_by_identifier(conn, tenant.workspace_id, "user_id", "kolya")
    shown = run("show", profile_id, "--workspace", "default")
    assert shown.exit_code == 0, shown.output
    found = orjson.loads(shown.output)
    assert found["traits"]["order_count"]["value"] == 2
    assert found["traits"]["rfm"]["value"]["segment"] is not None
    assert run("show", "p_nope").exit_code == 1
