"""A throwaway PostgreSQL schema for one benchmark run, migrated, dropped at the end."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from omniweave.store.engine import build_engine
from omniweave.store.migrate import upgrade


def scratch_url(base: str, schema: str) -> str:
    """The base URL with the schema first on the search path."""
    return (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@contextmanager
def scratch_schema(base_url: str, prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>``, migrate it, yield its URL, drop it whatever happens."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = build_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = scratch_url(base_url, schema)
    try:
        engine = build_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
