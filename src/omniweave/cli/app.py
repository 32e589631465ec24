"""``omniweave``: run the service, migrate the store, load demo data, import files, manage keys."""

from __future__ import annotations

import sys
from typing import Any

import typer

from omniweave.cli.audit import audit, record_invocation
from omniweave.cli.consents import consents_app
from omniweave.cli.context import container
from omniweave.cli.identity import identity_app
from omniweave.cli.keys import keys_app, sources_app
from omniweave.cli.output import console
from omniweave.cli.privacy import profiles_app
from omniweave.cli.reports import report_app
from omniweave.cli.segments import segments_app
from omniweave.cli.traits import traits_app
from omniweave.cli.users import users_app

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
app.add_typer(consents_app, name="consents")
app.add_typer(users_app, name="users")
app.add_typer(profiles_app, name="profiles")
app.command()(audit)
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
        "omniweave.server:from_env",
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
        if c.bus is not None:
            written = asyncio.run(_drain_bus(c))
            console.print(f"wrote {written:,} events from the bus into the log")
        with console.status("Catching up: identities, consents, traits, segments, journeys..."):
            while (step := c.catch_up()) > 0:
                done += step
        console.print(f"caught up ({done:,} events and timers through all consumers)")
        return
    console.print("worker running: the log's consumers, timers, campaigns, the outbox (Ctrl-C)")

    async def run() -> None:
        sender = c.sender()
        writer = c.log_writer()
        try:
            while True:
                done = await writer.drain_once() if writer else 0
                done += await asyncio.to_thread(c.catch_up)
                done += await sender.send_due() + await asyncio.to_thread(sender.chase_unopened)
                if done == 0:
                    await asyncio.sleep(interval)
        finally:
            await sender.adapters.aclose()
            if writer:
                await writer.close()

    asyncio.run(run())


async def _drain_bus(c: Any) -> int:
    """Write everything waiting on the bus into the log."""
    writer = c.log_writer()
    written = 0
    try:
        while (step := await writer.drain_once(timeout=1.0)) > 0:
            written += step
    finally:
        await writer.close()
    return written


def _register_data_commands() -> None:
    from omniweave.cli.commerce import carts_app, catalog_app, orders_app, stock_app
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
    from omniweave.cli.pricing import coupons_app, loyalty_app, promotions_app

    app.command()(demo)
    app.add_typer(import_app, name="import")
    app.command()(apply)
    app.command()(export)
    app.command()(peers)
    app.add_typer(journeys_app, name="journeys")
    app.add_typer(campaigns_app, name="campaigns")
    app.add_typer(messages_app, name="messages")
    app.add_typer(templates_app, name="templates")
    app.add_typer(catalog_app, name="catalog")
    app.add_typer(stock_app, name="stock")
    app.add_typer(carts_app, name="carts")
    app.add_typer(orders_app, name="orders")
    app.add_typer(promotions_app, name="promotions")
    app.add_typer(coupons_app, name="coupons")
    app.add_typer(loyalty_app, name="loyalty")


_register_data_commands()


def main() -> None:
    """The ``omniweave`` script: the command, then its audit entry (cli/audit.py)."""
    code = 1
    try:
        app()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        raise
    finally:
        record_invocation(app, sys.argv[1:], code)


if __name__ == "__main__":
    main()
