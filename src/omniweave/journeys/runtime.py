"""The journey runtime: a log consumer that enters people into journeys and moves their runs
on events (goals end them in whatever channel they happen), and a timer sweep that wakes runs
whose wait is over. It stores what the pure engine decides and carries out its actions:
messages through the send decision, profile updates as events, webhooks through the outbox.

The consumer's cursor ("journeys") reads no further than identity and segment membership, so
every event it sees is attributed to its profile and segment changes are announced. A run's
state, its step log, its messages and the cursor commit together; entries are keyed by the
event that caused them, messages by run and step: a crash or a re-run neither loses nor
doubles anything.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, Engine

from omniweave.core.time import Clock, iso
from omniweave.journeys import repo
from omniweave.journeys.engine import (
    CallWebhook,
    Entered,
    EventArrived,
    Run,
    Send,
    StepTaken,
    TimerFired,
    UpdateProfile,
    advance,
    entry_allowed,
    trigger_matches,
)
from omniweave.journeys.filters import matches
from omniweave.journeys.model import Journey, parse_journey
from omniweave.journeys.schedule import birthday_due, cron_due
from omniweave.messaging import delivery, facts, outbox
from omniweave.messaging.service import MessagingService, Origin, SendRequest
from omniweave.segments.service import SegmentService
from omniweave.store import cursors
from omniweave.store.dialect import Dialect
from omniweave.store.tables import events

CURSOR = "journeys"
AFTER = ("identity", "segments")
log = structlog.get_logger(__name__)


class JourneyRuntime:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        messaging: MessagingService,
        segments: SegmentService,
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.messaging = messaging
        self.segments = segments
        self._parsed: dict[int, Journey] = {}
        # Sends collected during one batch, decided together at its end (one set of queries
        # for everyone instead of a set per person); None outside a batch.
        self._sends: list[tuple[int, str, SendRequest]] | None = None
        self._versions: dict[int, Any] = {}  # journey versions never change: kept by id
        self._steps: list[dict[str, Any]] = []  # the batch's step log, written at its end
        self.default_zone = messaging.policy.default_timezone  # a person whose zone is unknown

    def definition(self, row: Any) -> Journey:
        """A version's journey, parsed once (versions never change)."""
        found = self._parsed.get(row.id)
        if found is None:
            found = self._parsed[row.id] = parse_journey(row.definition)
        return found

    # --- the log consumer ------------------------------------------------------------

    def catch_up(self, batch_size: int = 1000, max_batches: int | None = None) -> int:
        """Apply the events since the last call; how many were read (0: none waiting)."""
        done = batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with self.engine.begin() as conn:
                now = self.clock()
                _, rows = cursors.pending(
                    conn, self.dialect, CURSOR, AFTER, now, batch_size, events
                )
                if not rows:
                    return done
                owners = repo.profiles_of_events(conn, [r.id for r in rows])
                active: dict[int, list[Any]] = {}
                self._sends, self._steps = [], []
                for row in rows:
                    profile_id = owners.get(row.id)
                    if profile_id is None:
                        continue
                    if row.workspace_id not in active:
                        active[row.workspace_id] = repo.active(conn, row.workspace_id)
                    self._on_event(conn, row, profile_id, active[row.workspace_id], now)
                self._flush(conn)
                cursors.move(conn, CURSOR, rows[-1].id, now)
            done += len(rows)
        return done

    def _on_event(
        self, conn: Connection, row: Any, profile_id: str, active: list[Any], now: datetime
    ) -> None:
        event = event_dict(row)
        for run in repo.live_runs(conn, [profile_id]):
            self._advance(conn, run, EventArrived(event), now)
        for version in active:
            journey = self.definition(version)
            # A journey reacts to what arrives after it was published: a backfill or an
            # import of last year's history must not send last year's cart reminders.
            if row.received_at < version.created_at:
                continue
            if trigger_matches(journey, event):
                self.enter(conn, version, profile_id, f"event:{row.id}", event, now)

    def enter(
        self,
        conn: Connection,
        version: Any,
        profile_id: str,
        entry_key: str,
        event: Mapping[str, Any],
        now: datetime,
    ) -> int | None:
        """Start a run if the re-entry rule allows it; the run id, or None."""
        journey = self.definition(version)
        previous = repo.previous(conn, version.workspace_id, version.name, profile_id)
        allowed, why = entry_allowed(
            journey.reentry, [(p.entered_at, p.ended_at, p.status) for p in previous], now
        )
        if not allowed:
            log.debug("journey_entry_refused", journey=version.name, why=why)
            return None
        run_id = repo.start(conn, self.dialect, version, profile_id, entry_key, dict(event), now)
        if run_id is not None:
            self._advance(conn, repo.lock_run(conn, self.dialect, run_id), Entered(event), now)
        return run_id

    # --- timers ----------------------------------------------------------------------

    def wake_due(self, limit: int = 500) -> int:
        """Wake the runs whose wait is over; how many."""
        with self.engine.begin() as conn:
            now = self.clock()
            due = repo.due(conn, self.dialect, now, limit)
            self._sends, self._steps = [], []
            for run in due:
                self._advance(conn, run, TimerFired(now), now)
            self._flush(conn)
        return len(due)

    # --- schedules and dates -----------------------------------------------------------

    def fire_schedules(self, every: timedelta = timedelta(minutes=1)) -> int:
        """Enter people whose cron time (on their own clock) or date (a birthday, N days
        before, at a local time) came since the last sweep; how many entered. Entry keys
        name the moment, so a sweep repeated after a crash enters no one twice."""
        entered = 0
        with self.engine.begin() as conn:
            now = self.clock()
            self._sends, self._steps = [], []
            for version in repo.scheduled(conn, self.dialect):
                last = version.last_scheduled_at or version.created_at
                if now - last < every:
                    continue
                journey = self.definition(version)
                for profile_id, fire, key, event in self._due(conn, version, journey, last, now):
                    if self.enter(conn, version, profile_id, key, event, fire) is not None:
                        entered += 1
                repo.mark_scheduled(conn, version.id, now)
            self._flush(conn)
        return entered

    def _due(self, conn: Connection, version: Any, journey: Journey, last: datetime, now: datetime):
        trigger = journey.trigger
        if trigger.schedule is not None:
            audience = repo.audience(conn, version.workspace_id, trigger.schedule.segment)
            for profile_id in audience:
                zone = facts.timezone_of(conn, profile_id) or self.default_zone
                for fire in cron_due(trigger.schedule.cron, zone, last, now):
                    event = {"event": "Scheduled", "properties": {"at": iso(fire)}}
                    yield profile_id, fire, f"cron:{iso(fire)}", event
        elif trigger.date is not None:
            date = trigger.date
            for profile_id, value in repo.trait_values(conn, version.workspace_id, date.trait):
                zone = facts.timezone_of(conn, profile_id) or self.default_zone
                fire = birthday_due(value, date.days_before, date.at, zone, last, now)
                if fire is not None:
                    props = {"trait": date.trait, "value": value, "at": iso(fire)}
                    event = {"event": "Date Reached", "properties": props}
                    yield profile_id, fire, f"date:{date.trait}:{fire.date().isoformat()}", event

    # --- one step of one run -----------------------------------------------------------

    def _advance(self, conn: Connection, row: Any, happening: Any, now: datetime) -> None:
        version = self._versions.get(row.journey_id)
        if version is None:
            version = self._versions[row.journey_id] = repo.version(conn, row.journey_id)
        journey = self.definition(version)
        current = None if isinstance(happening, Entered) else repo.as_run(row)
        timezone = self.default_zone
        if _reads_the_clock(journey):  # only "until 10:00" waits need the person's zone
            timezone = facts.timezone_of(conn, row.profile_id) or self.default_zone

        def holds(condition: Any) -> bool:
            return self.segments.holds(conn, row.workspace_id, row.profile_id, condition)

        def unit(key: str) -> float:
            digest = hashlib.sha256(f"{row.journey}:{row.entry_key}:{key}".encode()).digest()
            return int.from_bytes(digest[:8], "big") / 2**64

        run, actions = advance(
            journey, current, happening, now, holds=holds, unit=unit, timezone=timezone
        )
        if run == current and not actions:
            return
        if isinstance(happening, Entered):
            run = _entered_at(run, row.entered_at)
        repo.save(conn, row.id, run)
        for action in actions:
            self._act(conn, row, version, journey, run, action, now)

    def _act(
        self,
        conn: Connection,
        row: Any,
        version: Any,
        journey: Journey,
        run: Run,
        action: Any,
        now: datetime,
    ) -> None:
        if isinstance(action, StepTaken):
            self._steps.append(
                repo.step_row(row, version.id, action.step, action.outcome, action.detail, now)
            )
        elif isinstance(action, Send):
            self._send(conn, row, journey, run, action)
        elif isinstance(action, UpdateProfile):
            traits = {k: _fill_now(v, now) for k, v in action.traits.items()}
            message = {
                "type": "identify",
                "messageId": f"journey-update:{row.id}:{action.step}:{len(run.path)}",
                "timestamp": now.isoformat(),
                "traits": traits,
            }
            delivery.emit(conn, self.dialect, row.workspace_id, row.profile_id, message, now)
        elif isinstance(action, CallWebhook):
            self._webhook(conn, row, action, now)

    def _send(self, conn: Connection, row: Any, journey: Journey, run: Run, action: Send) -> None:
        step = action.send
        visit = sum(1 for s in run.path if s == action.step)
        request = SendRequest(
            template=step.template,
            key=f"journey:{row.id}:{action.step}:{visit}",
            origin=Origin("journey", row.journey, row.id, action.step),
            topic=step.topic,
            cascade=tuple(step.cascade) if step.cascade else None,
            dedup_key=step.dedup_key,
            fallback_unopened=step.fallback.unopened if step.fallback else None,
            event=dict(row.entry or {}),
            held_out=action.held_out,
            goal=self._goal_reached(conn, journey, row),
        )
        if self._sends is None:
            self.messaging.queue(conn, row.workspace_id, row.profile_id, request)
        else:
            self._sends.append((row.workspace_id, row.profile_id, request))

    def _flush(self, conn: Connection) -> None:
        """The end of a batch: its sends decided, its step log written."""
        self._flush_sends(conn)
        steps, self._steps = self._steps, []
        repo.log_steps(conn, steps)

    def _flush_sends(self, conn: Connection) -> None:
        """Decide the batch's sends together per workspace, template and topic, in rounds: a
        person's second send in the batch goes in the second round, so its decision sees
        the first (caps, dedup)."""
        sends, self._sends = self._sends or [], None
        seen: Counter[str] = Counter()
        rounds: dict[tuple[int, int, str, str | None], list[tuple[str, SendRequest]]]
        rounds = defaultdict(list)
        for workspace_id, profile_id, request in sends:
            seen[profile_id] += 1
            key = (seen[profile_id], workspace_id, request.template, request.topic)
            rounds[key].append((profile_id, request))
        for (_, workspace_id, _, _), requests in sorted(rounds.items(), key=lambda r: r[0][0]):
            self.messaging.queue_many(conn, workspace_id, requests)

    def _goal_reached(self, conn: Connection, journey: Journey, row: Any) -> str | None:
        """The goal may have happened before this consumer saw it (another channel's event
        still on its way through identity): the log decides, at the moment of sending."""
        goal = journey.goal
        if goal is None:
            return None
        for found in repo.events_since(conn, row.profile_id, [goal.event.name], row.entered_at):
            event = event_dict(found)
            if goal.within is not None and found.timestamp > row.entered_at + goal.within:
                continue
            if matches(goal.event, event):
                where = (found.properties or {}).get("channel") or "another channel"
                return f"{found.event} in {where} at {iso(found.timestamp)}"
        return None

    def _webhook(self, conn: Connection, row: Any, action: CallWebhook, now: datetime) -> None:
        """A webhook goes through the outbox like a message (retries, idempotency), but it
        reaches a system, not a person: no consent applies."""
        key = f"journey:{row.id}:{action.step}:webhook:{len(repo.as_run(row).path)}"
        body = {
            "journey": row.journey,
            "step": action.step,
            "profileId": row.profile_id,
            "entry": row.entry,
            "data": action.body,
        }
        outbox.write(
            conn,
            self.dialect,
            {
                "key": key,
                "workspace_id": row.workspace_id,
                "brand": facts.brand_of(conn, row.workspace_id).name,
                "profile_id": row.profile_id,
                "origin": "journey",
                "origin_name": row.journey,
                "origin_id": row.id,
                "step": action.step,
                "template": "webhook",
                "topic": "transactional",
                "transactional": True,
                "channel": "webhook",
                "address": action.url,
                "status": "queued",
                "decision": {
                    "outcome": "send",
                    "rule": "webhook",
                    "reason": "a journey's webhook step: a system, not a person, no consent needed",
                    "checks": [],
                },
                "content": {"body": body},
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            },
        )


def _reads_the_clock(journey: Journey) -> bool:
    return any(step.wait is not None and step.wait.until is not None for step in journey.steps)


def event_dict(row: Any) -> dict[str, Any]:
    mapping = row._mapping
    return {
        "id": mapping.get("id"),
        "event": mapping.get("event"),
        "type": mapping.get("type"),
        "properties": mapping.get("properties") or {},
        "traits": mapping.get("traits") or {},
        "context": mapping.get("context") or {},
        "timestamp": iso(mapping["timestamp"]),
    }


def _entered_at(run: Run, at: datetime) -> Run:
    return run if run.entered_at == at else Run(**{**run.__dict__, "entered_at": at})


def _fill_now(value: Any, now: datetime) -> Any:
    if isinstance(value, str) and "{{ now }}" in value:
        return value.replace("{{ now }}", iso(now))
    return value
