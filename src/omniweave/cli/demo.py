"""``omniweave demo`` (being written)."""

import typer


def demo() -> None:
    """Load the demo data set."""
    raise typer.Exit(1)
