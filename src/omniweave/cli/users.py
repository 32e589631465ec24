"""``omniweave users``: the people who sign in to the web UI, with their role."""

from __future__ import annotations

import sys

import typer

from omniweave.access.service import ensure_workspace
from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail
from omniweave.core.errors import OmniweaveError
from omniweave.web.users import Role, add_user, list_users, set_password

users_app = typer.Typer(help="Web UI users: add, list, change a password.", no_args_is_help=True)

PasswordStdin = typer.Option(
    False, "--password-stdin", help="Read the password from standard input (scripts)."
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(
    email: str = typer.Argument(..., help="The address the user signs in with."),
    role: Role = typer.Option(..., help="admin, marketer (edits and sends) or analyst (reads)."),
    password_stdin: bool = PasswordStdin,
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Add a user who signs in at /ui (the password is prompted for, or read from stdin)."""
    c = container()
    password = _password(password_stdin)
    try:
        with c.engine.begin() as conn:
            workspace_id = ensure_workspace(conn, workspace, c.clock())
            created = add_user(conn, workspace_id, email, role.value, password, c.clock())
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json(created)
        return
    console.print(f"[green]added[/] {created['email']} as {created['role']} (#{created['id']})")


@users_app.command("list")
def list_(as_json: bool = JsonFlag) -> None:
    """Every user with role and workspace (never a password)."""
    c = container()
    with c.engine.connect() as conn:
        rows = list_users(conn)
    if as_json:
        emit_json(rows)
        return
    emit_table("UI users", rows, ["id", "email", "role", "workspace_id", "created_at"])


@users_app.command("password")
def password(
    email: str = typer.Argument(..., help="The user's address."),
    password_stdin: bool = PasswordStdin,
) -> None:
    """Set a new password; the user's sessions end."""
    c = container()
    secret = _password(password_stdin)
    try:
        with c.engine.begin() as conn:
            set_password(conn, email, secret, c.clock())
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    console.print(f"password changed for {email}; their sessions were ended")
