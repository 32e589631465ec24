"""Consent rules (pure): STOP words, the policy, signed unsubscribe links, events to decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniweave.identity.extract import identifiers_of
from omniweave.identity.model import IdentityRules
from omniweave.profiles.consent_events import consents_in_event
from omniweave.profiles.consent_links import (
    UnsubscribeTarget,
    make_token,
    read_token,
    signing_key,
    unsubscribe_headers,
)
from omniweave.profiles.consent_model import (
    CHANNELS,
    GRANTED,
    REVOKED,
    ConsentPolicy,
    is_stop,
    policy_from_settings,
)

KEY = signing_key("s3cret", "unused")
AT = datetime(2026, 10, 1, tzinfo=UTC)
POLICY = ConsentPolicy()


@pytest.mark.parametrize("text", ["STOP", " stop ", "Стоп", "СТОП!", "unsubscribe", "ОТПИСКА"])
def test_stop_words(text):
    assert is_stop(text)


@pytest.mark.parametrize("text", ["", "stop sending pizza?", "yes", "START", "стопка"])
def test_not_stop_words(text):
    assert not is_stop(text)


def test_policy_from_settings_checks_its_topics():
    policy = policy_from_settings(
        topics="marketing, news, transactional, promo",
        opt_out_topics="transactional",
        email_double_opt_in=True,
    )
    assert policy.opt_in_topics == ("marketing", "news", "promo")
    with pytest.raises(ValueError, match="not topics"):
        policy_from_settings(
            topics="marketing", opt_out_topics="receipts", email_double_opt_in=False
        )


def test_a_token_names_its_target_and_cannot_be_forged():
    target = UnsubscribeTarget(7, "email", "kolya@mail.ru", "marketing")
    token = make_token(KEY, target)
    assert read_token(KEY, token) == target
    assert read_token(signing_key("other", "x"), token) is None
    version, body, mac = token.split(".")
    forged = make_token(KEY, UnsubscribeTarget(7, "email", "olga@mail.ru", "marketing"))
    assert read_token(KEY, f"{version}.{forged.split('.')[1]}.{mac}") is None
    for junk in ("", "x", "1..", "1.@@@.###", "2.a.b", token[:-2]):
        assert read_token(KEY, junk) is None


@given(st.text(max_size=80))
def test_any_string_is_a_valid_or_refused_token_never_an_error(text):
    assert read_token(KEY, text) is None or isinstance(read_token(KEY, text), UnsubscribeTarget)


def test_unsubscribe_headers_follow_rfc_8058():
    headers = unsubscribe_headers("https://crm.pizza.ru/", KEY, 7, "kolya@mail.ru")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"]
    assert url.startswith("<https://crm.pizza.ru/u/") and url.endswith(">")
    token = url[1:-1].rsplit("/", 1)[1]
    assert read_token(KEY, token) == UnsubscribeTarget(7, "email", "kolya@mail.ru", "marketing")


def test_dev_key_is_derived_but_a_secret_wins():
    assert signing_key("", "sqlite:///a.db") == signing_key("", "sqlite:///a.db")
    assert signing_key("", "sqlite:///a.db") != signing_key("", "sqlite:///b.db")
    assert signing_key("s", "a") == signing_key("s", "b")


# --- events ---------------------------------------------------------------------------------

RULES = IdentityRules()


def event(**fields):
    row = {"id": 1, "source_id": 1, "timestamp": AT, "anonymous_id": "web-1", **fields}
    return row, identifiers_of(row, RULES)


def test_consent_revoked_track_event_is_given_for_the_events_email():
    row, idents = event(
        type="track",
        event="Consent Revoked",
        properties={"channel": "email", "topic": "news"},
        context={"traits": {"email": "Kolya@Mail.ru"}, "ip": "10.0.0.1"},
    )
    found = consents_in_event(row, idents, ("anonymous_id", "web-1"), "site", POLICY)
    (d,) = found.decisions
    assert (d.subject, d.channel, d.topic, d.state) == (
        ("email", "kolya@mail.ru"),
        "email",
        "news",
        REVOKED,
    )
    assert d.proof.ip == "10.0.0.1" and d.at == AT and d.source == "site"


def test_consent_granted_without_an_address_is_given_for_the_attributed_identity():
    row, idents = event(
        type="track",
        event="Consent Granted",
        properties={"channel": ["sms", "whatsapp"], "formId": "checkout"},
    )
    found = consents_in_event(row, idents, ("anonymous_id", "web-1"), "site", POLICY)
    assert [(d.channel, d.topic, d.state) for d in found.decisions] == [
        ("sms", "marketing", GRANTED),
        ("whatsapp", "marketing", GRANTED),
    ]
    assert all(d.subject == ("anonymous_id", "web-1") for d in found.decisions)
    assert found.decisions[0].proof.form_id == "checkout"


def test_unsubscribed_without_channel_or_topic_covers_every_opt_in():
    row, idents = event(type="track", event="Unsubscribed", properties={})
    found = consents_in_event(row, idents, ("anonymous_id", "web-1"), "site", POLICY)
    assert {(d.channel, d.topic) for d in found.decisions} == {
        (c, t) for c in CHANNELS for t in ("marketing", "news")
    }
    assert all(d.state == REVOKED for d in found.decisions)


def test_bad_consent_events_are_skipped_with_the_reason():
    row, idents = event(type="track", event="Consent Granted", properties={"channel": "fax"})
    found = consents_in_event(row, idents, ("anonymous_id", "web-1"), "site", POLICY)
    assert found.decisions == [] and "unknown channel 'fax'" in found.skipped[0]
    row, idents = event(type="track", event="Consent Granted", properties={})
    assert "missing" in consents_in_event(row, idents, None, "site", POLICY).skipped[0]


def test_opt_in_traits_become_marketing_decisions():
    row, idents = event(
        type="identify",
        traits={"email": "kolya@mail.ru", "emailOptIn": True, "smsOptIn": False, "pushOptIn": "y"},
    )
    found = consents_in_event(row, idents, ("anonymous_id", "web-1"), "crm", POLICY)
    assert found.from_traits
    assert {(d.channel, d.state, d.subject) for d in found.decisions} == {
        ("email", GRANTED, ("email", "kolya@mail.ru")),
        ("sms", REVOKED, ("anonymous_id", "web-1")),
    }


def test_other_events_carry_no_consent():
    row, idents = event(type="track", event="Order Completed", properties={"channel": "email"})
    assert consents_in_event(row, idents, None, "site", POLICY).decisions == []
