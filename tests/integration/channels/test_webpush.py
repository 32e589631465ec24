"""Web push end to end: the peer subscribes like a browser and decrypts what arrives."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import httpx
from py_vapid import Vapid

from omniweave.channels.peers.runner import RunningPeers
from omniweave.channels.webpush import generate_vapid_keys
from tests.integration.channels.conftest import deliver, message

NOTIFICATION = {"title": "Pizza Friday", "body": "Two for one", "url": "https://pizza.local/m"}


def subscribe(peers: RunningPeers, server_key: str | None = None) -> dict:
    options = {"applicationServerKey": server_key} if server_key else {}
    answer = httpx.post(f"{peers.http_url}/webpush/subscriptions", json=options)
    assert answer.status_code == 201
    return answer.json()


def test_a_push_is_decrypted_by_the_subscription_to_the_original_json(peers: RunningPeers):
    private_key, public_key = generate_vapid_keys()
    subscription = subscribe(peers, server_key=public_key)
    push = message("web_push", json.dumps(subscription), NOTIFICATION)

    [receipt] = deliver(peers.channels_config(vapid_private_key=private_key), push)

    assert receipt.status == "sent" and receipt.provider_id
    subscription_id = subscription["endpoint"].rsplit("/", 1)[1]
    [arrived] = peers.journal.inbox("web_push", subscription_id)
    assert arrived["body"] == {**NOTIFICATION, "key": push.key}


def test_a_pem_vapid_key_works_too(peers: RunningPeers):
    vapid = Vapid()
    vapid.generate_keys()
    subscription = subscribe(peers)
    push = message("web_push", json.dumps(subscription), NOTIFICATION)

    [receipt] = deliver(peers.channels_config(vapid_private_key=vapid.private_pem().decode()), push)

    assert receipt.status == "sent"


def test_a_push_signed_by_another_key_is_refused(peers: RunningPeers):
    _, registered_public = generate_vapid_keys()
    other_private, _ = generate_vapid_keys()
    subscription = subscribe(peers, server_key=registered_public)
    push = message("web_push", json.dumps(subscription), NOTIFICATION)

    [receipt] = deliver(peers.channels_config(vapid_private_key=other_private), push)

    assert receipt.status == "failed" and not receipt.retryable and "403" in (receipt.error or "")


def test_a_forged_vapid_signature_is_refused(peers: RunningPeers):
    subscription = subscribe(peers)
    vapid = Vapid()
    vapid.generate_keys()
    claims = {"sub": "mailto:ops@omniweave.local", "aud": peers.http_url}
    header = vapid.sign({**claims, "exp": int(time.time()) + 600})["Authorization"]
    forged = header[:-8] + ("A" * 8 if not header.endswith("A" * 8) else "B" * 8)

    answer = httpx.post(
        subscription["endpoint"],
        content=b"\x00" * 100,
        headers={"Authorization": forged, "TTL": "60", "Content-Encoding": "aes128gcm"},
    )

    assert answer.status_code == 401


def test_a_gone_subscription_bounces(peers: RunningPeers):
    private_key, _ = generate_vapid_keys()
    subscription = subscribe(peers)
    httpx.delete(f"{peers.http_url}/webpush/subscriptions/" + subscription["endpoint"][-32:])
    push = message("web_push", json.dumps(subscription), NOTIFICATION)
    not_json = message("web_push", "not a subscription", NOTIFICATION)

    gone, malformed = deliver(peers.channels_config(vapid_private_key=private_key), push, not_json)

    assert gone.status == "bounced" and "410" in (gone.error or "")
    assert malformed.status == "bounced"


def test_an_endpoint_on_an_inward_host_is_refused_unless_allowed(peers: RunningPeers):
    private_key, _ = generate_vapid_keys()
    subscription = subscribe(peers)
    push = message("web_push", json.dumps(subscription), NOTIFICATION)
    config = peers.channels_config(vapid_private_key=private_key)
    strict = replace(config, web_push=replace(config.web_push, allow_private=False))

    [receipt] = deliver(strict, push)

    assert receipt.status == "failed" and "non-public address" in (receipt.error or "")
