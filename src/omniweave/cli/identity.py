"""``omniweave identity``: resolve the log into profiles, rebuild, look a person up."""

from __future__ import annotations

import time

import typer

from omniweave.cli.context import WorkspaceOpt, container
from omniweave.cli.context import workspace_id as find_workspace
from omniweave.cli.output import JsonFlag, console, emit_json, emit_table, fail, with_progress
from omniweave.core.errors import OmniweaveError

identity_app = typer.Typer(help="Identity resolution: profiles from the log.", no_args_is_help=True)


@identity_app.command("resolve")
def resolve(as_json: bool = JsonFlag) -> None:
    """Resolve every event not yet resolved (what the server also does in the background)."""
    c = container()
    started = time.monotonic()
    done = with_progress("Resolving", lambda p: c.resolver.catch_up(on_progress=p), as_json)
    report = {"events": done, "seconds": round(time.monotonic() - started, 2)}
    emit_json(report) if as_json else console.print(f"resolved {done:,} events")


@identity_app.command("rebuild")
def rebuild(as_json: bool = JsonFlag) -> None:
    """Forget the derived identity graph and replay the whole log; gives the same profiles
    (splits and review decisions are kept)."""
    c = container()
    started = time.monotonic()
    done = with_progress("Rebuilding", lambda p: c.resolver.rebuild(on_progress=p), as_json)
    report = {"events": done, "seconds": round(time.monotonic() - started, 2)}
    emit_json(report) if as_json else console.print(f"rebuilt from {done:,} events")


@identity_app.command("match")
def match(
    workspace: str = WorkspaceOpt,
    spark: bool = typer.Option(
        False, help="Run the matcher on Spark (OMNIWEAVE_SPARK_MASTER, local[2]), not DuckDB."
    ),
    auto_merge: float = typer.Option(0.99, help="Merge pairs at or above this probability."),
    review: float = typer.Option(0.80, help="Queue pairs from this probability for review."),
    as_json: bool = JsonFlag,
) -> None:
    """Run the probabilistic matcher over the profiles: sure pairs merge, likely ones wait in
    the review queue (GET /api/identity/reviews)."""
    from omniweave.identity.match_job import match_profiles
    from omniweave.identity.matching import SparkBackend, local_spark
    from omniweave.identity.reviews import Thresholds

    c = container()
    workspace_id = find_workspace(workspace)
    master = c.settings.spark_master
    backend = SparkBackend(local_spark("omniweave-identity", master)) if spark else None
    with console.status("Matching profiles..."):
        report = match_profiles(
            c.engine, c.identity, workspace_id, Thresholds(auto_merge, review), backend
        )
    if as_json:
        emit_json(report)
        return
    console.print(
        f"{report['profiles']:,} profiles, {report['pairs']:,} likely pairs: "
        f"{report.get('merged', 0)} merged, {report.get('review', 0)} to review, "
        f"{report.get('vetoed', 0)} ruled out by disagreeing birthdays "
        f"({report['seconds']} s)"
    )


@identity_app.command("show")
def show(
    profile_id: str = typer.Argument(None, help="A profile id (a merged one works too)."),
    email: str = typer.Option(None),
    phone: str = typer.Option(None),
    user_id: str = typer.Option(None),
    card: str = typer.Option(None),
    workspace: str = WorkspaceOpt,
) -> None:
    """Print a profile as JSON, by id or by one identifier."""
    c = container()
    workspace_id = find_workspace(workspace)
    given = {
        k: v
        for k, v in {"email": email, "phone": phone, "user_id": user_id, "card": card}.items()
        if v
    }
    try:
        if profile_id:
            found = c.identity.profile(workspace_id, profile_id)
        elif len(given) == 1:
            ((param, value),) = given.items()
            found = c.identity.lookup(workspace_id, param, value)
        else:
            raise fail("give a profile id or exactly one of --email, --phone, --user-id, --card")
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    emit_json(found)


@identity_app.command("reviews")
def reviews(
    status: str = typer.Option("pending", help="pending, approved or rejected."),
    limit: int = typer.Option(100, min=1, max=500),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """The review queue: merges the matcher was not sure enough of, most probable first."""
    if status not in ("pending", "approved", "rejected"):
        raise fail("--status: pending, approved or rejected", 2)
    found = container().identity.reviews(find_workspace(workspace), status, limit)
    if as_json:
        emit_json(found)
        return
    rows = [{**r, "probability": f"{r['probability']:.3f}"} for r in found]
    emit_table(f"{status} reviews", rows, ["id", "profile_a", "profile_b", "probability"])


@identity_app.command("review")
def review(
    review_id: int = typer.Argument(..., help="The review's id, from `identity reviews`."),
    approve: bool = typer.Option(
        ..., "--approve/--reject", help="Merge the two profiles, or never merge them."
    ),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Decide a review: approve (merge, recorded as an operator's decision) or reject."""
    c = container()
    try:
        found = c.identity.decide(find_workspace(workspace), review_id, approve, "cli")
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json(found)
        return
    console.print(f"review #{review_id}: {'approved' if approve else 'rejected'}")


@identity_app.command("split")
def split(
    profile_id: str = typer.Argument(..., help="The profile to split."),
    merge_id: int = typer.Option(None, "--merge-id", help="The merge to undo; default the latest."),
    reason: str = typer.Option(None, help="Why (kept with the split)."),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonFlag,
) -> None:
    """Undo a merge: the merged profile gets its identities, events and orders back, and the
    two are never merged again automatically."""
    c = container()
    try:
        found = c.identity.split(find_workspace(workspace), profile_id, merge_id, reason)
    except OmniweaveError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json(found)
        return
    console.print(f"split: {found['restored']} restored from {found['profile']}")
