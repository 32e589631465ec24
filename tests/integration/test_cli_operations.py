"""The commands that make the API's remaining capabilities scriptable: a send through the
decision, one message with its checks, the identity review queue and splits."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from typer.testing import CliRunner

from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container


@pytest.fixture
def run(database_url: str) -> Iterator:
    runner = CliRunner()
    cli_container.cache_clear()

    def invoke(*args: str):
        return runner.invoke(app, list(args), env={"OMNIWEAVE_DATABASE_URL": database_url})

    yield invoke
    cli_container().close()
    cli_container.cache_clear()


def test_a_message_sent_from_the_command_line_says_why(run, container, tenant):
    ws = tenant.workspace_id
    container.ingest.batch(
        ws,
        tenant.site_id,
        {"batch": [{"type": "identify", "userId": "u1", "messageId": "m1", "traits": {}}]},
    )
    while container.catch_up():
        pass
    profile = container.identity.lookup(ws, "user_id", "u1")["id"]
    container.messaging.save_template(
        ws, {"name": "hello", "topic": "transactional", "channels": {"sms": {"text": "Hi"}}}
    )
    args = ("messages", "send", profile, "--template", "hello", "--key", "k1", "--json")
    sent = run(*args)
    assert sent.exit_code == 0, sent.output
    row = orjson.loads(sent.output)
    assert row["status"] == "suppressed"  # no phone, no provider: a decision, not a failure
    assert "no channel" in row["decision"]["reason"]
    again = orjson.loads(run(*args).output)
    assert again["id"] == row["id"]  # the same key is the same message
    shown = run("messages", "show", str(row["id"]))
    assert shown.exit_code == 0 and orjson.loads(shown.output)["decision"]["checks"]
    missing = run("messages", "send", profile, "--template", "nope", "--key", "k2")
    assert missing.exit_code == 2 and "nope" in missing.output


def test_the_review_queue_and_splits_answer_with_clear_errors(run, tenant):
    listed = run("identity", "reviews", "--json")
    assert listed.exit_code == 0 and orjson.loads(listed.output) == []
    unknown = run("identity", "review", "999", "--approve")
    assert unknown.exit_code == 1 and "999" in unknown.output
    wrong = run("identity", "reviews", "--status", "maybe")
    assert wrong.exit_code == 2
    nothing = run("identity", "split", "p_nobody")
    assert nothing.exit_code == 1


def test_consents_are_granted_revoked_and_shown_from_the_command_line(run, container, tenant):
    ws = tenant.workspace_id
    identify = {"type": "identify", "userId": "u7", "messageId": "c1",
                "traits": {"email": "Olga@Example.com"}}  # fmt: skip
    container.ingest.batch(ws, tenant.site_id, {"batch": [identify]})
    while container.catch_up():
        pass
    profile = container.identity.lookup(ws, "user_id", "u7")["id"]
    granted = run("consents", "grant", "email=olga@example.com", "--channel", "email", "--json")
    assert granted.exit_code == 0, granted.output
    answer = orjson.loads(granted.output)
    assert answer["profile"] == profile
    assert answer["reachability"]["email"]["marketing"]["reachable"] is True
    revoked = run("consents", "revoke", "email=OLGA@example.com", "--channel", "email", "--json")
    assert revoked.exit_code == 0, revoked.output
    assert orjson.loads(revoked.output)["reachability"]["email"]["marketing"]["reachable"] is False
    shown = orjson.loads(run("consents", "show", profile, "--json").output)
    assert [h["state"] for h in shown["history"]] == ["revoked", "granted"]  # newest first
    wrong = run("consents", "grant", "olga@example.com", "--channel", "email")
    assert wrong.exit_code != 0 and "FIELD=VALUE" in wrong.output
    unknown = run("consents", "grant", "email=olga@example.com", "--channel", "pigeon")
    assert unknown.exit_code != 0 and "pigeon" in unknown.output
