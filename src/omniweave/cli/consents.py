"""``omniweave consents``: record a grant or a revoke, show a profile's consents."""

from __future__ import annotations

import typer

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, fail
from omniweave.core.errors import OmniweaveError
from omniweave.profiles.consent_service import IDENTIFIER_FIELDS

consents_app = typer.Typer(
    help="Consents per channel and topic, with their proof; reachability.", no_args_is_help=True
)
_FIELDS = ", ".join(IDENTIFIER_FIELDS)


def _record(state: str, identifier: str, channel: str, topic: str, workspace: str,
            as_json: bool) -> None:  # fmt: skip
    field, _, value = identifier.partition("=")
    if not value:
        raise fail(f"IDENTIFIER is FIELD=VALUE with FIELD one of {_FIELDS} (got {identifier!r})")
    c = container()
    try:
        answer = c.consents.record(
            find_workspace(workspace), (field, value), channel, topic, state, "api"
        )
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json(answer)
        return
    console.print(f"{state} {channel}/{topic} for {field} {value}")
    for key, found in answer.items():
        console.print(f"  {key}: {found}")


@consents_app.command("grant")
def grant(
    identifier: str = typer.Argument(..., help=f"FIELD=VALUE, FIELD one of {_FIELDS}"),
    channel: str = typer.Option(..., help="email, sms, push, web_push, viber, telegram, ..."),
    topic: str = typer.Option("marketing", help="A consent topic (OMNIWEAVE_CONSENT_TOPICS)."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Record that the person agreed (as POST /api/consents with source "api")."""
    _record("granted", identifier, channel, topic, workspace, as_json)


@consents_app.command("revoke")
def revoke(
    identifier: str = typer.Argument(..., help=f"FIELD=VALUE, FIELD one of {_FIELDS}"),
    channel: str = typer.Option(..., help="email, sms, push, web_push, viber, telegram, ..."),
    topic: str = typer.Option("marketing", help="A consent topic (OMNIWEAVE_CONSENT_TOPICS)."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Record that the person withdrew: in force at once."""
    _record("revoked", identifier, channel, topic, workspace, as_json)


@consents_app.command("show")
def show(
    profile_id: str = typer.Argument(..., help="A profile id (a merged one works too)."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """A profile's consents, their history with proof, and reachability per channel."""
    c = container()
    try:
        view = c.consents.view(find_workspace(workspace), profile_id)
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json(view)
        return
    for key, found in view.items():
        console.print(f"[bold]{key}[/]: {found}")
