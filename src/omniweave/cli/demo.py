"""``omniweave demo``: load a year of the Pizza Lenina chain and print the keys to explore it."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from omniweave.bootstrap import Container
from omniweave.cli.context import container
from omniweave.cli.output import JsonFlag, console, emit_json, fail
from omniweave.core.errors import OmniweaveError
from omniweave.demo.keys import ensure_demo_keys
from omniweave.demo.loader import LoadReport, has_events, load, prepare_workspace
from omniweave.demo.model import DEFAULT_CUSTOMERS, DEFAULT_SEED, DemoSpec, DemoWorkspace
from omniweave.demo.orchestration import apply_orchestration
from omniweave.demo.shop import apply_shop
from omniweave.web.users import ensure_user, set_password

# The web UI's demo logins: a marketer (edits and sends) and an analyst (reads only).
DEMO_LOGINS = (("marketer", "marketer@pizzalenina.demo"), ("analyst", "analyst@pizzalenina.demo"))


def demo(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Load only into a store without events; else just print keys."
    ),
    customers: int = typer.Option(
        DEFAULT_CUSTOMERS, "--customers", min=1, help="People to generate (~20 payloads each)."
    ),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Same seed, same data set."),
    as_json: bool = JsonFlag,
) -> None:
    """Load the demo data set: a year of Pizza Lenina's customers, visits and orders.

    Sources site, app, crm, loyalty, callcenter and twenty tills (pos-001..pos-020) get the
    same people under overlapping identifiers, written through the ingest API's validation.
    Re-running stores nothing new. Then applies the demo's templates, segments, journeys,
    campaign and promotions (src/omniweave/demo/orchestration.yaml) and its shop (the menu as a
    catalog, price lists, the stores as pickup points with stock: demo/shop.py); journeys
    react to what arrives from then on. The demo keys are saved in
    OMNIWEAVE_DEMO_KEYS_FILE, so every run prints the same ones.
    """
    c = container()
    started = time.monotonic()
    report: LoadReport | None = None
    try:
        workspace = prepare_workspace(c)
        keys = ensure_demo_keys(c, workspace)
        if not (if_empty and has_events(c)):
            spec = DemoSpec(seed=seed, customers=customers)
            report = _load_showing_progress(c, workspace, spec, quiet=as_json)
        # After the history: journeys react to what arrives once they are published.
        apply_orchestration(c, workspace.workspace_id)
        apply_shop(c, workspace.workspace_id)
        logins = ensure_demo_logins(c, workspace.workspace_id)
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    seconds = round(time.monotonic() - started, 1)
    api_url = f"http://{c.settings.host}:{c.settings.port}"
    if as_json:
        summary = _summary(api_url, keys, c.settings.demo_keys_file, report, seconds)
        emit_json({**summary, "ui_url": f"{api_url}/ui/", "logins": logins})
        return
    if report is None:
        console.print("The store already holds events: nothing loaded ([bold]--if-empty[/]).")
    else:
        _print_report(report, seconds)
    _print_keys(api_url, keys, c.settings.demo_keys_file)
    console.print(f"Web UI     [bold]{api_url}/ui/[/]")
    for login in logins:
        console.print(
            f"  {login['role']:<9}{login['email']}  password [bold]{login['password']}[/]"
        )


def ensure_demo_logins(c: Container, workspace_id: int) -> list[dict[str, str]]:
    """The demo's UI users, their passwords kept next to the demo keys so that every run
    prints the same ones (a lost file gets new passwords)."""
    path = Path(c.settings.demo_keys_file).with_name("demo-logins.json")
    try:
        saved = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        saved = {}
    saved = saved if isinstance(saved, dict) else {}
    found = []
    now = c.clock()
    with c.engine.begin() as conn:
        for role, email in DEMO_LOGINS:
            known = saved.get(email)
            password = known if isinstance(known, str) else secrets.token_urlsafe(12)
            ensure_user(conn, workspace_id, email, role, password, now)
            if known != password:
                set_password(conn, email, password, now)
            saved[email] = password
            found.append({"role": role, "email": email, "password": password})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(saved, option=orjson.OPT_INDENT_2))
    path.chmod(0o600)
    return found


def _load_showing_progress(
    c: Container, workspace: DemoWorkspace, spec: DemoSpec, quiet: bool
) -> LoadReport:
    columns = (
        TextColumn("[bold]Loading Pizza Lenina[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("customers"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=quiet) as progress:
        task = progress.add_task("demo", total=spec.customers)
        return load(c, workspace, spec, on_person=lambda: progress.advance(task))


def _summary(
    api_url: str, keys: dict[str, str], keys_file: str, report: LoadReport | None, seconds: float
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "api_url": api_url,
        "keys": keys,
        "keys_file": keys_file,
        "loaded": report is not None,
        "seconds": seconds,
    }
    if report is not None:
        summary["customers"] = report.people
        for kind, label in (
            ("customer", "customer_records"),
            ("event", "events"),
            ("order", "orders"),
        ):
            summary[label] = {"sent": report.sent[kind], "stored": report.stored[kind]}
    return summary


def _print_report(report: LoadReport, seconds: float) -> None:
    table = Table(title=f"Demo loaded in {seconds} s", title_justify="left")
    for column in ("", "sent", "new"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("customers", f"{report.people:,}", "")
    for kind, label in (("customer", "customer records"), ("event", "events"), ("order", "orders")):
        table.add_row(label, f"{report.sent[kind]:,}", f"{report.stored[kind]:,}")
    console.print(table)
    if not any(report.stored.values()):
        console.print("Nothing new: this demo was already loaded.")


def _print_keys(api_url: str, keys: dict[str, str], keys_file: str) -> None:
    console.print(f"API        [bold]{api_url}[/]  (docs at {api_url}/docs)")
    console.print(f"Write key  [bold]{keys['site']}[/]  (source site)")
    console.print(f"App key    {keys['app']}  (source app)")
    console.print(f"Read key   {keys['read']}")
    console.print(f"Admin key  [bold]{keys['admin']}[/]")
    console.print(f"Keys saved in {keys_file}")
