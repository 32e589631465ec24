"""SMS through the JSON gateway peer, and its delivery reports reaching our callback."""

from __future__ import annotations

from dataclasses import replace

import pytest

from omniweave.channels.peers.runner import RunningPeers
from omniweave.channels.sms import read_delivery_report
from omniweave.core.errors import InvalidInput
from tests.integration.channels.conftest import ReportCollector, deliver, message


def test_an_sms_is_accepted_and_its_delivery_report_reaches_the_callback(
    peers: RunningPeers, reports: ReportCollector
):
    sms = message("sms", "+79161234567", {"text": "Your pizza is on its way"})

    [receipt] = deliver(peers.channels_config(sms_callback_url=reports.url), sms)

    assert receipt.status == "sent" and receipt.provider_id
    report = read_delivery_report(reports.wait_for(sms.key))
    assert (report.key, report.provider_id, report.outcome) == (
        sms.key,
        receipt.provider_id,
        "delivered",
    )
    [arrived] = peers.journal.inbox("sms", "+79161234567")
    assert arrived["body"]["text"] == "Your pizza is on its way"


def test_a_dead_number_is_accepted_then_reported_undeliverable(
    peers: RunningPeers, reports: ReportCollector
):
    sms = message("sms", "+79160000000", {"text": "hello"})

    [receipt] = deliver(peers.channels_config(sms_callback_url=reports.url), sms)

    assert receipt.status == "sent"
    report = read_delivery_report(reports.wait_for(sms.key))
    assert report.outcome == "bounced" and report.error


def test_a_retried_sms_is_sent_once_with_the_same_provider_id(peers: RunningPeers):
    sms = message("sms", "+79161112233", {"text": "once"})

    first, again = deliver(peers.channels_config(), sms, sms)

    assert first.provider_id == again.provider_id
    assert len(peers.journal.inbox("sms", "+79161112233")) == 1
    assert peers.journal.stats()["duplicates"]["sms"] >= 1


def test_a_malformed_number_bounces_and_empty_text_fails(peers: RunningPeers):
    bad_number = message("sms", "8 916 123-45-67", {"text": "hi"})
    no_text = message("sms", "+79161234567", {"text": "  "})

    bounced, failed = deliver(peers.channels_config(), bad_number, no_text)

    assert bounced.status == "bounced" and "invalid_number" in (bounced.error or "")
    assert failed.status == "failed" and not failed.retryable


def test_a_wrong_api_key_fails_without_retry(peers: RunningPeers):
    config = peers.channels_config()
    config = replace(config, sms=replace(config.sms, api_key="stolen"))

    [receipt] = deliver(config, message("sms", "+79161234567", {"text": "hi"}))

    assert receipt.status == "failed" and not receipt.retryable and "401" in (receipt.error or "")


def test_a_report_without_its_reference_is_refused():
    with pytest.raises(InvalidInput) as refused:
        read_delivery_report({"id": "sms-1", "status": "lost"})
    assert {e.field for e in refused.value.errors} == {"reference"}
