"""Queueing a message: read what the decision needs, decide, render for the chosen channel and
write the outbox row with the decision, all in the caller's transaction (a journey step or a
campaign batch commits its progress and its messages together).

On PostgreSQL the decision for a dedup key, and for one person, is serialised with advisory
locks held to the end of the transaction, so two senders of the brand deciding at once cannot
both find "not sent yet"; SQLite has a single writer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.messaging import batch_facts, facts, outbox
from omniweave.messaging import template_repo as templates_repo
from omniweave.messaging.decide import decide
from omniweave.messaging.model import (
    Contact,
    Decision,
    History,
    MessageSpec,
    Recipient,
    SendPolicy,
)
from omniweave.messaging.rendering import Renderer
from omniweave.messaging.requests import Origin, SendRequest, request_json, request_of
from omniweave.messaging.templates import (
    Template,
    parse_template,
    template_as_dict,
    validate_template,
)
from omniweave.profiles.consent_service import ConsentService
from omniweave.store.dialect import Dialect

__all__ = ["MessagingService", "Origin", "SendRequest", "request_of"]


class MessagingService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        consents: ConsentService,
        policy: SendPolicy,
        renderer: Renderer,
        providers: frozenset[str] | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.consents = consents
        self.policy = policy
        self.renderer = renderer
        # Channels with a configured provider (None: all): the others cannot be chosen.
        self.providers = providers

    # --- templates ---------------------------------------------------------------------

    def template(self, conn: Connection, workspace_id: int, name: str) -> tuple[Template, int]:
        row = templates_repo.latest(conn, workspace_id, name)
        if row is None:
            raise NotFound(f"template {name!r}")
        return parse_template(row.definition), row.version

    def save_template(self, workspace_id: int, raw: Any) -> dict[str, Any]:
        """Validate (every field rendered against a full sample profile: an unknown variable
        or a sandbox escape is refused now, not at send time) and store a new version."""
        template = parse_template(raw)
        warnings = validate_template(template)
        definition = template_as_dict(template)
        with self.engine.begin() as conn:
            version, changed = templates_repo.save(
                conn, workspace_id, template.name, definition, self.clock()
            )
        return {
            "name": template.name,
            "version": version,
            "changed": changed,
            "definition": definition,
            "warnings": [{"field": w.field, "message": w.message} for w in warnings],
        }

    def templates(self, workspace_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = templates_repo.listing(conn, workspace_id)
        return [
            {"name": r.name, "version": r.version, "definition": r.definition, "at": r.created_at}
            for r in rows
        ]

    def preview(
        self, workspace_id: int, profile_id: str, name: str, event: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """What the person would get now: the decision, and the content on every channel of
        the template (nothing is written)."""
        request = SendRequest(name, f"preview:{name}:{profile_id}", Origin("api"), event=event)
        with self.engine.connect() as conn:
            template, version = self.template(conn, workspace_id, name)
            row = self.decided_row(conn, workspace_id, profile_id, request)
            brand = facts.brand_of(conn, workspace_id)
            _, profile_part = facts.recipient(
                conn, workspace_id, profile_id, row["topic"], self.clock(), self.consents.policy
            )
            shopping = facts.cart_and_viewed(conn, profile_id, self.clock())
        context = self.renderer.context(profile_id, profile_part, shopping, event, {}, brand.name)
        content = {
            channel: self.renderer.render(template, channel, context, request.key, {})
            for channel in template.channel_names
        }
        return {
            "template": {"name": name, "version": version},
            "profileId": profile_id,
            "decision": row["decision"],
            "channel": row["channel"],
            "content": content,
        }

    # --- the decision --------------------------------------------------------------------

    def queue(
        self, conn: Connection, workspace_id: int, profile_id: str, request: SendRequest
    ) -> dict[str, Any]:
        """Decide and write the outbox row (once per key); the stored row."""
        found = outbox.existing(conn, request.key)
        if found is not None:
            return found
        row = self.decided_row(conn, workspace_id, profile_id, request)
        return outbox.write(conn, self.dialect, row)

    def redecide(self, conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
        """A deferred message whose time came: decided again (caps and consents may have
        changed while it waited), in place."""
        fresh = self.decided_row(conn, row["workspace_id"], row["profile_id"], request_of(row))
        fresh.pop("created_at")
        outbox.mark(conn, row["id"], fresh.pop("updated_at"), **{**fresh, "lease_until": None})
        return {**row, **fresh}

    def decided_row(
        self, conn: Connection, workspace_id: int, profile_id: str, request: SendRequest
    ) -> dict[str, Any]:
        now = self.clock()
        template, version = self.template(conn, workspace_id, request.template)
        topic = self._topic(request, template)
        brand = facts.brand_of(conn, workspace_id)
        self._serialise(conn, [f"person:{profile_id}"])
        who, profile_part = facts.recipient(
            conn, workspace_id, profile_id, topic, now, self.consents.policy
        )
        shopping = facts.cart_and_viewed(conn, profile_id, now)
        context = self.renderer.context(
            profile_id, profile_part, shopping, request.event, request.extra, brand.name
        )
        dedup_key = request.dedup_key or self.renderer.dedup_key(template, context)
        if dedup_key:
            self._serialise(conn, [f"dedup:{brand.name}:{dedup_key}"])
        history = facts.history(
            conn,
            brand,
            profile_id,
            now,
            request.dedup_window,
            self.policy.just_bought_window,
            request.goal,
        )
        return self._decided(
            workspace_id, brand, profile_id, request, template, version, topic, who,
            context, history, dedup_key, now,
        )  # fmt: skip

    def queue_many(
        self, conn: Connection, workspace_id: int, requests: list[tuple[str, SendRequest]]
    ) -> list[dict[str, Any]]:
        """Decide and write many messages of one template at once (a campaign's chunk): the
        same decision per person, with everyone's facts read in a few set-based queries.
        Requests whose key exists are skipped. Returns the rows written."""
        if not requests:
            return []
        now = self.clock()
        template, version = self.template(conn, workspace_id, requests[0][1].template)
        topic = self._topic(requests[0][1], template)
        brand = facts.brand_of(conn, workspace_id)
        done = outbox.existing_keys(conn, [r.key for _, r in requests])
        pending = [(p, r) for p, r in requests if r.key not in done]
        locks = [f"person:{p}" for p, _ in pending]
        static = {r.dedup_key or template.dedup_key for _, r in pending}
        locks += [f"dedup:{brand.name}:{k}" for k in static if k and "{" not in k]
        self._serialise(conn, sorted(set(locks)))
        window = max((r.dedup_window for _, r in pending), default=timedelta(days=1))
        known = batch_facts.load_facts(
            conn, workspace_id, [p for p, _ in pending], topic, now, self.consents.policy,
            brand, window, self.policy.just_bought_window, template.channel_names,
        )  # fmt: skip
        rows = []
        for profile_id, request in pending:
            person = known[profile_id]
            context = self.renderer.context(
                profile_id, person.profile_part, person.shopping, request.event,
                request.extra, brand.name,
            )  # fmt: skip
            dedup_key = request.dedup_key or self.renderer.dedup_key(template, context)
            history = replace(person.history, goal=request.goal)
            rows.append(
                self._decided(
                    workspace_id,
                    brand,
                    profile_id,
                    request,
                    template,
                    version,
                    topic,
                    person.recipient,
                    context,
                    history,
                    dedup_key,
                    now,
                )  # fmt: skip
            )
        outbox.write_many(conn, self.dialect, rows)
        return rows

    def _topic(self, request: SendRequest, template: Template) -> str:
        topic = request.topic or template.topic
        if topic not in self.consents.policy.topics:
            raise InvalidInput.one("topic", f"{topic!r} is not a consent topic")
        return topic

    def _decided(
        self,
        workspace_id: int,
        brand: facts.Brand,
        profile_id: str,
        request: SendRequest,
        template: Template,
        version: int,
        topic: str,
        who: Recipient,
        context: dict[str, Any],
        history: History,
        dedup_key: str | None,
        now: datetime,
    ) -> dict[str, Any]:
        """The decision for one person and the outbox row that records it."""
        spec = MessageSpec(
            topic=topic,
            channels=template.channel_names,
            cascade=request.cascade,
            dedup_key=dedup_key or None,
            dedup_window=request.dedup_window,
            products=self.renderer.products(template, context),
            exclude=request.exclude,
            transactional=request.transactional,
        )
        decision = decide(self._without_providers(who), spec, self.policy, history, now)
        row = self._row(workspace_id, brand.name, profile_id, request, spec, decision, now)
        row.update(template=request.template, template_version=version)
        saved: dict[str, Any] = {"request": request_json(request)}
        if row["status"] == "queued":
            assert decision.channel is not None and decision.address is not None
            unsubscribe = ""
            if decision.channel == "email" and not row["transactional"]:
                saved["headers"] = self.consents.stored_address_headers(
                    workspace_id, decision.address, topic
                )
                unsubscribe = saved["headers"]["List-Unsubscribe"].strip("<>")
            row["content"] = self.renderer.render(
                template, decision.channel, context, request.key, self._utm(request), unsubscribe
            )
        row["context"] = saved
        return row

    def _row(
        self,
        workspace_id: int,
        brand: str,
        profile_id: str,
        request: SendRequest,
        spec: MessageSpec,
        decision: Decision,
        now: datetime,
    ) -> dict[str, Any]:
        status = {"send": "queued", "defer": "deferred", "suppress": "suppressed"}[decision.outcome]
        record = decision.as_dict()
        if request.held_out and decision.outcome != "suppress":
            status = "held_out"
            record["heldOut"] = "in the control group: decided, not sent"
        due = decision.not_before or now
        if request.not_before and request.not_before > due:
            due = request.not_before
        fallback_at = None
        if request.fallback_unopened and status == "queued":
            fallback_at = due + request.fallback_unopened
            record["fallback"] = {"unopenedFor": request.fallback_unopened.total_seconds()}
        return {
            "key": request.key,
            "workspace_id": workspace_id,
            "brand": brand,
            "profile_id": profile_id,
            "origin": request.origin.kind,
            "origin_name": request.origin.name,
            "origin_id": request.origin.id,
            "step": request.origin.step,
            "topic": spec.topic,
            "transactional": self.policy.is_transactional(spec),
            "dedup_key": spec.dedup_key,
            "channel": decision.channel,
            "address": decision.address,
            "status": status,
            "decision": record,
            "cost": decision.cost if status == "queued" else None,
            "attempts": 0,
            "next_attempt_at": due if status in ("queued", "deferred") else None,
            "fallback_of": request.fallback_of,
            "fallback_at": fallback_at,
            "created_at": now,
            "updated_at": now,
        }

    def _without_providers(self, who: Recipient) -> Recipient:
        """A channel no provider is configured for cannot reach anyone here."""
        if self.providers is None:
            return who
        contacts = {
            channel: contact
            if channel in self.providers
            else Contact(channel, False, contact.address, (f"{channel}: no provider configured",))
            for channel, contact in who.contacts.items()
        }
        return replace(who, contacts=contacts)

    def _utm(self, request: SendRequest) -> dict[str, str]:
        return {"campaign": request.origin.name or request.template, "content": request.template}

    def _serialise(self, conn: Connection, names: list[str]) -> None:
        """Transaction-scoped advisory locks on PostgreSQL, taken in one round trip and in a
        sorted order (no deadlock between two batches); SQLite has a single writer."""
        if self.dialect.name != "postgresql" or not names:
            return
        conn.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtextextended(n, 0)) "
                "FROM unnest(CAST(:names AS text[])) AS n ORDER BY n"
            ),
            {"names": sorted(names)},
        )

    def send(self, workspace_id: int, profile_id: str, request: SendRequest) -> dict[str, Any]:
        """Queue one message in a transaction of its own (the API's transactional send)."""
        with self.engine.begin() as conn:
            return self.queue(conn, workspace_id, profile_id, request)

    def fall_back(self, conn: Connection, row: dict[str, Any], why: str) -> dict[str, Any] | None:
        """The next channel of the cascade after ``row``'s channel failed, bounced or went
        unopened: a new message (its own key) that excludes every channel tried so far and
        points at the one it replaces. None when that message exists already."""
        if row["channel"] == "webhook":  # a system, not a person: there is no next channel
            return None
        request = request_of(row)
        tried = tuple(dict.fromkeys((*request.exclude, row["channel"])))
        key = f"{row['key']}/after-{row['channel']}"
        if outbox.existing(conn, key) is not None:
            return None
        extra = {**request.extra, "fallback": {"after": row["channel"], "because": why}}
        return self.queue(
            conn,
            row["workspace_id"],
            row["profile_id"],
            replace(
                request,
                key=key,
                exclude=tried,
                fallback_of=row["id"],
                extra=extra,
                # the replacement is not itself chased by an unopened timer
                fallback_unopened=None,
            ),
        )
