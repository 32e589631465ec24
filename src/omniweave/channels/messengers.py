"""Viber and Telegram through their bot HTTP APIs.

Viber answers HTTP 200 with a ``status`` code inside; Telegram answers ``{"ok": ...}`` with an
HTTP status. Both say when a person has blocked or left the bot, which is a bounce: that
address will not take messages again until the person comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from omniweave.channels.model import Outgoing, Receipt, bounced, failed, sent
from omniweave.channels.provider_http import HttpAdapter, failure, json_body, post

VIBER_OK = 0
VIBER_GONE = {5: "receiverNotRegistered", 6: "receiverNotSubscribed"}
VIBER_BUSY = 12  # tooManyRequests


@dataclass(frozen=True)
class ViberConfig:
    auth_token: str
    sender_name: str
    url: str = "https://chatapi.viber.com"
    timeout: float = 10.0


@dataclass(frozen=True)
class TelegramConfig:
    bot_token: str
    url: str = "https://api.telegram.org"
    timeout: float = 10.0


def viber_body(message: Outgoing, sender_name: str) -> dict[str, Any]:
    """A text message, or a rich-media card (text above a link button) when one is given."""
    content = message.content
    text = str(content.get("text", ""))
    body: dict[str, Any] = {
        "receiver": message.address,
        "sender": {"name": sender_name[:28]},
        "tracking_data": message.key,  # Viber echoes it in its delivery callbacks
    }
    if not (content.get("button_text") and content.get("button_url")):
        return {**body, "type": "text", "text": text}
    buttons = [
        {"Columns": 6, "Rows": 5, "ActionType": "none", "Text": text, "TextSize": "medium"},
        {
            "Columns": 6,
            "Rows": 1,
            "ActionType": "open-url",
            "ActionBody": str(content["button_url"]),
            "Text": str(content["button_text"]),
        },
    ]
    card = {"Type": "rich_media", "ButtonsGroupColumns": 6, "ButtonsGroupRows": 6}
    return {
        **body,
        "type": "rich_media",
        "min_api_version": 2,
        "rich_media": {**card, "Buttons": buttons},
    }


def telegram_body(message: Outgoing) -> dict[str, Any]:
    body: dict[str, Any] = {"chat_id": message.address, "text": str(message.content.get("text"))}
    buttons = message.content.get("buttons") or []
    if buttons:
        rows = [[{"text": str(b["text"]), "url": str(b["url"])}] for b in buttons]
        body["reply_markup"] = {"inline_keyboard": rows}
    return body


class ViberAdapter(HttpAdapter):
    channel = "viber"

    def __init__(self, config: ViberConfig, client: httpx.AsyncClient | None = None) -> None:
        super().__init__(config.timeout, client)
        self.config = config

    async def send(self, message: Outgoing) -> Receipt:
        cfg = self.config
        response = await post(
            self._client,
            f"{cfg.url.rstrip('/')}/pa/send_message",
            json=viber_body(message, cfg.sender_name),
            headers={"X-Viber-Auth-Token": cfg.auth_token, "Idempotency-Key": message.key},
        )
        if isinstance(response, Receipt):
            return response
        if not response.is_success:
            return failure(response)
        answer = json_body(response)
        status = answer.get("status")
        detail = f"Viber status {status}: {answer.get('status_message', '')}"
        if status == VIBER_OK:
            token = answer.get("message_token")
            return sent(str(token) if token is not None else None)
        if status in VIBER_GONE:
            return bounced(detail)
        return failed(detail, retryable=status == VIBER_BUSY)


class TelegramAdapter(HttpAdapter):
    channel = "telegram"

    def __init__(self, config: TelegramConfig, client: httpx.AsyncClient | None = None) -> None:
        super().__init__(config.timeout, client)
        self.config = config

    async def send(self, message: Outgoing) -> Receipt:
        cfg = self.config
        if not message.content.get("text"):
            return failed("a Telegram message needs text")
        try:
            body = telegram_body(message)
        except (KeyError, TypeError) as exc:
            return failed(f"each button needs text and url: {exc!r}")
        response = await post(
            self._client,
            f"{cfg.url.rstrip('/')}/bot{cfg.bot_token}/sendMessage",
            json=body,
            headers={"Idempotency-Key": message.key},
        )
        if isinstance(response, Receipt):
            return response
        answer = json_body(response)
        if response.is_success and answer.get("ok"):
            result = answer.get("result") or {}
            return sent(str(result.get("message_id")) if "message_id" in result else None)
        description = str(answer.get("description", ""))
        if response.status_code == 403 or "chat not found" in description.lower():
            return bounced(f"HTTP {response.status_code}: {description}")
        if response.status_code == 429:
            wait = (answer.get("parameters") or {}).get("retry_after")
            return failed(
                f"HTTP 429: {description}",
                retryable=True,
                retry_after=float(wait) if isinstance(wait, int | float) else None,
            )
        return failure(response, description or None)
