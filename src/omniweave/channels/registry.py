"""Which adapter serves which channel, built from configuration in one call.

A channel without configuration has no adapter; the messaging layer sees that as "this channel
is not available here" rather than failing at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Self

from omniweave.channels.email import SmtpAdapter, SmtpConfig
from omniweave.channels.messengers import TelegramAdapter, TelegramConfig, ViberAdapter, ViberConfig
from omniweave.channels.model import Adapter
from omniweave.channels.push import PushAdapter, PushConfig
from omniweave.channels.sms import SmsGatewayAdapter, SmsGatewayConfig
from omniweave.channels.webhook import WebhookAdapter, WebhookConfig
from omniweave.channels.webpush import WebPushAdapter, WebPushConfig


@dataclass(frozen=True)
class ChannelsConfig:
    email: SmtpConfig | None = None
    sms: SmsGatewayConfig | None = None
    push: PushConfig | None = None
    web_push: WebPushConfig | None = None
    viber: ViberConfig | None = None
    telegram: TelegramConfig | None = None
    webhook: WebhookConfig | None = None


class Adapters(Mapping[str, Adapter]):
    """channel → adapter; close it (or use ``async with``) to release connection pools."""

    def __init__(self, adapters: Mapping[str, Adapter]) -> None:
        self._adapters = dict(adapters)

    @classmethod
    def from_config(cls, config: ChannelsConfig) -> Adapters:
        built: list[Adapter] = []
        if config.email:
            built.append(SmtpAdapter(config.email))
        if config.sms:
            built.append(SmsGatewayAdapter(config.sms))
        if config.push:
            built.append(PushAdapter(config.push))
        if config.web_push:
            built.append(WebPushAdapter(config.web_push))
        if config.viber:
            built.append(ViberAdapter(config.viber))
        if config.telegram:
            built.append(TelegramAdapter(config.telegram))
        if config.webhook:
            built.append(WebhookAdapter(config.webhook))
        return cls({adapter.channel: adapter for adapter in built})

    def __getitem__(self, channel: str) -> Adapter:
        return self._adapters[channel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._adapters)

    def __len__(self) -> int:
        return len(self._adapters)

    async def aclose(self) -> None:
        for adapter in self._adapters.values():
            close = getattr(adapter, "aclose", None)
            if close is not None:
                await close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
