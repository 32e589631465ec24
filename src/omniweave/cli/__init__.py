"""The ``omniweave`` command line (Typer)."""
