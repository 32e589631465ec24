"""A promotion's state now, from its switch and window in its time zone (pure), and its effect
in a few words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omniweave.web.shop_data import effect_text, promotion_state

NOW = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # 22:00 in Moscow


@pytest.mark.parametrize(
    ("when", "active", "status"),
    [
        ({}, True, "running"),
        ({}, False, "off"),
        ({"starts": "2026-11-25T21:30:00", "timezone": "Europe/Moscow"}, True, "running"),
        ({"starts": "2026-11-25T21:30:00"}, True, "scheduled"),  # UTC: 19:00 < 21:30
        ({"ends": "2026-11-25T21:30:00", "timezone": "Europe/Moscow"}, True, "ended"),
        ({"ends": "2026-11-25T19:00:00"}, True, "ended"),  # ends is exclusive
        ({"starts": "2027-01-01T00:00:00"}, False, "off"),  # the switch first
    ],
)
def test_the_state_reads_the_window_in_the_promotion_s_zone(when, active, status):
    state = promotion_state({"when": when, "active": active}, NOW, "UTC")
    assert state["status"] == status, state


def test_the_window_as_a_person_reads_it():
    state = promotion_state({"when": {"ends": "2027-01-01T00:00:00"}}, NOW, "Europe/Moscow")
    assert state["window"] == "… → 2027-01-01 00:00 (Europe/Moscow)"
    assert promotion_state({}, NOW, "UTC")["window"] == "always"


def test_every_effect_in_a_few_words():
    assert effect_text({"type": "percent", "percent": "15"}) == "15% off"
    assert effect_text({"type": "fixed", "amount": "300", "per": "unit"}) == "300 off per unit"
    assert effect_text({"type": "n_for_m", "buy": 3, "pay": 2}) == "3 for 2"
    assert effect_text({"type": "gift", "sku": "cola"}) == "gift cola × 1"
    assert effect_text({"type": "bundle", "skus": ["a", "b"], "price": "9"}) == "bundle a + b for 9"
    assert effect_text({"type": "points", "percent": "5", "fixed": 100}) == "bonus points 5% + 100"
    assert effect_text({"type": "points", "fixed": 100}) == "bonus points 100"
