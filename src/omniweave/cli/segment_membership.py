"""``omniweave segments refresh``: re-evaluate every segment's membership (register with
``segments_app.command("refresh")(refresh)``)."""

from __future__ import annotations

import time

import typer

from omniweave.cli.context import container, workspace_id
from omniweave.cli.output import JsonFlag, console, emit_json


def refresh(
    workspace: str = typer.Option(
        None, "--workspace", "-w", help="Only this workspace (default: all)."
    ),
    as_json: bool = JsonFlag,
) -> None:
    """Re-evaluate every profile of every segment and announce who entered or exited (run it
    periodically, e.g. hourly: "in the last 7 days" windows move on with time alone)."""
    started = time.monotonic()
    only = workspace_id(workspace) if workspace else None
    changed = container().segments.membership.refresh(only)
    report = {"changes": changed, "seconds": round(time.monotonic() - started, 2)}
    if as_json:
        emit_json(report)
    else:
        console.print(f"{changed:,} profiles entered or exited in {report['seconds']} s")
