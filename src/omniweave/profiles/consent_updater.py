"""The log consumer that turns consent events and opt-in traits into consent decisions.

Same pattern as the identity resolver: a cursor row in ``log_cursors`` (``consents``) moved in
the same transaction as the decisions it records, locked on PostgreSQL so two workers never
apply one batch twice. It reads only events the resolver has already processed (ids up to the
``identity`` cursor), so each event's attributed identity is known.

An opt-in trait is re-sent with every CRM update; it is recorded only when it changes for that
subject, source and trait, so a stale ``emailOptIn: true`` in the CRM does not undo a newer
one-click unsubscribe.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select

from omniweave.core.time import Clock
from omniweave.identity.extract import identifiers_of
from omniweave.identity.model import IdentityRules
from omniweave.logs import log
from omniweave.profiles.consent_events import CONSENT_EVENTS, consents_in_event
from omniweave.profiles.consent_model import ConsentPolicy, Decision
from omniweave.profiles.consent_repo import decision_row, decisions_of_subject
from omniweave.store import cursors
from omniweave.store.consent_tables import consents
from omniweave.store.dialect import Dialect
from omniweave.store.tables import event_identities, events, identities, sources

CURSOR = "consents"
IDENTITY_CURSOR = "identity"

_COLUMNS = (
    events.c.id,
    events.c.workspace_id,
    events.c.source_id,
    events.c.type,
    events.c.event,
    events.c.user_id,
    events.c.anonymous_id,
    events.c.previous_id,
    events.c.properties,
    events.c.traits,
    events.c.context,
    events.c.timestamp,
    sources.c.name.label("source"),
    identities.c.type.label("identity_type"),
    identities.c.value.label("identity_value"),
)


class ConsentUpdater:
    def __init__(
        self, engine: Engine, rules: IdentityRules, policy: ConsentPolicy, clock: Clock
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.rules = rules
        self.policy = policy
        self.clock = clock

    def catch_up(self, batch_size: int = 2000, max_batches: int | None = None) -> int:
        """Apply every resolved event after the cursor; returns how many events were read."""
        done = batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with self.engine.begin() as conn:
                position = cursors.claim(conn, self.dialect, CURSOR, self.clock())
                resolved = cursors.peek(conn, IDENTITY_CURSOR)
                if resolved <= position:
                    return done
                rows = conn.execute(
                    select(*_COLUMNS)
                    .join(sources, sources.c.id == events.c.source_id)
                    .outerjoin(event_identities, event_identities.c.event_id == events.c.id)
                    .outerjoin(identities, identities.c.id == event_identities.c.identity_id)
                    .where(events.c.id > position, events.c.id <= resolved)
                    .where(
                        or_(
                            and_(events.c.type == "track", events.c.event.in_(CONSENT_EVENTS)),
                            events.c.type == "identify",
                        )
                    )
                    .order_by(events.c.id)
                    .limit(batch_size)
                ).all()
                self._apply(conn, rows)
                full = len(rows) == batch_size
                cursors.move(conn, CURSOR, rows[-1].id if full else resolved, self.clock())
            done += len(rows)
            if not full:
                return done
        return done

    def _apply(self, conn: Connection, rows: list[Any]) -> None:
        now = self.clock()
        latest_trait: dict[tuple, str] = {}
        for row in rows:
            event = row._asdict()
            attributed = (row.identity_type, row.identity_value) if row.identity_type else None
            found = consents_in_event(
                event, identifiers_of(event, self.rules), attributed, row.source, self.policy
            )
            for why in found.skipped:
                log.info("consent not applied", event_id=row.id, reason=why)
            for decision in found.decisions:
                if found.from_traits and not self._trait_changed(
                    conn, row.workspace_id, decision, latest_trait
                ):
                    continue
                stmt = self.dialect.insert_ignoring_duplicates(
                    consents, ("event_id", "channel", "topic")
                )
                conn.execute(stmt.values(**decision_row(row.workspace_id, decision, now)))

    def _trait_changed(
        self, conn: Connection, workspace_id: int, decision: Decision, memo: dict[tuple, str]
    ) -> bool:
        """Whether an opt-in trait says something new for its subject, source and trait."""
        key = (
            workspace_id,
            decision.subject,
            decision.channel,
            decision.topic,
            decision.source,
            decision.via,
        )
        if key not in memo:
            earlier = [
                d
                for d in decisions_of_subject(
                    conn, workspace_id, decision.subject, decision.channel, decision.topic
                )
                if d.source == decision.source and d.via == decision.via
            ]
            if earlier:
                memo[key] = max(earlier, key=lambda d: d.order).state
        changed = memo.get(key) != decision.state
        memo[key] = decision.state
        return changed
