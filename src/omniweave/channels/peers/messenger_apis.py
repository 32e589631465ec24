"""Viber's and Telegram's bot APIs, with their validation and their "blocked" answers.

Receivers and chat ids starting with ``dead`` have left or blocked the bot; Telegram chat ids
starting with ``flood`` get 429 with ``retry_after``, as Telegram does under flood control.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from omniweave.channels.peers.journal import Journal, PeerCredentials
from omniweave.channels.peers.wire import json_object

VIBER_TYPES = ("text", "rich_media", "picture", "video", "file", "url", "contact", "location")
MAX_TELEGRAM_TEXT = 4096


def messenger_router(journal: Journal, credentials: PeerCredentials) -> APIRouter:
    router = APIRouter(tags=["messengers"])
    ids = itertools.count(int(time.time()) * 1000)

    @router.post("/viber/pa/send_message")
    async def viber_send(request: Request) -> dict[str, Any]:
        if request.headers.get("x-viber-auth-token") != credentials.viber_auth_token:
            return {"status": 2, "status_message": "invalidAuthToken"}
        body = await json_object(request)
        problem = viber_problem(body)
        if problem or body is None:
            return {"status": 3, "status_message": f"badData: {problem}"}
        receiver = str(body["receiver"])
        if receiver.startswith("dead"):
            return {"status": 6, "status_message": "notSubscribed"}
        key = body.get("tracking_data") or request.headers.get("idempotency-key")
        earlier = journal.seen("viber", key)
        if earlier is None:
            text = _viber_text(body)
            earlier = journal.record("viber", key, receiver, body, text=text, provider_id=next(ids))
        return {"status": 0, "status_message": "ok", "message_token": earlier["provider_id"]}

    @router.post("/telegram/bot{token}/sendMessage")
    async def telegram_send(token: str, request: Request) -> JSONResponse:
        if token != credentials.telegram_bot_token:
            return _telegram_error(401, "Unauthorized")
        body = await json_object(request)
        problem = telegram_problem(body)
        if problem or body is None:
            return _telegram_error(400, f"Bad Request: {problem}")
        chat_id = str(body["chat_id"])
        if chat_id.startswith("dead"):
            return _telegram_error(403, "Forbidden: bot was blocked by the user")
        if chat_id.startswith("flood"):
            return _telegram_error(429, "Too Many Requests: retry after 3", retry_after=3)
        key = request.headers.get("idempotency-key")
        earlier = journal.seen("telegram", key)
        if earlier is None:
            earlier = journal.record("telegram", key, chat_id, body, provider_id=next(ids))
        chat = {"id": chat_id, "type": "private"}
        result = {"message_id": earlier["provider_id"], "chat": chat, "text": body["text"]}
        return JSONResponse({"ok": True, "result": {**result, "date": int(time.time())}})

    return router


def viber_problem(body: dict[str, Any] | None) -> str | None:
    if body is None:
        return "the body must be a JSON object"
    if not body.get("receiver"):
        return "receiver is required"
    sender = body.get("sender")
    if not isinstance(sender, dict) or not 0 < len(str(sender.get("name", ""))) <= 28:
        return "sender.name is required (28 characters at most)"
    kind = body.get("type")
    if kind not in VIBER_TYPES:
        return f"type must be one of {', '.join(VIBER_TYPES)}"
    if kind == "text" and not str(body.get("text", "")).strip():
        return "text is required for a text message"
    if kind == "rich_media":
        buttons = (body.get("rich_media") or {}).get("Buttons")
        if not isinstance(buttons, list) or not buttons:
            return "rich_media.Buttons is required"
        if any(b.get("ActionType") == "open-url" and not b.get("ActionBody") for b in buttons):
            return "an open-url button needs ActionBody"
    return None


def telegram_problem(body: dict[str, Any] | None) -> str | None:
    if body is None:
        return "the body must be a JSON object"
    if body.get("chat_id") in (None, ""):
        return "chat_id is empty"
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return "message text is empty"
    if len(text) > MAX_TELEGRAM_TEXT:
        return "message is too long"
    markup = body.get("reply_markup")
    if markup is not None:
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            return 'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array'
        for button in itertools.chain.from_iterable(rows):
            if not isinstance(button, dict) or not button.get("text"):
                return "text buttons are unallowed in the inline keyboard"
            if not str(button.get("url", "")).startswith(("http://", "https://", "tg://")):
                return "BUTTON_URL_INVALID"
    return None


def _viber_text(body: dict[str, Any]) -> str:
    if body.get("type") != "rich_media":
        return str(body.get("text", ""))
    buttons = body["rich_media"]["Buttons"]
    return "\n".join(str(b.get("Text", "")) for b in buttons if b.get("Text"))


def _telegram_error(status: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status)
