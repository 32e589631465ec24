"""``omniweave apply -f`` and ``export`` (configuration as code: templates, segments, journeys,
campaigns, promotions), and the ``journeys``, ``campaigns``, ``messages`` and ``templates``
commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer
import yaml

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail
from omniweave.core.errors import OmniweaveError

KINDS = ("template", "segment", "journey", "campaign", "promotion")
journeys_app = typer.Typer(help="Journeys: triggers, waits, branches, sends.", no_args_is_help=True)
campaigns_app = typer.Typer(help="Campaigns: one send to a segment.", no_args_is_help=True)
messages_app = typer.Typer(help="Messages and why each went (or not).", no_args_is_help=True)
templates_app = typer.Typer(help="Message templates per channel.", no_args_is_help=True)


def kind_of(document: dict[str, Any]) -> str:
    """``kind:`` if given, else what the keys say."""
    if "kind" in document:
        return str(document["kind"]).lower()
    if "steps" in document:
        return "journey"
    if "channels" in document:
        return "template"
    if "segment" in document and "template" in document:
        return "campaign"
    if "definition" in document:
        return "segment"
    if "effect" in document:
        return "promotion"
    return "unknown"


def _apply_one(workspace_id: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    c = container()
    if kind == "template":
        saved = c.messaging.save_template(workspace_id, body)
        return {"version": saved["version"], "changed": saved["changed"]}
    if kind == "segment":
        c.segments.save(workspace_id, body["name"], body["definition"], body.get("description"))
        return {"changed": True}
    if kind == "journey":
        saved = c.journeys.apply(workspace_id, body)
        return {"version": saved["version"], "changed": saved["changed"]}
    if kind == "campaign":
        saved = c.campaigns.save(workspace_id, body)
        return {"status": saved["status"]}
    if kind == "promotion":
        saved = c.promotions.put(workspace_id, None, body)
        return {"version": saved["version"], "changed": saved["changed"]}
    raise fail(f"{body.get('name')}: unknown kind {kind!r} (one of {', '.join(KINDS)})", 2)


def apply(
    file: Path = typer.Option(..., "-f", "--file", exists=True, dir_okay=False, help="YAML."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Create or update what a YAML file declares: templates, segments, journeys, campaigns,
    promotions (one per YAML document, ``kind:`` naming it, or guessed from its keys). Applied
    in file order, so put templates and segments before the journeys that use them."""
    try:
        documents = [d for d in yaml.safe_load_all(file.read_text()) if d is not None]
    except yaml.YAMLError as exc:
        raise fail(f"{file}: not valid YAML: {exc}", 2) from None
    workspace_id = find_workspace(workspace)
    applied = []
    for i, document in enumerate(documents):
        if not isinstance(document, dict):
            raise fail(f"{file}: document {i + 1} is not a mapping", 2)
        kind = kind_of(document)
        body = {k: v for k, v in document.items() if k != "kind"}
        try:
            outcome = _apply_one(workspace_id, kind, body)
        except OmniweaveError as exc:
            raise fail(f"{file}: {kind} {_name(body)!r}: {exc}", 2) from None
        applied.append({"kind": kind, "name": _name(body), **outcome})
    if as_json:
        emit_json({"applied": applied})
    else:
        emit_table("applied", applied, ["kind", "name", "version", "changed", "status"])


def _name(body: dict[str, Any]) -> Any:
    return body.get("name") if "name" in body and "key" not in body else body.get("key")


def export(
    kind: str = typer.Argument(..., help="template, segment, journey, campaign or promotion."),
    name: str = typer.Argument(...),
    workspace: str = WorkspaceOpt,
) -> None:
    """Print one definition as YAML, ready for ``apply -f``."""
    c = container()
    ws = find_workspace(workspace)
    try:
        if kind == "journey":
            body = c.journeys.get(ws, name)["definition"]
        elif kind == "campaign":
            body = c.campaigns.get(ws, name)["definition"]
        elif kind == "template":
            found = [t for t in c.messaging.templates(ws) if t["name"] == name]
            if not found:
                raise fail(f"no template named {name!r}", 2)
            body = found[0]["definition"]
        elif kind == "segment":
            found = [s for s in c.segments.list(ws) if s["name"] == name]
            if not found:
                raise fail(f"no segment named {name!r}", 2)
            body = {k: found[0][k] for k in ("name", "description", "definition")}
        elif kind == "promotion":
            body = c.promotions.get(ws, name)["definition"]
            if body is None:
                raise fail(f"the promotion {name!r} was deleted", 2)
        else:
            raise fail(f"unknown kind {kind!r} (one of {', '.join(KINDS)})", 2)
    except OmniweaveError as exc:
        raise fail(str(exc), 2) from None
    typer.echo(yaml.safe_dump({"kind": kind, **body}, sort_keys=False, allow_unicode=True))


@journeys_app.command("list")
def journeys_list(workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """Every journey: version, state, runs by state."""
    found = container().journeys.list(find_workspace(workspace))
    if as_json:
        return emit_json(found)
    rows = [{**j, "runs": _counts(j["runs"])} for j in found]
    emit_table("journeys", rows, ["name", "version", "status", "runs"])


@journeys_app.command("show")
def journeys_show(name: str, workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """One journey's numbers per step (how many took each outcome)."""
    found = _or_fail(lambda: container().journeys.get(find_workspace(workspace), name))
    if as_json:
        return emit_json(found)
    console.print(
        f"[bold]{name}[/] v{found['version']} ({found['status']})  runs: {_counts(found['runs'])}"
    )
    rows = [{"step": s, "outcomes": _counts(o)} for s, o in found["steps"].items()]
    emit_table("steps", rows, ["step", "outcomes"])


@journeys_app.command("runs")
def journeys_runs(
    name: str, limit: int = 20, workspace: str = WorkspaceOpt, as_json: bool = JsonFlag
) -> None:
    """The latest runs, each step with its reason."""
    found = _or_fail(lambda: container().journeys.runs(find_workspace(workspace), name, limit))
    if as_json:
        return emit_json(found)
    for run in found:
        console.print(f"run {run['id']} {run['profileId']} [bold]{run['status']}[/]")
        for step in run["steps"]:
            console.print(
                f"  {step['at']:%Y-%m-%d %H:%M} {step['step']}: {step['outcome']} "
                f"- {step['detail']}"
            )


@journeys_app.command("pause")
def journeys_pause(name: str, workspace: str = WorkspaceOpt) -> None:
    """No new entries (runs under way go on)."""
    _or_fail(lambda: container().journeys.set_status(find_workspace(workspace), name, "paused"))
    console.print(f"{name}: paused")


@journeys_app.command("resume")
def journeys_resume(name: str, workspace: str = WorkspaceOpt) -> None:
    """Take new entries again."""
    _or_fail(lambda: container().journeys.set_status(find_workspace(workspace), name, "active"))
    console.print(f"{name}: active")


@campaigns_app.command("list")
def campaigns_list(workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    found = container().campaigns.list(find_workspace(workspace))
    if as_json:
        return emit_json(found)
    rows = [{**c, "counts": _counts(c["counts"])} for c in found]
    emit_table("campaigns", rows, ["name", "status", "scheduledAt", "counts"])


@campaigns_app.command("start")
def campaigns_start(
    name: str,
    at: datetime | None = typer.Option(None, help="When to send (ISO time); default now."),
    workspace: str = WorkspaceOpt,
) -> None:
    """Send now or at a time; the worker (or the server) walks the audience."""
    found = _or_fail(lambda: container().campaigns.start(find_workspace(workspace), name, at))
    console.print(f"{name}: {found['status']} for {found['scheduledAt']}")


@campaigns_app.command("cancel")
def campaigns_cancel(name: str, workspace: str = WorkspaceOpt) -> None:
    _or_fail(lambda: container().campaigns.cancel(find_workspace(workspace), name))
    console.print(f"{name}: cancelled")


@campaigns_app.command("report")
def campaigns_report(name: str, workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    """Messages by status and channel, the cost, and the saving against SMS to everyone."""
    found = _or_fail(lambda: container().campaigns.report(find_workspace(workspace), name))
    if as_json:
        return emit_json(found)
    report = found["report"]
    console.print(f"[bold]{name}[/] {found['status']}: {_counts(report['byStatus'])}")
    rows = [{"channel": ch, "statuses": _counts(st)} for ch, st in report["byChannel"].items()]
    emit_table("by channel", rows, ["channel", "statuses"])
    console.print(
        f"cost {report['cost']}, SMS to all {report['costIfAllSms']}, saved {report['saved']}"
    )


@messages_app.command("list")
def messages_list(
    profile: str | None = None,
    origin: str | None = None,
    name: str | None = None,
    status: str | None = None,
    limit: int = 50,
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """The latest messages with channel, status, cost and the decision's reason."""
    from omniweave.messaging import reads

    filters = {"profile_id": profile, "origin": origin, "origin_name": name, "status": status}
    with container().engine.connect() as conn:
        found = reads.listing(conn, find_workspace(workspace), filters, None, limit)["messages"]
    if as_json:
        return emit_json(found)
    rows = [{**m, "origin": f"{m['origin']['kind']} {m['origin']['name'] or ''}"} for m in found]
    emit_table("messages", rows, ["id", "profileId", "origin", "channel", "status", "reason"])


@messages_app.command("send")
def messages_send(
    profile: str = typer.Argument(..., help="The profile id to send to."),
    template: str = typer.Option(..., help="The template's name."),
    key: str = typer.Option(..., help="Idempotency key: the same key twice is one message."),
    topic: str | None = typer.Option(None, help="Default: the template's."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Send one message to one person through the decision (consent, cascade, caps, quiet
    hours, dedup), as POST /api/messages does; the outbox sends it."""
    from omniweave.messaging.requests import Origin, SendRequest

    ws = find_workspace(workspace)
    c = container()
    request = SendRequest(
        template=template,
        key=f"cli:{ws}:{key}",
        origin=Origin("api", "cli"),
        topic=topic,
        event={"event": "cli", "properties": {}},
    )

    def send() -> dict[str, Any]:
        found = c.identity.profile(ws, profile)
        return c.messaging.send(ws, found["id"], request)

    row = _or_fail(send)
    if as_json:
        return emit_json(row)
    reason = (row.get("decision") or {}).get("reason", "")
    console.print(f"message #{row['id']}: {row['status']} {row.get('channel') or ''} — {reason}")


@messages_app.command("show")
def messages_show(message_id: int, workspace: str = WorkspaceOpt) -> None:
    """One message as JSON with its whole decision: every rule checked, with its data."""
    from omniweave.messaging import reads

    with container().engine.connect() as conn:
        found = reads.one(conn, find_workspace(workspace), message_id)
    if found is None:
        raise fail(f"no message {message_id}", 2)
    emit_json(found)


@templates_app.command("list")
def templates_list(workspace: str = WorkspaceOpt, as_json: bool = JsonFlag) -> None:
    found = container().messaging.templates(find_workspace(workspace))
    if as_json:
        return emit_json(found)
    rows = [{**t, "channels": ", ".join(t["definition"]["channels"])} for t in found]
    emit_table("templates", rows, ["name", "version", "channels"])


@templates_app.command("preview")
def templates_preview(
    name: str,
    profile: str = typer.Option(..., help="The profile id to render for."),
    workspace: str = WorkspaceOpt,
) -> None:
    """The template rendered for a real person on every channel, and the decision now."""
    ws = find_workspace(workspace)
    found = _or_fail(lambda: container().messaging.preview(ws, profile, name))
    emit_json(found)


def _counts(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "-"


def _or_fail(work: Any) -> Any:
    try:
        return work()
    except OmniweaveError as exc:
        raise fail(str(exc), 2) from None
