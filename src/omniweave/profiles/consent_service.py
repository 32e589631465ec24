"""Consent use cases for the API: record a decision, unsubscribe in one click, apply an SMS
STOP, record a bounce, show a profile's consents. Each write and the reachability it answers
with share one transaction, so a revoke is in force the moment the request returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.identity.extract import normalised
from omniweave.identity.graph_repo import root_of
from omniweave.identity.model import IdentityRules
from omniweave.identity.profile_view import workspace_of
from omniweave.profiles.consent_links import (
    UnsubscribeTarget,
    read_token,
    signing_key,
    unsubscribe_headers,
)
from omniweave.profiles.consent_model import (
    ADDRESS_TYPES,
    DELIVERY_STATES,
    REVOKED,
    STATES,
    ConsentPolicy,
    Decision,
    Delivery,
    Proof,
    in_force,
    is_stop,
    policy_from_settings,
)
from omniweave.profiles.consent_repo import (
    append_decision,
    append_delivery,
    decisions_of_profile,
    decisions_of_subject,
    profile_of_subject,
)
from omniweave.profiles.consent_updater import ConsentUpdater
from omniweave.profiles.consent_view import consent_view, reachability_of
from omniweave.settings import Settings

# The body fields that name the identifier a consent is given for.
IDENTIFIER_FIELDS: Mapping[str, str] = {
    "email": "email",
    "phone": "phone",
    "userId": "user_id",
    "anonymousId": "anonymous_id",
    "loyaltyCard": "loyalty_card",
    "crmId": "crm_id",
    "deviceToken": "device_token",
    "webPush": "web_push",
}
REQUEST_SOURCES = ("api", "preference_centre")


class ConsentService:
    def __init__(
        self,
        engine: Engine,
        rules: IdentityRules,
        policy: ConsentPolicy,
        clock: Clock,
        link_key: bytes,
        public_url: str,
    ) -> None:
        self.engine = engine
        self.rules = rules
        self.policy = policy
        self.clock = clock
        self.link_key = link_key
        self.public_url = public_url

    # --- checks that name the wrong field -----------------------------------------------

    def subject(self, field: str, kind: str, raw: str) -> tuple[str, str]:
        ident = normalised(kind, raw, self.rules)
        if not ident.valid and ident.reason and "undeclared" not in ident.reason:
            raise InvalidInput.one(field, f"{raw!r} cannot identify anyone: {ident.reason}")
        return ident.key

    def channel(self, channel: str, field: str = "channel") -> str:
        if channel not in ADDRESS_TYPES:
            raise InvalidInput.one(
                field, f"unknown channel {channel!r}; one of {_list(ADDRESS_TYPES)}"
            )
        return channel

    def topic(self, topic: str, field: str = "topic") -> str:
        if topic not in self.policy.topics:
            raise InvalidInput.one(
                field, f"unknown topic {topic!r}; one of {_list(self.policy.topics)}"
            )
        return topic

    # --- use cases -----------------------------------------------------------------------

    def record(
        self,
        workspace_id: int,
        identifier: tuple[str, str],
        channel: str,
        topic: str,
        state: str,
        source: str = "api",
        proof: Proof | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Record a grant or a revoke for an identifier (``(field, raw value)``)."""
        field, raw = identifier
        if field not in IDENTIFIER_FIELDS:
            raise InvalidInput.one("identifier", f"one of {_list(IDENTIFIER_FIELDS)}")
        subject = self.subject(field, IDENTIFIER_FIELDS[field], raw)
        self.channel(channel)
        self.topic(topic)
        if state not in STATES:
            raise InvalidInput.one("state", f"{state!r}: one of {_list(STATES)}")
        if source not in REQUEST_SOURCES:
            raise InvalidInput.one("source", f"{source!r}: one of {_list(REQUEST_SOURCES)}")
        now = self.clock()
        if at is not None and at > now:
            raise InvalidInput.one("at", "is in the future; a decision is dated when it was made")
        decision = Decision(subject, channel, topic, state, source, at or now, "request", proof)
        with self.engine.begin() as conn:
            append_decision(conn, workspace_id, decision, now)
            return self._answer(conn, workspace_id, subject, decision, channel, now)

    def view(self, workspace_id: int, profile_id: str) -> dict[str, Any]:
        """A profile's consents and reachability (a merged profile's id answers for its root)."""
        with self.engine.connect() as conn:
            root = root_of(conn, profile_id)
            if root is None or workspace_of(conn, root) != workspace_id:
                raise NotFound(f"no profile {profile_id!r}")
            return {
                "requestedId": profile_id,
                **consent_view(conn, root, self.clock(), self.policy),
            }

    def target(self, token: str) -> UnsubscribeTarget:
        """What an unsubscribe link names; 404 for a link we did not sign."""
        target = read_token(self.link_key, token)
        if target is None or target.channel not in ADDRESS_TYPES:
            raise NotFound("this unsubscribe link is not valid")
        return target

    def unsubscribe(self, token: str) -> dict[str, Any]:
        """One-click unsubscribe (RFC 8058): revoke the topic on the channel for the address."""
        target = self.target(token)
        subject = (ADDRESS_TYPES[target.channel], target.address)
        return self._revoke(
            target.workspace_id,
            subject,
            target.channel,
            (target.topic,),
            "one_click",
            "List-Unsubscribe-Post",
        )

    def sms_reply(self, workspace_id: int, sender: str, text: str) -> dict[str, Any]:
        """An inbound SMS: a STOP revokes every SMS topic that needs an opt-in."""
        subject = self.subject("from", "phone", sender)
        if not is_stop(text):
            return {"action": "none", "phone": subject[1]}
        via = f"reply {text.strip()[:40]}"
        answer = self._revoke(
            workspace_id, subject, "sms", self.policy.opt_in_topics, "sms_stop", via
        )
        return {"action": "unsubscribed", "phone": subject[1], **answer}

    def delivery_report(
        self,
        workspace_id: int,
        channel: str,
        address: str,
        state: str,
        reason: str | None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """A provider's bounce or complaint (or an operator's block) about an address."""
        self.channel(channel)
        subject = self.subject("address", ADDRESS_TYPES[channel], address)
        if state not in DELIVERY_STATES:
            raise InvalidInput.one("state", f"{state!r}: one of {_list(DELIVERY_STATES)}")
        now = self.clock()
        report = Delivery(channel, subject[1], state, at or now, reason)
        with self.engine.begin() as conn:
            append_delivery(conn, workspace_id, report, now)
            return self._answer(conn, workspace_id, subject, None, channel, now)

    def headers(self, workspace_id: int, address: str, topic: str = "marketing") -> dict[str, str]:
        """``List-Unsubscribe`` headers for a marketing email to ``address`` (as written)."""
        email = self.subject("address", "email", address)[1]
        return self.stored_address_headers(workspace_id, email, topic)

    def stored_address_headers(
        self, workspace_id: int, address: str, topic: str = "marketing"
    ) -> dict[str, str]:
        """As ``headers`` for an email identifier as the store holds it (normalised when it
        was resolved): the sender's path, where checking it again per recipient cost a
        campaign a quarter of its time."""
        return unsubscribe_headers(self.public_url, self.link_key, workspace_id, address, topic)

    # --- shared steps --------------------------------------------------------------------

    def _revoke(
        self,
        workspace_id: int,
        subject: tuple[str, str],
        channel: str,
        topics: tuple[str, ...],
        source: str,
        via: str,
    ) -> dict[str, Any]:
        """Revoke unless already revoked for the person (a provider may POST a link twice)."""
        now = self.clock()
        with self.engine.begin() as conn:
            root = profile_of_subject(conn, workspace_id, subject)
            for topic in topics:
                known = (
                    decisions_of_profile(conn, root)
                    if root
                    else decisions_of_subject(conn, workspace_id, subject, channel, topic)
                )
                current = in_force(known, channel, topic)
                if current is None or current.state != REVOKED:
                    decision = Decision(subject, channel, topic, REVOKED, source, now, via)
                    append_decision(conn, workspace_id, decision, now)
            return self._answer(conn, workspace_id, subject, None, channel, now)

    def _answer(
        self,
        conn: Connection,
        workspace_id: int,
        subject: tuple[str, str],
        decision: Decision | None,
        channel: str,
        now: datetime,
    ) -> dict[str, Any]:
        """The profile the identifier belongs to and its reachability on the channel now."""
        root = profile_of_subject(conn, workspace_id, subject)
        found: dict[str, Any] = {
            "subject": {"type": subject[0], "value": subject[1]},
            "profile": root,
            "reachability": None,
        }
        if decision is not None:
            found["recorded"] = decision.as_dict()
        if root is not None:
            reach = reachability_of(conn, root, now, self.policy, channels=(channel,))
            found["reachability"] = {
                ch: {topic: r.as_dict() for topic, r in by_topic.items()}
                for ch, by_topic in reach.items()
            }
        return found


def _list(names: Any) -> str:
    return ", ".join(names)


def consent_policy(settings: Settings) -> ConsentPolicy:
    return policy_from_settings(
        topics=settings.consent_topics,
        opt_out_topics=settings.consent_opt_out_topics,
        email_double_opt_in=settings.consent_email_double_opt_in,
    )


def build_consent_service(
    settings: Settings, engine: Engine, rules: IdentityRules, clock: Clock
) -> ConsentService:
    """The service as the settings configure it (bootstrap's one call)."""
    public_url = settings.public_url or f"http://{settings.host}:{settings.port}"
    key = signing_key(settings.unsubscribe_secret, settings.database_url)
    return ConsentService(engine, rules, consent_policy(settings), clock, key, public_url)


def build_consent_updater(
    settings: Settings, engine: Engine, rules: IdentityRules, clock: Clock
) -> ConsentUpdater:
    """The log consumer that applies consent events, next to the identity resolver."""
    return ConsentUpdater(engine, rules, consent_policy(settings), clock)
