"""``omniweave``: run the service, migrate the store, load demo data, import files, manage keys."""

from __future__ import annotations

import typer

from omniweave.cli.context import container
from omniweave.cli.identity import identity_app
from omniweave.cli.keys import keys_app, sources_app
from omniweave.cli.output import console
from omniweave.cli.reports import report_app
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
app.add_typer(report_app, name="report")


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
    peers: bool = typer.Option(
        False, "--peers", help="Start the local stand-in providers and send through them."
    ),
) -> None:
    """Serve the HTTP API (the Segment-compatible /v1 and the native /api) and, in the
    background, keep profiles, segments and journeys current and send what is due."""
    import uvicorn

    if peers:
        from omniweave.cli.peers import start_demo_peers

        try:
            running = start_demo_peers()
        except typer.Exit:  # the ports are taken (another demo?): serve without them
            console.print("[yellow]serving without the stand-in providers[/]")
        else:
            console.print(
                f"peers: mailbox smtp://{running.smtp_host}:{running.smtp_port}, "
                f"inbox {running.http_url}/inbox"
            )
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
    """Run the background work until stopped: identities, consents, computed traits,
    segment membership and journeys from the log; journey timers and campaigns; and the
    outbox, sent through the providers. Several workers may run at once."""
    import asyncio

    c = container()
    if until_idle:
        done = 0
        with console.status("Catching up: identities, consents, traits, segments, journeys..."):
            while (step := c.catch_up()) > 0:
                done += step
        console.print(f"caught up ({done:,} events and timers through all consumers)")
        return
    console.print("worker running: the log's consumers, timers, campaigns, the outbox (Ctrl-C)")

    async def run() -> None:
        sender = c.sender()
        try:
            while True:
                done = await asyncio.to_thread(c.catch_up)
                done += await sender.send_due() + await asyncio.to_thread(sender.chase_unopened)
                if done == 0:
                    await asyncio.sleep(interval)
        finally:
            await sender.adapters.aclose()

    asyncio.run(run())


def _register_data_commands() -> None:
    from omniweave.cli.demo import demo
    from omniweave.cli.importing import import_app
    from omniweave.cli.orchestration import (
        apply,
        campaigns_app,
        export,
        journeys_app,
        messages_app,
        templates_app,
    )
    from omniweave.cli.peers import peers

    app.command()(demo)
    app.add_typer(import_app, name="import")
    app.command()(apply)
    app.command()(export)
    app.command()(peers)
    app.add_typer(journeys_app, name="journeys")
    app.add_typer(campaigns_app, name="campaigns")
    app.add_typer(messages_app, name="messages")
    app.add_typer(templates_app, name="templates")


_register_data_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
