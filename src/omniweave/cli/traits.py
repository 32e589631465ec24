"""``omniweave traits``: recompute computed traits, show a profile's."""

from __future__ import annotations

import time

import typer

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, fail, with_progress
from omniweave.core.errors import OmniweaveError
from omniweave.profiles.traits_service import TraitUpdater

traits_app = typer.Typer(
    help="Computed traits: aggregations over events and orders.", no_args_is_help=True
)


def _updater() -> TraitUpdater:
    return container().traits


@traits_app.command("rebuild")
def rebuild(as_json: bool = JsonFlag) -> None:
    """Recompute every profile's traits and the workspace-wide RFM quintiles (run it daily:
    windows such as "last 90 days" move on with time, not only with new events)."""
    updater = _updater()
    started = time.monotonic()
    done = with_progress("Computing traits", updater.rebuild, as_json)
    report = {"profiles": done, "seconds": round(time.monotonic() - started, 2)}
    if as_json:
        emit_json(report)
    else:
        console.print(f"computed traits of {done:,} profiles in {report['seconds']} s")


@traits_app.command("show")
def show(
    profile_id: str = typer.Argument(..., help="A profile id (a merged one works too)."),
    workspace: str = WorkspaceOpt,
) -> None:
    """Print a profile's computed traits as JSON: values, when, window, from what."""
    updater = _updater()
    workspace_id = find_workspace(workspace)
    try:
        emit_json(updater.view(workspace_id, profile_id))
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
