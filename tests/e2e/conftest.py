"""End-to-end fixtures: the real server in a subprocess, on each backend.

``server`` runs on the store that ``database_url`` gives (a migrated, empty SQLite file or
PostgreSQL schema), after ``tenant`` wrote the workspace and its keys there, so every e2e test
runs twice, like the integration tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.e2e.servers import Server


@pytest.fixture
def server(database_url: str, tenant, tmp_path: Path) -> Iterator[Server]:
    """A running server; a test may ``kill()`` and ``start()`` it again. Always stopped after,
    and the test fails if the server logged an error (a 500, a failed background round)."""
    running = Server(database_url, tmp_path / "server.log")
    try:
        yield running.start()
    finally:
        running.stop()
    assert running.errors() == [], running.log()


@pytest.fixture
def postgres_base(postgres_url: str) -> str:
    """The PostgreSQL database itself (no session schema): skipped, or failed under CI, when
    absent, through ``postgres_url``."""
    url = make_url(postgres_url).difference_update_query(["options"])
    return url.render_as_string(hide_password=False)
