"""``omniweave catalog|stock|carts|orders``: import feeds, set stock, read carts, move orders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import segno
import typer
import yaml

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail
from omniweave.commerce.feeds import FeedOptions
from omniweave.core.errors import InvalidInput, OmniweaveError

catalog_app = typer.Typer(help="The catalog: products, prices, feeds.", no_args_is_help=True)
stock_app = typer.Typer(help="Stock per store and warehouse.", no_args_is_help=True)
carts_app = typer.Typer(help="One cart per person across channels.", no_args_is_help=True)
orders_app = typer.Typer(help="Order statuses and pickup holds.", no_args_is_help=True)


def _run(work: Callable[[], Any]) -> Any:
    try:
        return work()
    except InvalidInput as exc:
        raise fail(exc.summary, 2) from None
    except OmniweaveError as exc:
        raise fail(str(exc)) from None


def _report(applied: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(applied)
        return
    rows = [{"part": k, **v} for k, v in applied["counts"].items()]
    emit_table("catalog", rows, ["part", "created", "updated", "unchanged"])
    for told in applied["announced"]:
        console.print(
            f"{told['kind']} {told['sku']} at {told['location'] or told['priceList']}: "
            f"{told['old']} → {told['new']}, told {told['people']} people"
        )
    for skipped in applied["skipped"]:
        console.print(f"[yellow]skipped[/] {skipped['field']}: {skipped['message']}")


@catalog_app.command("import")
def import_feed(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .yml/.xml or .csv."),
    format: str = typer.Option("", "--format", help="yml or csv (default: by extension)."),
    price_list: str = typer.Option("base", "--price-list", help="Where the prices go."),
    location: str = typer.Option("", "--location", help="Where stock counts go."),
    replace: bool = typer.Option(
        False, "--replace", help="The feed is the whole catalog: deactivate the rest."
    ),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Import a YML (Yandex Market Language) or CSV catalog feed; a re-import changes
    nothing. Offers that cannot be read are skipped and listed."""
    kind = format or ("csv" if file.suffix.lower() == ".csv" else "yml")
    ws = find_workspace(workspace)
    options = FeedOptions(price_list=price_list, location=location or None, replace=replace)
    applied = _run(lambda: container().catalog.import_feed(ws, file.read_bytes(), kind, options))
    _report(applied.as_dict(), as_json)


@catalog_app.command("apply")
def apply_catalog(
    file: Path = typer.Option(..., "-f", "--file", exists=True, dir_okay=False, help="YAML/JSON."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Apply a catalog document (categories, products, priceLists, prices, locations,
    stock), as ``PUT /api/catalog`` takes it."""
    try:
        document = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise fail(f"{file}: not valid YAML or JSON: {exc}", 2) from None
    ws = find_workspace(workspace)
    applied = _run(lambda: container().catalog.apply(ws, document))
    _report(applied.as_dict(), as_json)


@catalog_app.command("product")
def product(sku: str, workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """A product with its category path, prices in every list and stock."""
    found = _run(lambda: container().catalog.product(find_workspace(workspace), sku))
    if as_json:
        emit_json(found)
        return
    console.print(f"[bold]{found['sku']}[/] {found['name']} ({' < '.join(found['categoryIds'])})")
    emit_table("prices", found["prices"], ["priceList", "store", "channel", "amount", "compareAt"])
    emit_table("stock", found["stock"], ["location", "onHand", "reserved", "available"])


@catalog_app.command("prices")
def prices(
    skus: list[str] = typer.Argument(..., help="Skus to price."),
    store: str = typer.Option("", "--store"),
    channel: str = typer.Option("", "--channel"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """List prices for a store and a channel, with the list each came from and why."""
    ws = find_workspace(workspace)
    found = _run(lambda: container().catalog.price_lines(ws, skus, store or None, channel or None))
    if as_json:
        emit_json(found)
        return
    emit_table("prices", found["lines"], ["sku", "unitPrice", "currency", "priceList", "reason"])
    emit_table("not for sale", found["unpriced"], ["sku", "reason"])


@stock_app.command("set")
def set_stock(
    location: str,
    counts: list[str] = typer.Argument(..., help="SKU=ON_HAND pairs."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Set absolute on-hand counts at a location: ``stock set pos-001 cola-05=40``."""
    items = []
    for pair in counts:
        sku, _, units = pair.partition("=")
        if not sku or not units.strip().isdigit():
            raise fail(f"{pair!r}: expected SKU=ON_HAND with a whole number", 2)
        items.append({"sku": sku, "onHand": int(units)})
    ws = find_workspace(workspace)
    applied = _run(lambda: container().catalog.put_stock(ws, location, items))
    _report(applied.as_dict(), as_json)


@stock_app.command("show")
def show_stock(
    sku: list[str] = typer.Option([], "--sku"),
    location: str = typer.Option("", "--location"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Stock levels: on hand, reserved for pickup orders, available."""
    ws = find_workspace(workspace)
    found = _run(lambda: container().catalog.availability(ws, sku, location or None))
    if as_json:
        emit_json(found)
        return
    emit_table("stock", found["levels"], ["location", "sku", "onHand", "reserved", "available"])


@carts_app.command("show")
def show_cart(profile_id: str, workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """A person's cart (from every channel)."""
    found = _run(lambda: container().carts.cart(find_workspace(workspace), profile_id))
    if as_json:
        emit_json(found)
        return
    console.print(f"{found['profileId']}: {found['status']}, total {found['total']}")
    emit_table("lines", found["lines"], ["sku", "name", "quantity", "price", "channel"])


@carts_app.command("token")
def cart_token(profile_id: str, workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """A short-lived token for the person's cart, shown as a QR code for the till."""
    found = _run(lambda: container().carts.token(find_workspace(workspace), profile_id))
    if as_json:
        emit_json(found)
        return
    segno.make(found["token"], error="m").terminal(compact=True)
    console.print(f"{found['token']}\nvalid until {found['expiresAt'].isoformat()}")


@orders_app.command("status")
def order_status(
    order_id: str,
    status: str,
    reason: str = typer.Option("", "--reason"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Move an order to a status (refused, saying why, where the status machine forbids)."""
    ws = find_workspace(workspace)
    found = _run(lambda: container().orders.set_status(ws, order_id, status, None, reason or None))
    if as_json:
        emit_json(found.as_dict())
        return
    console.print(found.move.reason)


@orders_app.command("history")
def order_history(order_id: str, workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """Every status an order went through, why, and its pickup holds."""
    found = _run(lambda: container().orders.history(find_workspace(workspace), order_id))
    if as_json:
        emit_json(found)
        return
    emit_table(f"order {order_id}", found["transitions"], ["from", "to", "reason", "at"])
    emit_table("holds", found["reservations"], ["sku", "store", "quantity", "status", "reason"])


@orders_app.command("sweep")
def sweep(as_json: bool = JsonFlag) -> None:
    """Release pickup holds past their time and cancel those orders (the worker does it
    every round)."""
    swept = container().orders.sweep()
    if as_json:
        emit_json({"swept": swept})
    else:
        console.print(f"{swept} orders swept")
