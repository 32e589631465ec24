"""``omniweave promotions``, ``coupons`` and ``loyalty``: look at promotions, generate codes,
run the loyalty sweeps and show an account."""

from __future__ import annotations

import typer

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail
from omniweave.core.errors import OmniweaveError
from omniweave.pricing.coupon_service import CodesBody

promotions_app = typer.Typer(help="Promotions (apply them with apply -f).", no_args_is_help=True)
coupons_app = typer.Typer(help="Coupon pools and codes.", no_args_is_help=True)
loyalty_app = typer.Typer(help="The loyalty points ledger.", no_args_is_help=True)


@promotions_app.command("list")
def promotions_list(workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """The promotions in force: key, version, effect."""
    found = container().promotions.list(find_workspace(workspace))
    if as_json:
        emit_json({"promotions": found})
        return
    rows = [
        {"key": p["key"], "version": p["version"], "effect": p["definition"]["effect"]["type"]}
        for p in found
    ]
    emit_table("promotions", rows, ["key", "version", "effect"])


@coupons_app.command("generate")
def coupons_generate(
    pool: str = typer.Argument(..., help="The pool's key (create it with PUT /api/coupons/pools)."),
    count: int = typer.Option(..., "--count", min=1, max=100_000),
    batch: str = typer.Option(..., "--batch", help="Names the batch: the same batch, same codes."),
    workspace: str = WorkspaceOpt,
) -> None:
    """Generate COUNT unique codes in POOL, one a line (a retry prints the same codes)."""
    try:
        found = container().coupons.add_codes(
            find_workspace(workspace), pool, CodesBody(batch=batch, count=count)
        )
    except OmniweaveError as exc:
        raise fail(str(exc), 2) from None
    typer.echo("\n".join(found["codes"]))


@loyalty_app.command("expire")
def loyalty_expire(as_json: bool = JsonFlag) -> None:
    """Expire points earned longer ago than OMNIWEAVE_LOYALTY_POINTS_EXPIRE_DAYS."""
    done = container().loyalty.expire(limit=100_000)
    emit_json({"expired_lots": done}) if as_json else console.print(f"expired {done} lot(s)")


@loyalty_app.command("birthdays")
def loyalty_birthdays(as_json: bool = JsonFlag) -> None:
    """Give today's birthday bonus (once per person and year, however often it runs)."""
    done = container().loyalty.birthdays()
    emit_json({"given": done}) if as_json else console.print(f"birthday bonus given to {done}")


@loyalty_app.command("show")
def loyalty_show(
    profile_id: str = typer.Argument(..., help="A profile id (a merged one works too)."),
    workspace: str = WorkspaceOpt,
) -> None:
    """Print an account as JSON: balance, tier and why, history with reasons."""
    try:
        emit_json(container().loyalty.account(find_workspace(workspace), profile_id))
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
