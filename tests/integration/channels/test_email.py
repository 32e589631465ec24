"""Email through aiosmtplib into the aiosmtpd mailbox peer."""

from __future__ import annotations

from dataclasses import replace

from omniweave.channels.email import message_id_for
from omniweave.channels.peers.runner import RunningPeers
from tests.integration.channels.conftest import closed_port, deliver, message

LONG_LINK = "https://omniweave.local/unsubscribe/" + "t0k3n" * 30 + "?campaign=spring&p=42"
UNSUBSCRIBE = {
    "List-Unsubscribe": f"<{LONG_LINK}>, <mailto:unsub@omniweave.local>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def test_an_email_arrives_with_text_html_message_id_and_unsubscribe_headers(peers: RunningPeers):
    email = message(
        "email",
        "anna@example.com",
        {"subject": "Pizza Friday", "text": "Two for one", "html": "<p>Two for <b>one</b></p>"},
        headers=UNSUBSCRIBE,
    )
    [receipt] = deliver(peers.channels_config(), email)

    assert receipt.status == "sent"
    assert receipt.provider_id == f"<{email.key}@omniweave>"
    [arrived] = peers.mailbox.messages(to="anna@example.com")
    assert arrived["subject"] == "Pizza Friday"
    assert arrived["text"].strip() == "Two for one"
    assert arrived["html"].strip() == "<p>Two for <b>one</b></p>"
    assert arrived["message_id"] == receipt.provider_id
    # Whole, not folded into RFC 2047 words that mail providers would not decode.
    assert arrived["headers"]["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    raw = next((peers.directory / "mailbox").glob("*.eml")).read_bytes()
    assert f"List-Unsubscribe: <{LONG_LINK}>".encode() in raw
    assert arrived["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert arrived["headers"]["X-Omniweave-Key"] == email.key
    assert "Date" in arrived["headers"]


def test_a_resent_email_is_counted_as_a_duplicate_not_stored_twice(peers: RunningPeers):
    email = message("email", "boris@example.com", {"subject": "Once", "text": "only once"})
    before = peers.mailbox.duplicates

    receipts = deliver(peers.channels_config(), email, email)

    assert [r.status for r in receipts] == ["sent", "sent"]
    assert len(peers.mailbox.messages(to="boris@example.com")) == 1
    assert peers.mailbox.duplicates == before + 1
    eml_files = list((peers.directory / "mailbox").glob("*.eml"))
    assert len(eml_files) == len(peers.mailbox.messages())


def test_a_refused_mailbox_bounces_and_a_full_one_is_retried(peers: RunningPeers):
    dead = message("email", "dead.end@example.com", {"subject": "x", "text": "x"})
    busy = message("email", "busy.bee@example.com", {"subject": "x", "text": "x"})

    bounced, later = deliver(peers.channels_config(), dead, busy)

    assert bounced.status == "bounced" and "550" in (bounced.error or "")
    assert later.status == "failed" and later.retryable and "452" in (later.error or "")
    assert peers.mailbox.messages(to="dead.end@example.com") == []


def test_no_smtp_server_is_a_retryable_failure(peers: RunningPeers):
    config = peers.channels_config()
    config = replace(config, email=replace(config.email, port=closed_port(), timeout=1.0))

    [receipt] = deliver(config, message("email", "anna@example.com", {"subject": "s", "text": "t"}))

    assert receipt.status == "failed" and receipt.retryable


def test_a_key_unfit_for_a_message_id_is_made_safe_and_stays_distinct():
    assert message_id_for("camp-1:anna") != message_id_for("camp-1/anna")
    assert message_id_for("camp-1:anna").startswith("<camp-1-anna.")
    assert message_id_for("plain-key_1.2") == "<plain-key_1.2@omniweave>"
