"""Campaigns: one send to a segment's members through the same decision as every other
message, resumable and throttled, with a holdout share and optional send-time optimisation.

A running campaign walks its audience in profile id order, a chunk per transaction; the chunk's
messages and the campaign's position (``last_profile``) commit together and every message's
key is ``campaign:<id>:<profile>``, so a crash resumes where it stopped and sends no one twice.
The control group (``holdout`` percent, chosen by a hash of campaign and person) gets a
``held_out`` row instead of a message: reports compare it with those who were sent.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, Engine, select, update

from omniweave.core.errors import Conflict, InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.ingest.segment import pydantic_errors
from omniweave.messaging import reads, send_time
from omniweave.messaging.service import MessagingService, Origin, SendRequest
from omniweave.segments.membership_repo import current_members
from omniweave.store.message_tables import campaigns, messages
from omniweave.store.segment_tables import segments

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
CHUNK = 500


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    segment: Annotated[str, Field(min_length=1, max_length=100)]
    template: Name
    topic: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")] | None = None
    cascade: list[str] | None = None
    dedup_key: Annotated[str, Field(max_length=255)] | None = None
    dedup_hours: Annotated[float, Field(gt=0, le=24 * 90)] = 24
    holdout: Annotated[float, Field(ge=0, le=50)] = 0
    per_minute: Annotated[int, Field(ge=1, le=1_000_000)] | None = None  # throttle
    send_time_optimisation: bool = False
    fallback_unopened_hours: Annotated[float, Field(gt=0, le=24 * 14)] | None = None
    scheduled_at: datetime | None = None


def parse_campaign(raw: Any) -> CampaignSpec:
    try:
        return CampaignSpec.model_validate(raw)
    except ValidationError as error:
        raise InvalidInput(pydantic_errors(error)) from None


def in_holdout(campaign_id: int, profile_id: str, percent: float) -> bool:
    digest = hashlib.sha256(f"holdout:{campaign_id}:{profile_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100 < percent


class CampaignService:
    def __init__(self, engine: Engine, clock: Clock, messaging: MessagingService) -> None:
        self.engine = engine
        self.clock = clock
        self.messaging = messaging

    def save(self, workspace_id: int, raw: Any) -> dict[str, Any]:
        """Create a campaign, or change one that has not started."""
        spec = parse_campaign(raw)
        now = self.clock()
        definition = spec.model_dump(mode="json", exclude_none=True)
        status = "scheduled" if spec.scheduled_at else "draft"
        with self.engine.begin() as conn:
            if (
                conn.execute(
                    select(segments.c.id).where(
                        segments.c.workspace_id == workspace_id, segments.c.name == spec.segment
                    )
                ).first()
                is None
            ):
                raise InvalidInput.one("segment", f"no segment named {spec.segment!r}")
            self.messaging.template(conn, workspace_id, spec.template)
            row = self._row(conn, workspace_id, spec.name, lock=True)
            if row is None:
                conn.execute(
                    campaigns.insert().values(
                        workspace_id=workspace_id,
                        name=spec.name,
                        definition=definition,
                        status=status,
                        scheduled_at=spec.scheduled_at,
                        created_at=now,
                    )
                )
            elif row.status in ("draft", "scheduled"):
                conn.execute(
                    update(campaigns)
                    .where(campaigns.c.id == row.id)
                    .values(definition=definition, status=status, scheduled_at=spec.scheduled_at)
                )
            else:
                raise Conflict(f"campaign {spec.name!r} is {row.status}: it can no longer change")
        return self.get(workspace_id, spec.name)

    def start(self, workspace_id: int, name: str, at: datetime | None = None) -> dict[str, Any]:
        """Send now (or at ``at``): the worker walks the audience from the next round on."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = self._row(conn, workspace_id, name, lock=True)
            if row is None:
                raise NotFound(f"campaign {name!r}")
            if row.status not in ("draft", "scheduled"):
                raise Conflict(f"campaign {name!r} is {row.status} already")
            conn.execute(
                update(campaigns)
                .where(campaigns.c.id == row.id)
                .values(status="scheduled", scheduled_at=at or now)
            )
        return self.get(workspace_id, name)

    def cancel(self, workspace_id: int, name: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            row = self._row(conn, workspace_id, name, lock=True)
            if row is None:
                raise NotFound(f"campaign {name!r}")
            if row.status == "done":
                raise Conflict(f"campaign {name!r} is done")
            conn.execute(
                update(campaigns)
                .where(campaigns.c.id == row.id)
                .values(status="cancelled", finished_at=self.clock())
            )
        return self.get(workspace_id, name)

    def run_due(self, max_chunks: int | None = None) -> int:
        """Decide the next chunks of every campaign whose time came; how many people."""
        done = chunks = 0
        while max_chunks is None or chunks < max_chunks:
            with self.engine.begin() as conn:
                moved = self._next_chunk(conn)
            if moved is None:
                return done
            done += moved
            chunks += 1
        return done

    def _next_chunk(self, conn: Connection) -> int | None:
        now = self.clock()
        query = (
            select(campaigns)
            .where(
                campaigns.c.status.in_(("scheduled", "running")), campaigns.c.scheduled_at <= now
            )
            .order_by(campaigns.c.scheduled_at, campaigns.c.id)
            .limit(1)
        )
        if self.messaging.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = conn.execute(query).first()
        if row is None:
            return None
        spec = CampaignSpec.model_validate(row.definition)
        segment_id = conn.execute(
            select(segments.c.id).where(
                segments.c.workspace_id == row.workspace_id, segments.c.name == spec.segment
            )
        ).scalar()
        page = (
            current_members(conn, segment_id, row.last_profile or "", CHUNK) if segment_id else []
        )
        counts = dict(row.counts or {})
        offset = counts.get("audience", 0)
        start = row.started_at or now
        requests = [
            (m.profile_id, self._request(conn, row, spec, m.profile_id, start, offset + i))
            for i, m in enumerate(page)
        ]
        for message in self.messaging.queue_many(conn, row.workspace_id, requests):
            counts[message["status"]] = counts.get(message["status"], 0) + 1
        counts["audience"] = offset + len(page)
        values: dict[str, Any] = {"counts": counts, "status": "running", "started_at": start}
        if page:
            values["last_profile"] = page[-1].profile_id
        if len(page) < CHUNK:
            values.update(status="done", finished_at=now)
        conn.execute(update(campaigns).where(campaigns.c.id == row.id).values(**values))
        return len(page) or 0

    def _request(
        self,
        conn: Connection,
        row: Any,
        spec: CampaignSpec,
        profile_id: str,
        start: datetime,
        n: int,
    ) -> SendRequest:
        not_before = start
        if spec.per_minute:
            not_before = start + timedelta(minutes=n / spec.per_minute)
        if spec.send_time_optimisation:
            not_before = max(not_before, send_time.best_moment(conn, profile_id, start))
        return SendRequest(
            template=spec.template,
            key=f"campaign:{row.id}:{profile_id}",
            origin=Origin("campaign", spec.name, row.id),
            topic=spec.topic,
            cascade=tuple(spec.cascade) if spec.cascade else None,
            dedup_key=spec.dedup_key,
            dedup_window=timedelta(hours=spec.dedup_hours),
            fallback_unopened=(
                timedelta(hours=spec.fallback_unopened_hours)
                if spec.fallback_unopened_hours
                else None
            ),
            held_out=in_holdout(row.id, profile_id, spec.holdout),
            not_before=not_before,
        )

    def _row(self, conn: Connection, workspace_id: int, name: str, lock: bool = False) -> Any:
        query = select(campaigns).where(
            campaigns.c.workspace_id == workspace_id, campaigns.c.name == name
        )
        if lock and self.messaging.dialect.name == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).first()

    def get(self, workspace_id: int, name: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = self._row(conn, workspace_id, name)
        if row is None:
            raise NotFound(f"campaign {name!r}")
        return view(row)

    def report(self, workspace_id: int, name: str) -> dict[str, Any]:
        """The campaign and its numbers: messages by status and channel, the cost, and what
        sending everyone an SMS would have cost (the cascade's saving)."""
        found = self.get(workspace_id, name)
        where = (messages.c.origin == "campaign") & (messages.c.origin_id == found["id"])
        sms = self.messaging.policy.costs.get("sms", Decimal("2.00"))
        with self.engine.connect() as conn:
            found["report"] = reads.numbers(conn, where, sms)
        return found

    def list(self, workspace_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(campaigns)
                .where(campaigns.c.workspace_id == workspace_id)
                .order_by(campaigns.c.id.desc())
            )
            return [view(r) for r in rows]


def view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "definition": row.definition,
        "scheduledAt": row.scheduled_at,
        "startedAt": row.started_at,
        "finishedAt": row.finished_at,
        "counts": row.counts or {},
    }
