"""``omniweave``: run the service, migrate the store, load demo data, import files, manage keys."""

from __future__ import annotations

import typer

from omniweave.cli.context import container
from omniweave.cli.identity import identity_app
from omniweave.cli.keys import keys_app, sources_app
from omniweave.cli.output import console
from omniweave.cli.segments import segments_app
from omniweave.cli.traits import traits_app

app = typer.Typer(
    help="Omniweave: omnichannel customer data and marketing orchestration.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(keys_app, name="keys")
app.add_typer(sources_app, name="sources")
app.add_typer(identity_app, name="identity")
app.add_typer(segments_app, name="segments")
app.add_typer(traits_app, name="traits")


@app.command()
def migrate() -> None:
    """Upgrade the store's schema to the latest migration, in place."""
    from omniweave.store.migrate import current_revision, upgrade

    c = container()
    upgrade(c.engine)
    console.print(f"schema at revision [bold]{current_revision(c.engine)}[/]")


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default OMNIWEAVE_HOST)."),
    port: int = typer.Option(None, help="Port (default OMNIWEAVE_PORT)."),
    workers: int = typer.Option(1, help="Worker processes."),
) -> None:
    """Serve the HTTP API (the Segment-compatible /v1 and the native /api)."""
    import uvicorn

    settings = container().settings
    host = host or settings.host
    port = port or settings.port
    console.print(f"Omniweave listening on [bold]http://{host}:{port}[/]  (docs at /docs)")
    uvicorn.run(
        "omniweave.api.app:from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )


@app.command()
def worker(
    interval: float = typer.Option(1.0, help="Seconds to wait when there is nothing to do."),
    until_idle: bool = typer.Option(
        False, "--until-idle", help="Stop once nothing is waiting (for scripts and make run)."
    ),
) -> None:
    """Run the background work until stopped: identities, consents, computed traits and
    segment membership, in that order, from the log. Several workers may run at once."""
    import time

    c = container()
    if until_idle:
        done = 0
        with console.status("Catching up: identities, consents, traits, segments..."):
            while (step := c.catch_up()) > 0:
                done += step
        console.print(f"caught up ({done:,} events through all consumers)")
        return
    console.print("worker running: identities, consents, traits, segments (Ctrl-C stops)")
    while True:
        if c.catch_up() == 0:
            time.sleep(interval)


def _register_data_commands() -> None:
    from omniweave.cli.demo import demo
    from omniweave.cli.importing import import_app

    app.command()(demo)
    app.add_typer(import_app, name="import")


_register_data_commands()


def main() -> None:
    app()
