"""The ``omniweave`` script records its changing commands in the audit log (a real process
on each backend); reads and usage errors are not entries."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson


def omniweave(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMNIWEAVE_DATABASE_URL": database_url, "OMNIWEAVE_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "omniweave.cli.app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_changes_are_audited(database_url, tenant):
    made = omniweave(database_url, "keys", "create", "--scope", "read", "--name", "ops", "--json")
    assert made.returncode == 0, made.stderr
    secret = orjson.loads(made.stdout)["secret"]
    assert omniweave(database_url, "profiles", "erase", "p_gone", "--yes").returncode == 2
    assert omniweave(database_url, "keys", "list").returncode == 0  # a read
    assert omniweave(database_url, "keys", "create", "--nonsense").returncode == 2  # usage

    listed = omniweave(database_url, "audit", "--json")
    assert listed.returncode == 0, listed.stderr
    entries = orjson.loads(listed.stdout)
    assert [(e["action"], e["outcome"], e["status"]) for e in entries] == [
        ("profiles erase", "failed", 2),
        ("keys create", "ok", 0),
    ]
    assert entries[0]["resource"] == "profile_id=p_gone" and entries[0]["via"] == "cli"
    assert entries[1]["summary"] == {"options": ["--json", "--name", "--scope"]}
    assert secret not in listed.stdout and "ops" not in str(entries[1]["summary"])
