"""``omniweave import customers|orders|events FILE``: load a CSV or JSON Lines file into a source.

Exit codes: 0 every row went in (or was already there), 1 some rows failed (they are in the
errors file), 2 the command could not run (no such source, unknown format, bad header).
"""

from __future__ import annotations

from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from omniweave.access import service as access
from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.output import JsonFlag, console, emit_json, fail
from omniweave.core.errors import InvalidInput
from omniweave.ingest.bulk import ImportReport, import_file

import_app = typer.Typer(
    help="Import customers, orders or events from CSV or JSON Lines files (optionally gzipped).",
    no_args_is_help=True,
)


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


FileArg = typer.Argument(
    ..., exists=True, dir_okay=False, readable=True, help=".csv, .jsonl or .ndjson, or .gz of one."
)
SourceOpt = typer.Option(..., "--source", "-s", help="The source the rows come from (must exist).")
FormatOpt = typer.Option(None, "--format", help="The file's format (default: its extension).")
ErrorsOpt = typer.Option(
    None, "--errors", dir_okay=False, help="Where rejected rows go (default FILE.errors.jsonl)."
)
BatchOpt = typer.Option(1000, "--batch-size", min=1, help="Records per transaction.")


@import_app.command("customers")
def import_customers(
    file: Path = FileArg,
    source: str = SourceOpt,
    workspace: str = WorkspaceOpt,
    fmt: FileFormat = FormatOpt,
    errors: Path = ErrorsOpt,
    batch_size: int = BatchOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Import customer records, upserted by their customer_id within the source.

    CSV columns: customer_id, email, phone, loyalty_card, crm_id, user_id,
    updated_at; id:<type> columns are identifiers of that type (id:vk);
    any other column is a trait, in camelCase (first_name is firstName).
    JSON Lines: one POST /api/customers body a line.
    """
    _import("customers", file, source, workspace, fmt, errors, batch_size, as_json)


@import_app.command("orders")
def import_orders(
    file: Path = FileArg,
    source: str = SourceOpt,
    workspace: str = WorkspaceOpt,
    fmt: FileFormat = FormatOpt,
    errors: Path = ErrorsOpt,
    batch_size: int = BatchOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Import orders, or new versions of known orders (a status change, say).

    CSV: one row per order line; adjacent rows with one order_id are one
    order (a later row with that order_id is a new version of the order).
    Order: order_id, channel, store, status, payment_status, currency,
    placed_at, updated_at, discount, shipping, total.
    Customer: user_id, email, phone, loyalty_card, crm_id, id:<type>.
    Line: sku, name, category, quantity, price, line_discount.
    Any other column is a property of the order.
    JSON Lines: one POST /api/orders body a line.
    """
    _import("orders", file, source, workspace, fmt, errors, batch_size, as_json)


@import_app.command("events")
def import_events(
    file: Path = FileArg,
    source: str = SourceOpt,
    workspace: str = WorkspaceOpt,
    fmt: FileFormat = FormatOpt,
    errors: Path = ErrorsOpt,
    batch_size: int = BatchOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Import Segment events (track, identify, page, ...), each stored once.

    CSV columns: type (default track), event, name, user_id, anonymous_id,
    message_id, timestamp; properties, traits and context as JSON objects;
    properties.<key> columns (and any other column) add one property each.
    JSON Lines: one Segment message a line.
    A row without message_id gets one derived from its content, so running
    an import again stores nothing twice.
    """
    _import("events", file, source, workspace, fmt, errors, batch_size, as_json)


def _import(
    kind: str,
    file: Path,
    source: str,
    workspace: str,
    fmt: FileFormat | None,
    errors: Path | None,
    batch_size: int,
    as_json: bool,
) -> None:
    c = container()
    try:
        with c.engine.begin() as conn:  # a failed lookup rolls the new workspace back too
            workspace_id = access.ensure_workspace(conn, workspace, c.clock())
            source_id = access.require_source(conn, workspace_id, source)
    except InvalidInput:
        hint = f"create it with `omniweave sources create {source} --kind import`"
        raise fail(f"no source named {source!r} in workspace {workspace!r}; {hint}", 2) from None
    shown = not as_json and console.is_terminal
    with ProgressBar(file.name) if shown else nullcontext() as progress:
        try:
            report = import_file(
                c.ingest,
                workspace_id,
                source_id,
                kind,  # type: ignore[arg-type]
                file,
                fmt=fmt.value if fmt else None,
                errors_path=errors,
                batch_size=batch_size,
                on_progress=progress,
            )
        except InvalidInput as exc:
            raise fail(f"{file}: {exc}", 2) from None
    if as_json:
        emit_json(report)
    else:
        _print_report(file, report)
    if report.failed:
        raise typer.Exit(1)


class ProgressBar:
    """A rich bar over the bytes of the file read, called with ``(done, total)``."""

    def __init__(self, name: str) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task(f"importing {name}", total=None)

    def __enter__(self) -> ProgressBar:
        self._bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._bar.stop()

    def __call__(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)


def _print_report(file: Path, report: ImportReport) -> None:
    console.print(
        f"{file.name}: {report.rows:,} {report.kind} read in {report.seconds:.1f}s: "
        f"[green]{report.stored:,} stored[/], {report.unchanged:,} unchanged, "
        + (f"[red]{report.failed:,} failed[/]" if report.failed else "0 failed")
    )
    if report.errors_path:
        console.print(f"rejected rows and why: [bold]{report.errors_path}[/]")
