"""Journeys as configuration: apply a definition (YAML or API), which adds a version when it
changed; pause and resume; export back; and the numbers per step with the runs' states.

A new version takes new entries; runs already under way finish on the version they started
(their step ids may not exist in the new one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.journeys import repo
from omniweave.journeys.model import definition_hash, journey_as_dict, parse_journey, warnings
from omniweave.journeys.runtime import JourneyRuntime
from omniweave.messaging import template_repo
from omniweave.store.journey_tables import journey_runs, journey_steps, journeys
from omniweave.store.segment_tables import segments


class JourneyService:
    def __init__(self, engine: Engine, clock: Clock, runtime: JourneyRuntime) -> None:
        self.engine = engine
        self.clock = clock
        self.runtime = runtime

    def apply(self, workspace_id: int, raw: Any) -> dict[str, Any]:
        """Create the journey or add a version (the same content changes nothing). Templates
        and segments it names must exist."""
        journey = parse_journey(raw)
        definition = journey_as_dict(journey)
        digest = definition_hash(journey)
        now = self.clock()
        with self.engine.begin() as conn:
            self._references(conn, workspace_id, journey)
            current = repo.latest(conn, workspace_id, journey.name)
            if current is not None and current.hash == digest:
                return self._view(conn, current, changed=False)
            conn.execute(
                update(journeys)
                .where(journeys.c.workspace_id == workspace_id, journeys.c.name == journey.name)
                .where(journeys.c.status == "active")
                .values(status="archived")
            )
            status = "paused" if current is not None and current.status == "paused" else "active"
            conn.execute(
                journeys.insert().values(
                    workspace_id=workspace_id,
                    name=journey.name,
                    version=1 if current is None else current.version + 1,
                    definition=definition,
                    hash=digest,
                    status=status,
                    created_at=now,
                )
            )
            return self._view(conn, repo.latest(conn, workspace_id, journey.name), changed=True)

    def _references(self, conn: Any, workspace_id: int, journey: Any) -> None:
        problems = []
        for i, step in enumerate(journey.steps):
            if step.send and template_repo.latest(conn, workspace_id, step.send.template) is None:
                problems.append((f"steps[{i}].send.template", step.send.template))
        trigger = journey.trigger
        named = trigger.segment.name if trigger.segment else None
        named = named or (trigger.schedule.segment if trigger.schedule else None)
        if (
            named
            and conn.execute(
                select(segments.c.id).where(
                    segments.c.workspace_id == workspace_id, segments.c.name == named
                )
            ).first()
            is None
        ):
            raise InvalidInput.one("trigger", f"no segment named {named!r}")
        if problems:
            field, name = problems[0]
            raise InvalidInput.one(field, f"no template named {name!r}")

    def set_status(self, workspace_id: int, name: str, status: str) -> dict[str, Any]:
        """Pause (no new entries; runs under way go on) or resume the newest version."""
        with self.engine.begin() as conn:
            current = repo.latest(conn, workspace_id, name)
            if current is None:
                raise NotFound(f"journey {name!r}")
            conn.execute(update(journeys).where(journeys.c.id == current.id).values(status=status))
            return self._view(conn, repo.latest(conn, workspace_id, name), changed=True)

    def get(self, workspace_id: int, name: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            current = repo.latest(conn, workspace_id, name)
            if current is None:
                raise NotFound(f"journey {name!r}")
            return self._view(conn, current)

    def list(self, workspace_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            names = conn.execute(
                select(journeys.c.name)
                .distinct()
                .where(journeys.c.workspace_id == workspace_id)
                .order_by(journeys.c.name)
            ).scalars()
            return [self._view(conn, repo.latest(conn, workspace_id, n)) for n in names]

    def runs(self, workspace_id: int, name: str, limit: int = 100) -> list[dict[str, Any]]:
        """The latest runs with their path and how each step went."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(journey_runs)
                .where(journey_runs.c.workspace_id == workspace_id, journey_runs.c.journey == name)
                .order_by(journey_runs.c.id.desc())
                .limit(limit)
            ).all()
            found = []
            for r in rows:
                steps = conn.execute(
                    select(
                        journey_steps.c.step,
                        journey_steps.c.outcome,
                        journey_steps.c.detail,
                        journey_steps.c.at,
                    )
                    .where(journey_steps.c.run_id == r.id)
                    .order_by(journey_steps.c.id)
                ).all()
                found.append(
                    {
                        "id": r.id,
                        "profileId": r.profile_id,
                        "status": r.status,
                        "step": r.step,
                        "enteredAt": r.entered_at,
                        "wakeAt": r.wake_at,
                        "endedAt": r.ended_at,
                        "variant": r.variant,
                        "heldOut": r.held_out,
                        "steps": [dict(s._mapping) for s in steps],
                    }
                )
            return found

    def _view(self, conn: Any, row: Any, changed: bool | None = None) -> dict[str, Any]:
        versions = (
            conn.execute(
                select(journeys.c.id).where(
                    journeys.c.workspace_id == row.workspace_id, journeys.c.name == row.name
                )
            )
            .scalars()
            .all()
        )
        journey = parse_journey(row.definition)
        view = {
            "name": row.name,
            "version": row.version,
            "status": row.status,
            "definition": row.definition,
            "warnings": warnings(journey),
            "runs": repo.run_counts(conn, versions),
            "steps": repo.step_numbers(conn, versions),
            "createdAt": row.created_at,
        }
        if changed is not None:
            view["changed"] = changed
        return view
