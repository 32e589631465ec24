"""Fixtures shared by every test: a migrated store on each backend, a workspace with keys,
and the application in-process.

Every test that takes ``engine`` (or anything built on it) runs twice: on SQLite and on
PostgreSQL. PostgreSQL is ``OMNIWEAVE_TEST_POSTGRES_URL`` or 127.0.0.1:5432/test; where it is
absent those runs skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from omniweave.access import service as access
from omniweave.access.model import Scope, SourceKind
from omniweave.api.app import create_app
from omniweave.bootstrap import Container, bootstrap
from omniweave.core.time import utc_now
from omniweave.settings import Settings
from omniweave.store.engine import build_engine
from omniweave.store.migrate import upgrade
from omniweave.store.tables import metadata

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_base_url() -> str:
    return os.environ.get("OMNIWEAVE_TEST_POSTGRES_URL", DEFAULT_PG)


def service_absent(reason: str) -> None:
    """Skip, or fail in CI where every service must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)")
    pytest.skip(reason)


def with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test database, migrated, dropped at the end of the session."""
    base = postgres_base_url()
    admin = build_engine(base)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means the service is not usable
        admin.dispose()
        service_absent(f"PostgreSQL not reachable at {base}: {type(exc).__name__}")
    schema = f"ow_test_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_search_path(base, schema)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test copies the file (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty store on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "omniweave.db"
        target.write_bytes(request.getfixturevalue("sqlite_template").read_bytes())
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_url")
    engine = build_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = build_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def container(database_url: str, engine: Engine) -> Iterator[Container]:
    c = bootstrap(
        Settings(database_url=database_url, identity_settle_seconds=0, resolver_interval_seconds=0),
        engine=engine,
    )
    yield c


@dataclass
class Tenant:
    """A workspace with sources and one key of each scope."""

    workspace_id: int
    site_id: int
    pos_id: int
    write_key: str  # writes for the "site" source
    pos_key: str  # writes for the "pos-001" source
    read_key: str
    admin_key: str


@pytest.fixture
def tenant(container: Container) -> Tenant:
    now = utc_now()
    with container.engine.begin() as conn:
        ws = access.ensure_workspace(conn, "default", now)
        site = access.ensure_source(conn, ws, "site", SourceKind.SITE, now)
        pos = access.ensure_source(conn, ws, "pos-001", SourceKind.POS, now)

        def key(scope: Scope, source: int | None = None) -> str:
            created = access.create_key(
                conn, workspace_id=ws, scope=scope, name="test", now=now, source_id=source
            )
            return created.secret

        return Tenant(
            ws,
            site,
            pos,
            key(Scope.WRITE, site),
            key(Scope.WRITE, pos),
            key(Scope.READ),
            key(Scope.ADMIN),
        )


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c
