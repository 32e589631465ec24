"""Wires the process: one call builds the engine and the services from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection, Engine

from omniweave.access.service import KeyVerifier
from omniweave.core.time import Clock, utc_now
from omniweave.identity.model import rules_from_settings
from omniweave.identity.resolver import Resolver
from omniweave.identity.service import IdentityService
from omniweave.ingest.rows import Limits
from omniweave.ingest.service import IngestService
from omniweave.profiles.consent_service import (
    ConsentService,
    build_consent_service,
    build_consent_updater,
)
from omniweave.profiles.consent_updater import ConsentUpdater
from omniweave.profiles.service import ProfileService
from omniweave.profiles.traits_service import TraitUpdater, build_updater
from omniweave.segments.service import SegmentService
from omniweave.settings import Settings
from omniweave.store.engine import build_engine


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    ingest: IngestService
    keys: KeyVerifier
    resolver: Resolver
    identity: IdentityService
    segments: SegmentService
    traits: TraitUpdater
    consents: ConsentService
    consent_updater: ConsentUpdater
    profiles: ProfileService
    extras: dict = field(default_factory=dict)

    def catch_up(self) -> int:
        """One round of the background work: resolve identities, then what derives from them.
        Returns how much was done (0: nothing is waiting)."""
        resolved = self.resolver.catch_up()
        derived = self.consent_updater.catch_up() + self.traits.catch_up()
        return resolved + derived + self.segments.membership.catch_up()

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None, *, clock: Clock = utc_now, engine: Engine | None = None
) -> Container:
    """Everything a process needs; tests pass their own clock or engine."""
    settings = settings or Settings.from_env()
    if engine is None:
        engine = build_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    limits = Limits(
        max_event_bytes=settings.max_event_bytes,
        max_future=timedelta(seconds=settings.max_future_seconds),
    )
    rules = rules_from_settings(
        default_region=settings.identity_default_region,
        gmail_dots=settings.identity_gmail_dots,
        custom_types=settings.identity_custom_types,
        limits=settings.identity_limits,
        blocklist=settings.identity_blocklist,
    )
    priority = [p.strip() for p in settings.trait_source_priority.split(",") if p.strip()]
    traits = build_updater(engine, clock, settings.traits_file)
    consents = build_consent_service(settings, engine, rules, clock)
    segments = SegmentService(engine, clock, consents.policy)

    def profiles_changed(conn: Connection, profile_ids: list[str]) -> None:
        """A split or a model merge does not pass through the log: what derives from
        profiles is brought up to date in the same transaction."""
        traits.recompute(conn, profile_ids)
        segments.membership.recompute(conn, profile_ids)

    identity = IdentityService(engine, rules, clock, priority, profiles_changed)
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        ingest=IngestService(engine, clock, limits),
        keys=KeyVerifier(engine),
        resolver=Resolver(engine, rules, clock, settings.identity_settle_seconds),
        identity=identity,
        segments=segments,
        traits=traits,
        consents=consents,
        consent_updater=build_consent_updater(settings, engine, rules, clock),
        profiles=ProfileService(engine, identity, traits, consents, clock),
    )
