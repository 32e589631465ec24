"""Wires the process: one call builds the engine and the services from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from omniweave.access.service import KeyVerifier
from omniweave.core.time import Clock, utc_now
from omniweave.identity.model import rules_from_settings
from omniweave.identity.resolver import Resolver
from omniweave.identity.service import IdentityService
from omniweave.ingest.rows import Limits
from omniweave.ingest.service import IngestService
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
    extras: dict = field(default_factory=dict)

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
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        ingest=IngestService(engine, clock, limits),
        keys=KeyVerifier(engine),
        resolver=Resolver(engine, rules, clock, settings.identity_settle_seconds),
        identity=IdentityService(engine, rules, clock, priority),
        segments=SegmentService(engine, clock),
    )
