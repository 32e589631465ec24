"""The peers' inbox: one place to see what every channel received, and to start afresh."""

from __future__ import annotations

import httpx

from omniweave.channels.peers.runner import RunningPeers, start_peers
from tests.integration.channels.conftest import deliver, message


def test_the_inbox_lists_every_channel_and_stats_count_duplicates(peers: RunningPeers):
    email = message("email", "inbox@example.com", {"subject": "Hi", "text": "t"})
    hook = message("webhook", f"{peers.http_url}/webhook/inbox", {"body": {"a": 1}})
    deliver(peers.channels_config(), email, hook, hook)

    emails = httpx.get(f"{peers.http_url}/inbox", params={"to": "inbox@example.com"}).json()
    hooks = httpx.get(f"{peers.http_url}/inbox", params={"channel": "webhook"}).json()
    stats = httpx.get(f"{peers.http_url}/stats").json()

    assert [e["body"]["subject"] for e in emails] == ["Hi"]
    assert [h["key"] for h in hooks if h["to"] == "inbox"] == [hook.key]
    assert stats["received"]["email"] >= 1 and stats["duplicates"]["webhook"] >= 1
    assert httpx.delete(f"{peers.http_url}/inbox").status_code == 204
    assert httpx.get(f"{peers.http_url}/inbox", params={"channel": "webhook"}).json() == []


def test_mail_and_web_push_subscriptions_outlive_a_restart(tmp_path):
    with start_peers(tmp_path) as first:
        deliver(first.channels_config(), message("email", "kept@example.com", {"text": "t"}))
        subscription = httpx.post(f"{first.http_url}/webpush/subscriptions").json()

    with start_peers(tmp_path) as second:
        assert len(second.mailbox.messages(to="kept@example.com")) == 1
        push = httpx.post(subscription["endpoint"].replace(first.http_url, second.http_url))
        assert push.status_code == 401  # known (not 410 Gone), only unsigned
