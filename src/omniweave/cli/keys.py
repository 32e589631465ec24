"""``omniweave keys`` and ``omniweave sources``: who may write and read."""

from __future__ import annotations

import typer

from omniweave.access import service
from omniweave.access.model import Scope, SourceKind
from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail
from omniweave.core.errors import OmniweaveError

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
sources_app = typer.Typer(help="Create and list sources.", no_args_is_help=True)


@keys_app.command("create")
def create_key(
    scope: Scope = typer.Option(..., help="write (ingest only), read, or admin."),
    source: str = typer.Option(None, help="The source a write key writes for."),
    name: str = typer.Option("", help="A label to recognise the key by."),
    rate: float = typer.Option(
        None, min=0.001, help="Ingestion requests a second for this key (over the setting)."
    ),
    burst: int = typer.Option(None, min=1, help="Requests this key may send at once."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Create a key and print its secret once (only its hash is stored)."""
    c = container()
    now = c.clock()
    try:
        with c.engine.begin() as conn:
            workspace_id = service.ensure_workspace(conn, workspace, now)
            source_id = service.require_source(conn, workspace_id, source) if source else None
            created = service.create_key(
                conn,
                workspace_id=workspace_id,
                scope=scope,
                name=name or f"{scope.value} key",
                now=now,
                source_id=source_id,
                rate_per_second=rate,
                rate_burst=burst,
            )
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json({"id": created.id, "scope": created.scope, "secret": created.secret})
        return
    console.print(f"[green]created[/] {scope.value} key #{created.id}: [bold]{created.secret}[/]")
    console.print("Store it now: it cannot be shown again.")


@keys_app.command("list")
def list_keys(as_json: bool = JsonFlag) -> None:
    """List keys (their prefixes, never their secrets)."""
    c = container()
    with c.engine.connect() as conn:
        rows = service.list_keys(conn)
    if as_json:
        emit_json(rows)
        return
    columns = ["id", "name", "scope", "prefix", "workspace", "source", "created_at", "revoked_at"]
    emit_table("API keys", rows, columns)


@keys_app.command("revoke")
def revoke_key(key_id: int = typer.Argument(..., help="The key's id, from `keys list`.")) -> None:
    """Revoke a key; servers stop accepting it within 30 seconds."""
    c = container()
    try:
        with c.engine.begin() as conn:
            service.revoke_key(conn, key_id, c.clock())
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    console.print(f"revoked key #{key_id}")


@sources_app.command("create")
def create_source(
    name: str = typer.Argument(..., help="Unique within the workspace, e.g. site or pos-017."),
    kind: SourceKind = typer.Option(..., help="What the source is."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Create a source (idempotent: an existing one is kept)."""
    c = container()
    now = c.clock()
    with c.engine.begin() as conn:
        workspace_id = service.ensure_workspace(conn, workspace, now)
        source_id = service.ensure_source(conn, workspace_id, name, kind, now)
    if as_json:
        emit_json({"id": source_id, "name": name, "kind": kind})
    else:
        console.print(f"source [bold]{name}[/] ({kind.value}) is #{source_id}")


@sources_app.command("list")
def list_sources(workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """List a workspace's sources."""
    from omniweave.ingest.reads import list_sources as query

    c = container()
    with c.engine.begin() as conn:
        workspace_id = service.ensure_workspace(conn, workspace, c.clock())
        rows = query(conn, workspace_id)
    if as_json:
        emit_json(rows)
    else:
        emit_table("Sources", rows, ["id", "name", "kind", "created_at"])
