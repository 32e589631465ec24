"""Viber and Telegram bot APIs: delivered, blocked, and flood-controlled."""

from __future__ import annotations

from omniweave.channels.peers.runner import RunningPeers
from tests.integration.channels.conftest import deliver, message


def test_viber_delivers_text_and_a_card_with_a_button(peers: RunningPeers):
    plain = message("viber", "viber-anna==", {"text": "Hello"})
    card = message(
        "viber",
        "viber-boris==",
        {"text": "Pizza Friday", "button_text": "Order", "button_url": "https://pizza.local"},
    )

    receipts = deliver(peers.channels_config(), plain, card)

    assert [r.status for r in receipts] == ["sent", "sent"]
    assert all(r.provider_id and r.provider_id.isdigit() for r in receipts)
    [arrived] = peers.journal.inbox("viber", "viber-boris==")
    assert arrived["body"]["type"] == "rich_media"
    assert arrived["text"] == "Pizza Friday\nOrder"
    assert arrived["body"]["tracking_data"] == card.key


def test_viber_unsubscribed_receiver_bounces(peers: RunningPeers):
    [receipt] = deliver(peers.channels_config(), message("viber", "dead-viber==", {"text": "hi"}))

    assert receipt.status == "bounced" and "status 6" in (receipt.error or "")


def test_telegram_delivers_with_an_inline_button(peers: RunningPeers):
    button = {"text": "Menu", "url": "https://pizza.local/menu"}
    sent = message("telegram", "100200300", {"text": "Hello", "buttons": [button]})

    [receipt] = deliver(peers.channels_config(), sent)

    assert receipt.status == "sent" and receipt.provider_id
    [arrived] = peers.journal.inbox("telegram", "100200300")
    assert arrived["body"]["reply_markup"] == {"inline_keyboard": [[button]]}


def test_telegram_blocked_bounces_and_flood_control_is_retried_later(peers: RunningPeers):
    blocked = message("telegram", "dead-100", {"text": "hi"})
    flooded = message("telegram", "flood-100", {"text": "hi"})

    bounced, later = deliver(peers.channels_config(), blocked, flooded)

    assert bounced.status == "bounced" and "blocked" in (bounced.error or "")
    assert later.status == "failed" and later.retryable and later.retry_after == 3


def test_telegram_refuses_a_button_without_a_link(peers: RunningPeers):
    bad = message("telegram", "100200300", {"text": "hi", "buttons": [{"text": "x", "url": ""}]})

    [receipt] = deliver(peers.channels_config(), bad)

    assert receipt.status == "failed" and not receipt.retryable
    assert "BUTTON_URL_INVALID" in (receipt.error or "")
