"""Wires the process: one call builds the engine and the services from settings."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta

from sqlalchemy import Connection, Engine

from omniweave.access.rate import RateLimiter, limit_from
from omniweave.access.service import KeyVerifier
from omniweave.analytics.service import AnalyticsService
from omniweave.channels.model import Adapter
from omniweave.channels.registry import Adapters, ChannelsConfig
from omniweave.commerce.announce import Audience
from omniweave.commerce.carts import Carts
from omniweave.commerce.catalog_service import CatalogService
from omniweave.commerce.orders import OrderService
from omniweave.core.time import Clock, utc_now
from omniweave.identity.model import rules_from_settings
from omniweave.identity.resolver import Resolver
from omniweave.identity.service import IdentityService
from omniweave.ingest.bus import BusConfig, EventBus, LogWriter
from omniweave.ingest.rows import Limits
from omniweave.ingest.service import IngestService
from omniweave.journeys.runtime import JourneyRuntime
from omniweave.journeys.service import JourneyService
from omniweave.messaging.alerts import Alerts, SourceWatch
from omniweave.messaging.campaigns import CampaignService
from omniweave.messaging.configure import channels_config, rate_limits, send_policy
from omniweave.messaging.receipts import Receipts
from omniweave.messaging.rendering import Renderer
from omniweave.messaging.sender import Sender
from omniweave.messaging.service import MessagingService
from omniweave.pricing.coupon_service import CouponService
from omniweave.pricing.loyalty import LoyaltyService
from omniweave.pricing.program import loyalty_from_settings
from omniweave.pricing.promotions import PromotionService
from omniweave.pricing.service import PricingService
from omniweave.privacy.service import PrivacyService
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
    messaging: MessagingService
    campaigns: CampaignService
    receipts: Receipts
    alerts: Alerts
    source_watch: SourceWatch
    channels: ChannelsConfig
    journeys: JourneyService
    catalog: CatalogService
    carts: Carts
    orders: OrderService
    pricing: PricingService
    promotions: PromotionService
    coupons: CouponService
    loyalty: LoyaltyService
    privacy: PrivacyService
    rates: RateLimiter
    analytics: AnalyticsService
    bus: EventBus | None = None  # set: the Tracking API publishes to NATS JetStream
    extras: dict = field(default_factory=dict)

    def log_writer(self) -> LogWriter | None:
        """With the bus on: the consumer that writes its events into the log (build it in
        the event loop that will run it)."""
        if self.bus is None:
            return None
        return LogWriter(self.bus.config, self.ingest.append)

    def sender(self, adapters: Mapping[str, Adapter] | None = None) -> Sender:
        """The outbox worker over the configured providers (build it inside the event loop
        that will run it: the adapters' connection pools belong to that loop)."""
        s = self.settings
        return Sender(
            self.engine,
            self.clock,
            self.messaging,
            Adapters.from_config(self.channels) if adapters is None else adapters,
            self.alerts,
            rates=rate_limits(s.channel_rate_limits),
            alert_email=s.alert_email,
            alert_webhook=s.alert_webhook_url,
            installation=hashlib.sha256(self.consents.link_key).hexdigest()[:10],
            lease=timedelta(seconds=s.outbox_lease_seconds),
        )

    def catch_up(self) -> int:
        """One round of the background work: resolve identities, then what derives from them.
        Returns how much was done (0: nothing is waiting)."""
        resolved = self.resolver.catch_up()
        derived = self.consent_updater.catch_up() + self.traits.catch_up()
        derived += self.carts.catch_up() + self.orders.sweep()
        derived += self.segments.membership.catch_up()
        runtime = self.journeys.runtime
        acted = runtime.catch_up() + runtime.wake_due() + runtime.fire_schedules()
        acted += self.loyalty.catch_up() + self.loyalty.sweep()
        return resolved + derived + acted + self.campaigns.run_due(max_chunks=20)

    def close(self) -> None:
        self.engine.dispose()


def sms_reports_path(key: bytes) -> str:
    """Where the SMS gateway posts delivery reports: a path signed with the link key (a
    gateway cannot send our API keys, and nobody else can guess it)."""
    digest = hmac.new(key, b"sms-delivery-reports", hashlib.sha256).hexdigest()[:32]
    return f"/api/channels/sms/reports/{digest}"


def erasure_key(key: bytes) -> bytes:
    """Hashes erased identifiers (privacy): derived from the installation's secret, so the
    hashes cannot be matched against guessed emails without it. Changing
    ``OMNIWEAVE_UNSUBSCRIBE_SECRET`` forgets which identifiers were erased."""
    return hmac.new(key, b"erased-identifiers", hashlib.sha256).digest()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    engine: Engine | None = None,
    channels: ChannelsConfig | None = None,
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
    carts = Carts(
        engine,
        clock,
        consents.link_key,
        window=timedelta(days=settings.cart_window_days),
        token_ttl=timedelta(seconds=settings.cart_token_seconds),
    )
    audience = Audience(settings.catalog_notify_limit, timedelta(days=settings.cart_window_days))

    def profiles_changed(conn: Connection, profile_ids: list[str]) -> None:
        """A split or a model merge does not pass through the log: what derives from
        profiles is brought up to date in the same transaction."""
        traits.recompute(conn, profile_ids)
        carts.recompute(conn, profile_ids)
        segments.membership.recompute(conn, profile_ids)

    identity = IdentityService(engine, rules, clock, priority, profiles_changed)
    public_url = consents.public_url
    if channels is None:
        callback = public_url + sms_reports_path(consents.link_key)
        channels = channels_config(settings, callback)
    alerts = Alerts()
    messaging = MessagingService(
        engine,
        clock,
        consents,
        send_policy(settings, "transactional"),
        Renderer(public_url, consents.link_key),
        frozenset(f.name for f in fields(channels) if getattr(channels, f.name) is not None),
    )
    loyalty = loyalty_from_settings(settings)
    erased = erasure_key(consents.link_key)
    profile_service = ProfileService(engine, identity, traits, consents, clock)
    privacy = PrivacyService(engine, clock, profile_service, rules, erased)
    campaigns = CampaignService(engine, clock, messaging)
    journeys = JourneyService(engine, clock, JourneyRuntime(engine, clock, messaging, segments))
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        ingest=IngestService(engine, clock, limits, guard=privacy.guard_records),
        keys=KeyVerifier(engine),
        resolver=Resolver(engine, rules, clock, settings.identity_settle_seconds, erased),
        identity=identity,
        segments=segments,
        traits=traits,
        consents=consents,
        consent_updater=build_consent_updater(settings, engine, rules, clock),
        profiles=profile_service,
        messaging=messaging,
        campaigns=campaigns,
        receipts=Receipts(engine, clock, messaging, consents.link_key),
        alerts=alerts,
        source_watch=SourceWatch(engine, clock, alerts),
        channels=channels,
        journeys=journeys,
        analytics=AnalyticsService(
            engine, clock, campaigns, journeys, settings.analytics_window_days
        ),
        catalog=CatalogService(engine, clock, audience),
        carts=carts,
        orders=OrderService(
            engine, clock, limits, timedelta(hours=settings.pickup_hold_hours), audience
        ),
        pricing=PricingService(
            engine,
            clock,
            rules,
            loyalty,
            settings.pricing_timezone,
            settings.pricing_allow_price_override,
        ),
        promotions=PromotionService(engine, clock),
        coupons=CouponService(engine, clock, consents.link_key),
        loyalty=LoyaltyService(engine, clock, loyalty, settings.pricing_timezone),
        privacy=privacy,
        rates=RateLimiter(limit_from(settings.ingest_rate_per_second, settings.ingest_burst)),
        bus=bus_of(settings),
    )


def bus_of(settings: Settings) -> EventBus | None:
    if not settings.ingest_bus_url:
        return None
    return EventBus(
        BusConfig(
            settings.ingest_bus_url,
            stream=settings.ingest_bus_stream,
            subject=settings.ingest_bus_subject,
        )
    )
