"""The container a command works with, built once per invocation from the environment."""

from __future__ import annotations

from functools import cache

import typer
from sqlalchemy import select

from omniweave.bootstrap import Container, bootstrap
from omniweave.logs import configure_logging
from omniweave.settings import Settings


@cache
def container() -> Container:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    return bootstrap(settings)


WorkspaceOpt = typer.Option("default", "--workspace", "-w", help="Workspace name.")


def workspace_id(name: str) -> int:
    """The id of an existing workspace, or a clear error."""
    from omniweave.cli.output import fail
    from omniweave.store.tables import workspaces

    with container().engine.connect() as conn:
        found = conn.execute(select(workspaces.c.id).where(workspaces.c.name == name)).scalar()
    if found is None:
        raise fail(f"no workspace named {name!r}", 2)
    return found
