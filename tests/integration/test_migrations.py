"""The migrations create exactly the schema the code declares, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from omniweave.store.migrate import current_revision, head_revision, upgrade
from omniweave.store.tables import metadata


def test_migrated_schema_matches_the_tables(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()
