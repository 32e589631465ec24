"""Mobile push in FCM HTTP v1 and APNs formats, checked by the peer as Google and Apple do."""

from __future__ import annotations

import httpx

from omniweave.channels.peers.runner import RunningPeers
from omniweave.channels.push import apns_id_for, platform_for
from tests.integration.channels.conftest import deliver, message

APNS_TOKEN = "a1" * 32
NOTIFICATION = {"title": "Pizza Friday", "body": "Two for one", "deep_link": "pizza://menu/42"}


def test_fcm_accepts_the_v1_message_with_string_data(peers: RunningPeers):
    push = message("push", "fcm-token-anna-1", NOTIFICATION, meta={"platform": "fcm"})

    [receipt] = deliver(peers.channels_config(), push)

    assert receipt.status == "sent"
    assert receipt.provider_id.startswith("projects/omniweave-demo/messages/")
    [arrived] = peers.journal.inbox("push", "fcm-token-anna-1")
    assert arrived["body"]["notification"] == {"title": "Pizza Friday", "body": "Two for one"}
    assert arrived["body"]["data"] == {"deep_link": "pizza://menu/42", "omniweave_key": push.key}


def test_apns_accepts_the_alert_with_its_headers(peers: RunningPeers):
    push = message("push", APNS_TOKEN, {**NOTIFICATION, "data": {"order": 7}})

    [receipt] = deliver(peers.channels_config(), push)

    assert receipt.status == "sent" and receipt.provider_id == apns_id_for(push.key)
    [arrived] = peers.journal.inbox("push", APNS_TOKEN)
    assert arrived["body"]["aps"] == {
        "alert": {"title": "Pizza Friday", "body": "Two for one"},
        "sound": "default",
    }
    assert arrived["body"]["omniweave_key"] == push.key and arrived["body"]["order"] == 7


def test_a_resent_push_is_recognised_by_its_apns_id(peers: RunningPeers):
    token = "b2" * 32
    push = message("push", token, NOTIFICATION)

    first, again = deliver(peers.channels_config(), push, push)

    assert first.provider_id == again.provider_id
    assert len(peers.journal.inbox("push", token)) == 1


def test_unregistered_tokens_bounce_on_both_platforms(peers: RunningPeers):
    fcm = message("push", "dead-fcm-token", NOTIFICATION)
    apns = message("push", "deadbeef" + "0" * 56, NOTIFICATION)

    receipts = deliver(peers.channels_config(), fcm, apns)

    assert [r.status for r in receipts] == ["bounced", "bounced"]
    assert "NOT_FOUND" in (receipts[0].error or "") and "Unregistered" in (receipts[1].error or "")


def test_an_invalid_fcm_token_bounces_but_a_malformed_payload_only_fails(peers: RunningPeers):
    bad_token = message("push", "short", NOTIFICATION, meta={"platform": "fcm"})
    too_big = message("push", "fcm-token-anna-1", {**NOTIFICATION, "body": "x" * 5000})

    token_receipt, payload_receipt = deliver(peers.channels_config(), bad_token, too_big)

    assert token_receipt.status == "bounced"
    assert payload_receipt.status == "failed" and not payload_receipt.retryable
    assert "400" in (payload_receipt.error or "")


def test_the_peer_refuses_non_string_data_as_fcm_does(peers: RunningPeers):
    c = peers.credentials
    answer = httpx.post(
        f"{peers.http_url}/fcm/v1/projects/{c.fcm_project}/messages:send",
        headers={"Authorization": f"Bearer {c.fcm_access_token}"},
        json={"message": {"token": "fcm-token-anna-1", "data": {"order": 7}}},
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][1]["fieldViolations"][0]["field"] == "message.data[order].value"


def test_an_oversized_apns_payload_fails(peers: RunningPeers):
    [receipt] = deliver(
        peers.channels_config(), message("push", APNS_TOKEN, {**NOTIFICATION, "body": "x" * 5000})
    )

    assert receipt.status == "failed" and "413" in (receipt.error or "")


def test_the_platform_comes_from_meta_then_from_the_token_shape():
    assert platform_for(message("push", APNS_TOKEN, {})) == "apns"
    assert platform_for(message("push", "abc:def", {})) == "fcm"
    assert platform_for(message("push", APNS_TOKEN, {}, meta={"platform": "android"})) == "fcm"
