"""``omniweave audit`` lists the audit log; ``record_invocation`` writes the entry of every
command that changes something, once, from ``main`` (reads and long-running processes are
not entries)."""

from __future__ import annotations

import getpass
from datetime import datetime

import typer

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, emit_json, emit_table, errors

# Leaf command names that only read, or run a process: not audited.
NOT_AUDITED = frozenset(
    {"serve", "worker", "peers", "export", "list", "show", "preview", "runs", "report", "audit"}
)


def audit(
    actor: str = typer.Option(None, help="Part of the actor (key:12, cli:anna)."),
    action: str = typer.Option(None, help="Part of the action (POST /api/..., profiles erase)."),
    outcome: str = typer.Option(None, help="ok, refused, rejected or failed."),
    since: datetime = typer.Option(None, help="Entries from this time (UTC)."),
    limit: int = typer.Option(50, min=1, max=10_000),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Admin actions that changed something, newest first: who, what, when, how it ended."""
    from omniweave.access.audit import entries

    c = container()
    with c.engine.connect() as conn:
        found = entries(
            conn,
            find_workspace(workspace),
            actor=actor,
            action=action,
            outcome=outcome,
            since=since,
            limit=limit,
        )
    if as_json:
        emit_json(found)
        return
    columns = ["id", "at", "actor", "action", "resource", "outcome", "status"]
    emit_table("Audit log", found, columns)


def record_invocation(root: typer.Typer, args: list[str], code: int) -> None:
    """One audit entry for a command that changes something: the command, its arguments
    (ids, files), the names of the options given (never their values), the exit code."""
    if not args or any(a in ("--help", "-h") for a in args):
        return
    try:
        path, resource = _parse(root, args)
    except Exception:  # a usage error (click's, or Typer's own copy of it) ran nothing
        return
    if not path or path[-1] in NOT_AUDITED:
        return
    from omniweave.access import audit as trail

    options = sorted({a.split("=")[0] for a in args if a.startswith("--")})
    try:
        c = container()
        with c.engine.begin() as conn:
            trail.record(
                conn,
                workspace_id=None,
                actor=f"cli:{getpass.getuser()}",
                via="cli",
                action=" ".join(path),
                resource=resource,
                summary={"options": options} if options else None,
                status=code,
                outcome="ok" if code == 0 else "failed",
                at=c.clock(),
            )
    except Exception as exc:  # the command ran: say that its entry is missing
        errors.print(f"[yellow]warning:[/] audit entry not recorded: {exc}")


def _parse(root: typer.Typer, args: list[str]) -> tuple[list[str], str | None]:
    command = typer.main.get_command(root)
    path: list[str] = []
    ctx = command.make_context("omniweave", list(args))
    while hasattr(command, "resolve_command"):  # a group
        pending = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, sub, rest = command.resolve_command(ctx, pending)
        if sub is None:
            break
        path.append(name)
        command = sub
        ctx = sub.make_context(name, rest, parent=ctx)
    arguments = [
        f"{p.name}={ctx.params.get(p.name)}"
        for p in command.params
        if p.param_type_name == "argument" and ctx.params.get(p.name) is not None
    ]
    return path, ",".join(arguments)[:300] or None
