"""The send policy from settings strings: good ones parse, each bad one names its setting."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniweave.core.errors import InvalidInput
from omniweave.messaging.model import DEFAULT_CASCADE, DEFAULT_COSTS, Cap, QuietHours, SendPolicy
from omniweave.messaging.policy import policy_as_dict, policy_from_settings
from omniweave.profiles.consent_model import CHANNELS


def test_the_defaults_are_the_models_defaults():
    assert policy_from_settings() == SendPolicy()
    assert policy_from_settings().cascade == DEFAULT_CASCADE


def test_good_strings_parse():
    policy = policy_from_settings(
        cascade=" email , sms ,push",
        costs="sms=1.50, viber=0.80",
        caps="all=3/week, sms=1/day, email=2/day",
        quiet_hours="21:00-9:30",
        default_timezone="Europe/Moscow",
        prefer_preferred_channel=True,
        prefer_cheapest=True,
        transactional_topics="transactional, receipts",
    )
    assert policy.cascade == ("email", "sms", "push")
    assert policy.costs["sms"] == Decimal("1.50") and policy.costs["viber"] == Decimal("0.80")
    assert policy.costs["email"] == DEFAULT_COSTS["email"]  # merged over the defaults
    assert policy.caps == (Cap(3, "week"), Cap(1, "day", "sms"), Cap(2, "day", "email"))
    assert policy.quiet_hours == QuietHours(time(21), time(9, 30))
    assert policy.default_timezone == "Europe/Moscow"
    assert policy.prefer_preferred_channel and policy.prefer_cheapest
    assert policy.transactional_topics == {"transactional", "receipts"}


def test_an_en_dash_and_empty_strings_are_understood():
    assert policy_from_settings(quiet_hours="22:00–08:00").quiet_hours == QuietHours(
        time(22), time(8)
    )
    empty = policy_from_settings(costs="", caps=" ", quiet_hours="", transactional_topics="")
    assert empty.caps == () and empty.quiet_hours is None
    assert empty.transactional_topics == frozenset()


@pytest.mark.parametrize(
    ("setting", "raw", "said"),
    [
        ("cascade", "push,fax", "unknown channel 'fax'"),
        ("cascade", " , ", "names no channel"),
        ("cascade", "push,email,push", "push listed twice"),
        ("costs", "sms", "'sms' is not key=value"),
        ("costs", "sms=two", "'two' is not a number"),
        ("costs", "sms=-1", "must be zero or more"),
        ("costs", "sms=NaN", "must be zero or more"),
        ("costs", "pigeon=1", "unknown channel 'pigeon'"),
        ("caps", "all=3", "write a count per day or week"),
        ("caps", "all=3/month", "write a count per day or week"),
        ("caps", "sms=-1/day", "write a count per day or week"),
        ("caps", "sms=²/day", "write a count per day or week"),
        ("caps", "fax=1/day", "unknown channel 'fax'"),
        ("caps", "sms=1/day,sms=2/day", "sms has two caps a day"),
        ("quiet_hours", "21:00", "is not start-end"),
        ("quiet_hours", "25:00-09:00", "'25:00' is not a time of day"),
        ("quiet_hours", "21:00-9", "'9' is not a time of day"),
        ("quiet_hours", "09:00-09:00", "starts when it ends"),
        ("default_timezone", "Mars/Olympus", "'Mars/Olympus' is not an IANA time zone"),
        ("default_timezone", "", "is not an IANA time zone"),
        ("default_timezone", "../etc/passwd", "is not an IANA time zone"),
    ],
)
def test_each_bad_string_names_its_setting(setting, raw, said):
    with pytest.raises(InvalidInput) as caught:
        policy_from_settings(**{setting: raw})
    [error] = caught.value.errors
    assert error.field == setting
    assert said in error.message
    assert caught.value.status == 400


def test_every_wrong_setting_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        policy_from_settings(cascade="fax", caps="all=1/year", default_timezone="Nowhere")
    assert [e.field for e in caught.value.errors] == ["cascade", "caps", "default_timezone"]


def test_the_policy_shows_as_data():
    shown = policy_as_dict(
        policy_from_settings(costs="sms=1.5", caps="all=3/week", quiet_hours="21:00-09:00")
    )
    assert shown["cascade"] == list(DEFAULT_CASCADE)
    assert shown["costs"]["sms"] == "1.5"
    assert shown["caps"] == [{"limit": 3, "period": "week", "channel": None}]
    assert shown["quietHours"] == {"start": "21:00", "end": "09:00"}
    assert shown["transactionalTopics"] == ["transactional"]
    assert shown["justBoughtWindowDays"] == 14
    assert policy_as_dict(SendPolicy())["quietHours"] is None


caps_text = st.lists(
    st.tuples(
        st.sampled_from(("all", *CHANNELS)), st.integers(0, 99), st.sampled_from(["day", "week"])
    ),
    unique_by=lambda cap: (cap[0], cap[2]),
).map(lambda caps: ",".join(f"{key}={limit}/{period}" for key, limit, period in caps))


@given(caps_text)
def test_any_well_formed_caps_string_parses_to_what_it_says(text):
    caps = policy_from_settings(caps=text).caps
    assert ",".join(f"{c.channel or 'all'}={c.limit}/{c.period}" for c in caps) == text


@given(st.permutations(CHANNELS), st.integers(1, len(CHANNELS)))
def test_any_cascade_of_known_channels_keeps_its_order(channels, size):
    assert policy_from_settings(cascade=",".join(channels[:size])).cascade == tuple(channels[:size])
