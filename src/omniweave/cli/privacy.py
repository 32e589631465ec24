"""``omniweave profiles export|erase``: a person's data, and erasing it."""

from __future__ import annotations

import getpass

import typer

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail
from omniweave.core.errors import OmniweaveError

profiles_app = typer.Typer(help="A person's data: export it, erase it.", no_args_is_help=True)


@profiles_app.command("export")
def export(
    profile_id: str = typer.Argument(..., help="A profile id (a merged one works too)."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Everything stored about the person (what POST /api/profiles/{id}/export answers); a
    count per kind, or the whole document with --json."""
    c = container()
    try:
        doc = c.privacy.export(find_workspace(workspace), profile_id)
    except OmniweaveError as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        emit_json(doc)
        return
    rows = [{"kind": k, "rows": len(v)} for k, v in doc.items() if isinstance(v, list)]
    emit_table(f"Profile {doc['profileId']}", rows, ["kind", "rows"])
    console.print("the whole document: add --json")


@profiles_app.command("erase")
def erase(
    profile_id: str = typer.Argument(..., help="A profile id (a merged one works too)."),
    yes: bool = typer.Option(False, "--yes", help="Really erase: it cannot be undone."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Erase the person with every profile merged into it (docs/privacy.md says what happens
    to each table). A repeat changes nothing."""
    if not yes:
        raise fail("erasing cannot be undone: add --yes", 2)
    c = container()
    try:
        done = c.privacy.erase(find_workspace(workspace), profile_id, f"cli:{getpass.getuser()}")
    except OmniweaveError as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        emit_json(done)
        return
    if done["alreadyErased"]:
        console.print(f"already erased (erasure {done['erasure']}, {done['erasedAt']})")
    rows = [{"table": t, "rows": n} for t, n in done["erased"].items()]
    emit_table(f"Erasure {done['erasure']} of {done['erasedProfileId']}", rows, ["table", "rows"])
