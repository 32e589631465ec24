"""``omniweave segments``: apply definitions from YAML, preview, export members."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import typer
import yaml
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail
from omniweave.cli.segment_membership import refresh
from omniweave.core.errors import OmniweaveError
from omniweave.segments.service import audience_lines

segments_app = typer.Typer(
    help="Segments: audiences from a typed definition.", no_args_is_help=True
)


def _documents(path: Path) -> list[dict]:
    """A YAML file of one segment, a list of them, or several YAML documents."""
    try:
        loaded = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as exc:
        raise fail(f"{path}: not valid YAML: {exc}", 2) from None
    found: list[dict] = []
    for document in loaded:
        found += document if isinstance(document, list) else [document]
    for i, item in enumerate(found):
        if not isinstance(item, dict) or "name" not in item or "definition" not in item:
            raise fail(f"{path}: segment #{i + 1} needs 'name' and 'definition'", 2)
    return found


@segments_app.command("apply")
def apply(
    file: Path = typer.Option(..., "-f", "--file", exists=True, dir_okay=False, help="YAML."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Create or replace the segments a YAML file declares (name, definition, description)."""
    c = container()
    workspace_id = find_workspace(workspace)
    applied = []
    items = _documents(file)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json,
    ) as bar:
        task = bar.add_task("applying segments", total=len(items))
        for item in items:
            bar.update(task, description=f"applying {item['name']}")
            try:
                c.segments.save(
                    workspace_id, item["name"], item["definition"], item.get("description")
                )
            except OmniweaveError as exc:
                raise fail(f"segment {item['name']!r}: {exc}") from None
            size = c.segments.preview(workspace_id, item["definition"], sample=0)
            applied.append({"name": item["name"], "size": size["size"], "seconds": size["seconds"]})
            bar.advance(task)
    if as_json:
        emit_json(applied)
    else:
        emit_table("Segments applied", applied, ["name", "size", "seconds"])


@segments_app.command("preview")
def preview(
    name: str = typer.Argument(None, help="A saved segment's name."),
    file: Path = typer.Option(None, "-f", "--file", exists=True, dir_okay=False),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Size and a sample of a saved segment, or of every segment in a YAML file."""
    c = container()
    workspace_id = find_workspace(workspace)
    if file is not None:
        items = _documents(file)
    elif name:
        saved = {s["name"]: s for s in c.segments.list(workspace_id)}
        if name not in saved:
            raise fail(f"no segment named {name!r}")
        items = [saved[name]]
    else:
        raise fail("give a segment name or -f FILE", 2)
    results = []
    for item in items:
        try:
            found = c.segments.preview(workspace_id, item["definition"])
        except OmniweaveError as exc:
            raise fail(f"segment {item['name']!r}: {exc}") from None
        results.append({"name": item["name"], **found})
    if as_json:
        emit_json(results)
    else:
        emit_table("Segment preview", results, ["name", "size", "seconds", "sample"])


@segments_app.command("export")
def export(
    name: str = typer.Argument(..., help="A saved segment's name."),
    output: Path = typer.Option(None, "-o", "--output", help="File to write (default stdout)."),
    audience: bool = typer.Option(False, help="SHA-256 of emails and phones, for ad networks."),
    workspace: str = WorkspaceOpt,
) -> None:
    """Write a segment's members as CSV, or as an ad network's audience file."""
    c = container()
    workspace_id = find_workspace(workspace)
    handle = output.open("w", newline="") if output else sys.stdout
    writer = csv.writer(handle)
    count = 0
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            disable=output is None,
        ) as bar:
            task = bar.add_task("exporting", total=None)
            contacts = c.segments.contacts(workspace_id, name)
            if audience:
                writer.writerow(["type", "sha256"])
                for row in audience_lines(contacts):
                    writer.writerow(row)
                    count += 1
            else:
                writer.writerow(["profile_id", "email", "phone"])
                for member in contacts:
                    writer.writerow(
                        [member["profile_id"], ";".join(member["email"]), ";".join(member["phone"])]
                    )
                    count += 1
                    if count % 1000 == 0:
                        bar.update(task, description=f"exported {count:,}")
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    finally:
        if output:
            handle.close()
    if output:
        console.print(f"wrote {count:,} rows to {output}")


segments_app.command("refresh")(refresh)
