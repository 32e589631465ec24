"""How commands print: rich tables for people, one JSON document with ``--json`` for scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

console = Console()
errors = Console(stderr=True)

JsonFlag = typer.Option(False, "--json", help="Print one JSON document instead of a table.")


def emit_json(value: Any) -> None:
    typer.echo(
        orjson.dumps(
            value, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
        ).decode()
    )


def emit_table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def with_progress(title: str, work: Callable[[Any], int], quiet: bool) -> int:
    """Run ``work(on_progress)`` under a progress bar (``on_progress(done, total)``), or
    without one (``work(None)``) when the output must stay machine-readable."""
    if quiet:
        return work(None)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(title, total=None)
        return work(lambda done, total: bar.update(task, completed=done, total=total))
