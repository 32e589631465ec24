"""Signed webhooks, the SSRF guard, and what provider failures turn into."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import pytest

from omniweave.channels.egress import is_public_address
from omniweave.channels.model import Outgoing
from omniweave.channels.peers.runner import RunningPeers
from omniweave.channels.webhook import WebhookAdapter, WebhookConfig, sign, verify_signature
from tests.integration.channels.conftest import closed_port, deliver, message

ORDER = {"body": {"event": "order_paid", "order_id": 42, "total": "1290.00"}}


def test_a_webhook_arrives_with_a_signature_that_verifies(peers: RunningPeers):
    hook = message("webhook", f"{peers.http_url}/webhook/crm", ORDER)

    [receipt] = deliver(peers.channels_config(webhook_secret="s3cret"), hook)

    assert receipt.status == "sent"
    [arrived] = peers.journal.inbox("webhook", "crm")
    headers = arrived["headers"]
    assert arrived["body"] == ORDER["body"] and headers["idempotency-key"] == hook.key
    timestamp, signature = headers["x-omniweave-timestamp"], headers["x-omniweave-signature"]
    now = float(timestamp) + 5
    assert verify_signature("s3cret", timestamp, arrived["raw"], signature, 300, now)
    assert not verify_signature("other", timestamp, arrived["raw"], signature, 300, now)
    assert not verify_signature("s3cret", timestamp, arrived["raw"] + " ", signature, 300, now)
    assert not verify_signature("s3cret", timestamp, arrived["raw"], signature, 300, now + 600)


def test_a_rotated_secret_still_verifies_with_either_signature():
    body, timestamp = b'{"a":1}', 1_700_000_000
    header = f"{sign('new', timestamp, body)}, {sign('old', timestamp, body)}"

    assert verify_signature("old", timestamp, body, header, 300, timestamp)
    assert not verify_signature("x", "not-a-time", body, header, 300, timestamp)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://localhost/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_webhooks_to_inward_addresses_are_refused(url: str):
    hook = Outgoing("k-ssrf", "webhook", url, ORDER)

    async def run():
        async with WebhookAdapter(WebhookConfig("s")) as adapter:
            return await adapter.send(hook)

    receipt = asyncio.run(run())

    assert receipt.status == "failed" and not receipt.retryable
    assert "non-public address" in (receipt.error or "")


def test_allow_private_lets_a_local_webhook_through(peers: RunningPeers):
    config = peers.channels_config()
    hook = message("webhook", f"{peers.http_url}/webhook/local", ORDER)

    [refused] = deliver(replace(config, webhook=replace(config.webhook, allow_private=False)), hook)
    [allowed] = deliver(config, hook)

    assert refused.status == "failed" and allowed.status == "sent"


def test_public_addresses_are_told_apart_from_inward_ones():
    assert is_public_address("93.184.216.34") and is_public_address("2a00:1450:4010::8a")
    for inward in ("192.168.1.1", "100.64.0.1", "::ffff:127.0.0.1", "fe80::1%eth0", "240.0.0.1"):
        assert not is_public_address(inward)


def test_provider_5xx_and_429_are_retryable_other_4xx_are_not(peers: RunningPeers):
    base = f"{peers.http_url}/webhook/flaky"
    hooks = [message("webhook", f"{base}?respond={status}", ORDER) for status in (503, 429, 404)]

    unavailable, throttled, missing = deliver(peers.channels_config(), *hooks)

    assert unavailable.retryable and unavailable.retry_after == 2
    assert throttled.retryable and throttled.retry_after == 2
    assert missing.status == "failed" and not missing.retryable


def test_a_closed_port_is_a_retryable_failure_on_every_http_channel(peers: RunningPeers):
    dead_url = f"http://127.0.0.1:{closed_port()}"
    config = peers.channels_config()
    config = replace(
        config,
        sms=replace(config.sms, url=dead_url),
        push=replace(config.push, fcm_url=dead_url, apns_url=dead_url),
        viber=replace(config.viber, url=dead_url),
        telegram=replace(config.telegram, url=dead_url),
    )
    messages = [
        message("sms", "+79161234567", {"text": "hi"}),
        message("push", "fcm-token-anna-1", {"title": "t", "body": "b"}),
        message("push", "c3" * 32, {"title": "t", "body": "b"}),
        message("viber", "viber-anna==", {"text": "hi"}),
        message("telegram", "100", {"text": "hi"}),
        message("webhook", f"{dead_url}/hook", ORDER),
    ]

    receipts = deliver(config, *messages)

    assert all(r.status == "failed" and r.retryable for r in receipts), receipts


def test_a_provider_that_never_answers_times_out_retryably(peers: RunningPeers):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # the kernel completes the handshake; nobody ever reads or answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    config = peers.channels_config(timeout=0.3)
    config = replace(config, sms=replace(config.sms, url=url))
    try:
        [receipt] = deliver(config, message("sms", "+79161234567", {"text": "hi"}))
    finally:
        silent.close()

    assert receipt.status == "failed" and receipt.retryable and "timeout" in (receipt.error or "")
