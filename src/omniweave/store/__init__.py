"""Storage: SQLAlchemy Core tables, the engine for SQLite or PostgreSQL, Alembic migrations."""
