"""``omniweave profiles export`` and ``erase`` against a real store (both backends)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from typer.testing import CliRunner

from omniweave.cli.context import container as cli_container
from omniweave.cli.privacy import profiles_app
from tests.integration.privacy.test_erase import send


@pytest.fixture
def run(database_url: str) -> Iterator:
    runner = CliRunner()
    cli_container.cache_clear()

    def invoke(*args: str):
        env = {"OMNIWEAVE_DATABASE_URL": database_url, "OMNIWEAVE_LOG_LEVEL": "WARNING"}
        return runner.invoke(profiles_app, list(args), env=env)

    yield invoke
    cli_container().close()
    cli_container.cache_clear()


def test_export_then_erase_from_the_command_line(run, container, tenant):
    send(container, tenant, {"type": "identify", "userId": "vera", "messageId": "v1",
                             "traits": {"email": "vera@example.com"}})  # fmt: skip
    container.catch_up()
    profile = container.identity.lookup(tenant.workspace_id, "user_id", "vera")["id"]

    exported = run("export", profile, "--json")
    assert exported.exit_code == 0, exported.output
    assert [e["message_id"] for e in orjson.loads(exported.output)["events"]] == ["v1"]
    assert "events" in run("export", profile).output

    refused = run("erase", profile)
    assert refused.exit_code == 2 and "--yes" in refused.output
    erased = run("erase", profile, "--yes", "--json")
    assert erased.exit_code == 0, erased.output
    answer = orjson.loads(erased.output)
    assert answer["erased"]["identities"] == 2 and answer["requestedBy"].startswith("cli:")
    again = run("erase", profile, "--yes")
    assert again.exit_code == 0 and "already erased" in again.output
    assert run("export", profile).exit_code == 2
