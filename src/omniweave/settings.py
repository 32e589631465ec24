"""Settings come from environment variables only; each one is listed in docs/configuration.md."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

DEFAULT_DATABASE_URL = "sqlite:///./omniweave.db"


@dataclass(frozen=True)
class Settings:
    """The process's configuration. ``from_env`` reads ``OMNIWEAVE_<FIELD>`` for each field."""

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # Segment's documented limits: 32 KB an event, 500 KB a batch request.
    max_event_bytes: int = 32 * 1024
    max_batch_bytes: int = 500 * 1024
    # An event whose corrected timestamp is further than this past its arrival is refused.
    max_future_seconds: int = 24 * 3600
    # SQLite's synchronous pragma: FULL makes every acknowledged event survive a power cut.
    sqlite_synchronous: str = "FULL"
    # An extra delay before the resolver reads an event (an operator's margin). Events that
    # commit out of id order on PostgreSQL are handled without it (store/log_horizon.py).
    identity_settle_seconds: float = 0.0
    # How often the server looks for new events to resolve into profiles; 0 turns it off
    # (run ``omniweave worker`` instead).
    resolver_interval_seconds: float = 1.0
    # Identity resolution: the region a phone without a country code is read in; Gmail's
    # ignored dots; extra identifier types (from context.externalIds) that join profiles;
    # merge limits ("email=3,phone=2") over the defaults; extra junk values ("email:x@y.ru").
    identity_default_region: str = "RU"
    identity_gmail_dots: bool = False
    identity_custom_types: str = ""
    identity_limits: str = ""
    identity_blocklist: str = ""
    # Source names or kinds whose traits win over later values from others, most trusted first
    # (comma-separated, e.g. "crm,loyalty"); empty: the latest value wins.
    trait_source_priority: str = ""
    # Consents: the topics a person can subscribe to; those among them that need no opt-in
    # (a revoke still blocks them); whether email marketing needs a confirmed double opt-in.
    consent_topics: str = "marketing,news,transactional"
    consent_opt_out_topics: str = "transactional"
    consent_email_double_opt_in: bool = False
    # Signs one-click unsubscribe links. Empty: derived from the database URL (development
    # only; production must set a long random secret, and keep it: changing it breaks links).
    unsubscribe_secret: str = ""
    # The address people and mail providers reach the server at (unsubscribe links); empty:
    # http://HOST:PORT.
    public_url: str = ""
    # Signs the web UI's session cookie. Empty: a random secret generated once and kept in the
    # database (table ui_secrets), so every process on one database signs alike.
    session_secret: str = ""
    # How long a web UI session lasts after signing in.
    session_hours: float = 12.0
    # Ingestion requests a second per key (/v1/*, POST /api/customers, /api/orders; a batch is
    # one request) and the burst allowed at once; 0: no limit. Per process: with N uvicorn
    # workers the installation allows N times this. A key's own limit (keys create --rate)
    # wins over it.
    ingest_rate_per_second: float = 0.0
    ingest_burst: int = 0
    log_level: str = "INFO"
    log_json: bool = True
    demo_keys_file: str = "./.omniweave/demo-keys.json"
    # Computed trait definitions (YAML); empty: the ones Omniweave ships
    # (src/omniweave/profiles/default_traits.yaml).
    traits_file: str = ""

    # The send decision: the channel cascade (cheapest reachable first), prices per message
    # ("sms=2.00,viber=0.80"), frequency caps ("all=3/week,sms=1/day"), quiet hours in the
    # person's own zone ("21:00-09:00"), the zone of people whose zone is unknown, whether
    # the person's preferred channel or the cheapest goes first.
    send_cascade: str = "push,email,web_push,viber,sms"
    channel_costs: str = ""
    analytics_window_days: int = 7  # a paid order this long after a message converts it
    frequency_caps: str = ""
    quiet_hours: str = ""
    default_timezone: str = "UTC"
    prefer_preferred_channel: bool = False
    prefer_cheapest: bool = False
    # A sender holds a message this long; if it dies mid-send, another sends it again after
    # (with the same idempotency key, which the provider uses to drop the repeat).
    outbox_lease_seconds: float = 60.0
    # Sends per second per channel ("sms=20,email=100"); unset channels are not limited.
    channel_rate_limits: str = ""
    # Providers. A channel without its settings has no adapter (its messages fail over to the
    # next channel). ``omniweave serve --peers`` points all of them at local stand-in peers.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "Omniweave <noreply@localhost>"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_start_tls: bool = False
    sms_gateway_url: str = ""
    sms_api_key: str = ""
    sms_sender: str = "Omniweave"
    fcm_url: str = "https://fcm.googleapis.com"
    fcm_project: str = ""
    fcm_access_token: str = ""
    apns_url: str = "https://api.push.apple.com"
    apns_topic: str = ""
    apns_token: str = ""
    vapid_private_key: str = ""
    vapid_subject: str = "mailto:admin@localhost"
    viber_url: str = "https://chatapi.viber.com"
    viber_token: str = ""
    viber_sender: str = "Omniweave"
    telegram_url: str = "https://api.telegram.org"
    telegram_token: str = ""
    webhook_secret: str = ""
    # Webhooks to private, loopback and link-local addresses are refused unless this is on.
    webhook_allow_private: bool = False
    # Pricing: the zone promotion windows are read in when neither the promotion nor the store
    # names one; whether a cart line may carry its own price (a till's manual price).
    pricing_timezone: str = "UTC"
    pricing_allow_price_override: bool = False
    # Loyalty: points per 100 paid (base rate); tiers "silver:10000:7,gold:50000:10" (name,
    # spend over the window, points per 100 paid); the window in days; days before earned
    # points expire (0: never); points given on a birthday (0: none); the share of a cart's
    # total payable with points (one point is one unit of the currency).
    loyalty_earn_percent: float = 5.0
    loyalty_tiers: str = ""
    loyalty_tier_window_days: int = 365
    loyalty_points_expire_days: int = 365
    loyalty_birthday_points: int = 0
    loyalty_max_spend_percent: float = 50.0
    # Where the admin hears that a provider or a source keeps failing.
    alert_email: str = ""
    alert_webhook_url: str = ""
    # NATS JetStream in front of the log (e.g. nats://127.0.0.1:4222): the Tracking API answers
    # once JetStream stored a request's events, and workers write them to the log. Empty: the
    # API writes the log itself. The stream and subject are created if missing.
    ingest_bus_url: str = ""
    ingest_bus_stream: str = "OMNIWEAVE_EVENTS"
    ingest_bus_subject: str = "omniweave.events"
    # Where batch jobs run on Spark (``identity match --spark``): local[2] on this machine, or
    # a cluster's master URL (spark://host:7077, yarn, k8s://...).
    spark_master: str = "local[2]"
    # Commerce: how long a buy-online-pick-up-in-store order holds its stock before the
    # worker releases it and cancels the order; how long a cart token (the app's QR code for
    # the till) is valid; how far back cart events count; at most how many people (cart
    # holders first, then recent viewers) one Back In Stock or Price Dropped is told to.
    pickup_hold_hours: float = 48.0
    cart_token_seconds: int = 600
    cart_window_days: int = 30
    catalog_notify_limit: int = 1000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"OMNIWEAVE_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            elif f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def setting_names() -> list[str]:
    """Every environment variable Omniweave reads (the docs contract test uses this)."""
    return [f"OMNIWEAVE_{f.name.upper()}" for f in fields(Settings)]
