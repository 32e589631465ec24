"""The messaging part of the settings: the decision's policy, the providers' configuration
and their rate limits. A wrong setting is refused at start-up, naming it."""

from __future__ import annotations

from omniweave.channels.email import SmtpConfig
from omniweave.channels.messengers import TelegramConfig, ViberConfig
from omniweave.channels.push import PushConfig
from omniweave.channels.registry import ChannelsConfig
from omniweave.channels.sms import SmsGatewayConfig
from omniweave.channels.webhook import WebhookConfig
from omniweave.channels.webpush import WebPushConfig
from omniweave.core.errors import FieldError, InvalidInput
from omniweave.messaging.model import SendPolicy
from omniweave.messaging.policy import policy_from_settings
from omniweave.settings import Settings

# The policy parser names its arguments; the user knows the settings.
_SETTING_OF = {
    "cascade": "OMNIWEAVE_SEND_CASCADE",
    "costs": "OMNIWEAVE_CHANNEL_COSTS",
    "caps": "OMNIWEAVE_FREQUENCY_CAPS",
    "quiet_hours": "OMNIWEAVE_QUIET_HOURS",
    "default_timezone": "OMNIWEAVE_DEFAULT_TIMEZONE",
}


def send_policy(settings: Settings, transactional_topics: str) -> SendPolicy:
    try:
        return _policy(settings, transactional_topics)
    except InvalidInput as error:
        raise InvalidInput(
            [FieldError(_SETTING_OF.get(e.field, e.field), e.message) for e in error.errors]
        ) from None


def _policy(settings: Settings, transactional_topics: str) -> SendPolicy:
    return policy_from_settings(
        cascade=settings.send_cascade,
        costs=settings.channel_costs,
        caps=settings.frequency_caps,
        quiet_hours=settings.quiet_hours,
        default_timezone=settings.default_timezone,
        prefer_preferred_channel=settings.prefer_preferred_channel,
        prefer_cheapest=settings.prefer_cheapest,
        transactional_topics=transactional_topics,
    )


def channels_config(settings: Settings, sms_callback_url: str | None) -> ChannelsConfig:
    """Each provider whose settings are given; the others stay unconfigured."""
    s = settings
    push = None
    if s.fcm_project or s.apns_topic:
        push = PushConfig(
            fcm_project=s.fcm_project or None,
            fcm_access_token=s.fcm_access_token or None,
            fcm_url=s.fcm_url,
            apns_topic=s.apns_topic or None,
            apns_token=s.apns_token or None,
            apns_url=s.apns_url,
        )
    return ChannelsConfig(
        email=(
            SmtpConfig(
                s.smtp_host,
                s.smtp_port,
                s.smtp_sender,
                s.smtp_username or None,
                s.smtp_password or None,
                s.smtp_start_tls,
            )
            if s.smtp_host
            else None
        ),
        sms=(
            SmsGatewayConfig(s.sms_gateway_url, s.sms_api_key, s.sms_sender, sms_callback_url)
            if s.sms_gateway_url
            else None
        ),
        push=push,
        web_push=(
            WebPushConfig(
                s.vapid_private_key, s.vapid_subject, allow_private=s.webhook_allow_private
            )
            if s.vapid_private_key
            else None
        ),
        viber=ViberConfig(s.viber_token, s.viber_sender, s.viber_url) if s.viber_token else None,
        telegram=TelegramConfig(s.telegram_token, s.telegram_url) if s.telegram_token else None,
        webhook=(
            WebhookConfig(s.webhook_secret, s.webhook_allow_private) if s.webhook_secret else None
        ),
    )


def rate_limits(raw: str) -> dict[str, float]:
    """``"sms=20,email=100"``: sends per second per channel."""
    found: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        channel, _, value = item.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = 0.0
        if not channel.strip() or rate <= 0:
            raise InvalidInput.one("channel_rate_limits", f"{item!r}: write channel=per_second")
        found[channel.strip()] = rate
    return found
