"""``omniweave import`` (being written)."""

import typer

import_app = typer.Typer(help="Import files.")
