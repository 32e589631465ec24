"""The pure step machine: whole runs through journeys, one happening at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omniweave.journeys.engine import (
    ABSENCE_MET,
    ABSENCE_WAIT,
    CallWebhook,
    Entered,
    EventArrived,
    Run,
    Send,
    StepTaken,
    TimerFired,
    UpdateProfile,
    advance,
    entry_allowed,
    trigger_matches,
)
from omniweave.journeys.model import Reentry, parse_journey
from omniweave.segments.model import SegmentNode

T0 = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ADDED = {"event": "Product Added", "type": "track", "properties": {"total": 1500, "sku": "p1"}}


def journey(*steps: dict, **fields):
    fields.setdefault("trigger", {"event": {"name": "Product Added"}})
    return parse_journey({"name": "j", "steps": list(steps), **fields})


CART = journey(
    {
        "id": "wait-order",
        "wait": {"event": {"name": "Order Completed"}, "timeout": "6h"},
        "on_event": "thanks",
    },
    {"id": "remind", "send": {"template": "cart-reminder", "cascade": ["push", "email"]}},
    {"id": "tag", "update": {"traits": {"reminded": True}}},
    {"id": "crm", "webhook": {"url": "https://crm.example/hook", "body": {"k": 1}}, "next": "end"},
    {"id": "thanks", "send": {"template": "thanks"}, "next": "end"},
    {"id": "end", "update": {"traits": {"cart_journey_done": True}}},
    goal={
        "event": {"name": "Order Completed", "where": {"total": {"op": "gt", "value": 0}}},
        "within": "7d",
    },
    exit_on=[{"name": "Unsubscribed"}],
)


def step(
    j,
    run,
    happening,
    now,
    *,
    holds=lambda condition: False,
    unit=lambda key: 0.5,
    timezone="Europe/Moscow",
):
    return advance(j, run, happening, now, holds=holds, unit=unit, timezone=timezone)


def outcomes(actions) -> list[tuple[str, str]]:
    return [(a.step, a.outcome) for a in actions if isinstance(a, StepTaken)]


def test_the_abandoned_cart_times_out_sends_and_completes():
    run, actions = step(CART, None, Entered(ADDED), T0)
    assert (run.status, run.step, run.wake_at) == ("waiting", "wait-order", T0 + 6 * HOUR)
    assert run.waiting_for == {"name": "Order Completed", "where": {}}
    assert run.entry["properties"]["total"] == 1500
    assert outcomes(actions) == [("wait-order", "entered"), ("wait-order", "waiting")]

    run, actions = step(CART, run, TimerFired(T0 + 6 * HOUR), T0 + 6 * HOUR)
    sends = [a for a in actions if isinstance(a, Send)]
    assert [s.send.template for s in sends] == ["cart-reminder"] and not sends[0].held_out
    assert UpdateProfile("tag", {"reminded": True}) in actions
    assert CallWebhook("crm", "https://crm.example/hook", {"k": 1}) in actions
    assert run.status == "completed" and run.ended_at == T0 + 6 * HOUR
    assert run.path == ("wait-order", "remind", "tag", "crm", "end")
    assert outcomes(actions)[0] == ("wait-order", "timed_out")
    assert outcomes(actions)[-1] == ("end", "completed")
    assert step(CART, run, TimerFired(T0 + 7 * HOUR), T0 + 7 * HOUR) == (run, [])


def test_the_awaited_event_goes_to_on_event():
    run, _ = step(CART, None, Entered(ADDED), T0)
    other = {"event": "Order Completed", "properties": {"total": 0}}  # not the goal: total 0
    run, actions = step(CART, run, EventArrived(other), T0 + HOUR)
    assert run.path == ("wait-order", "thanks", "end") and run.status == "completed"
    assert [a.send.template for a in actions if isinstance(a, Send)] == ["thanks"]
    assert outcomes(actions)[0] == ("wait-order", "event")


def test_the_goal_ends_a_waiting_run_inside_its_window_only():
    waiting, _ = step(CART, None, Entered(ADDED), T0)
    order = {"event": "Order Completed", "properties": {"total": 30}}
    run, actions = step(CART, waiting, EventArrived(order), T0 + HOUR)
    assert run.status == "goal" and outcomes(actions) == [("wait-order", "goal")]
    assert not [a for a in actions if isinstance(a, Send)]
    late, actions = step(CART, waiting, EventArrived(order), T0 + timedelta(days=8))
    assert late.status != "goal"  # outside the window it is only the awaited event
    assert outcomes(actions)[0] == ("wait-order", "event")


def test_an_exit_event_ends_the_run_and_others_change_nothing():
    waiting, _ = step(CART, None, Entered(ADDED), T0)
    run, actions = step(CART, waiting, EventArrived({"event": "Unsubscribed"}), T0 + HOUR)
    assert run.status == "exited" and outcomes(actions) == [("wait-order", "exit_on")]
    assert step(CART, waiting, EventArrived({"event": "Page Viewed"}), T0 + HOUR) == (waiting, [])
    assert step(CART, run, EventArrived({"event": "Order Completed"}), T0 + 2 * HOUR) == (run, [])


def test_a_timer_twice_or_too_early_does_nothing():
    waiting, _ = step(CART, None, Entered(ADDED), T0)
    assert step(CART, waiting, TimerFired(T0 + HOUR), T0 + HOUR) == (waiting, [])
    done, actions = step(CART, waiting, TimerFired(T0 + 6 * HOUR), T0 + 6 * HOUR)
    assert actions
    assert step(CART, done, TimerFired(T0 + 6 * HOUR), T0 + 6 * HOUR) == (done, [])
    assert step(CART, done, Entered(ADDED), T0 + 6 * HOUR) == (done, [])


SPLIT = journey(
    {
        "id": "ab",
        "split": {
            "variants": [
                {"name": "a", "weight": 30, "next": "send-a"},
                {"name": "b", "weight": 70, "next": "send-b"},
            ]
        },
    },
    {"id": "send-a", "send": {"template": "a"}, "next": "stop"},
    {"id": "send-b", "send": {"template": "b"}},
    {"id": "stop", "exit": {}},
    holdout=10,
)


@pytest.mark.parametrize(("draw", "variant"), [(0.0, "a"), (0.299, "a"), (0.3, "b"), (0.99, "b")])
def test_a_split_takes_the_variant_the_persons_draw_falls_in(draw, variant):
    draws = {"holdout": 0.9, "split:ab": draw}
    run, actions = step(SPLIT, None, Entered(ADDED), T0, unit=draws.__getitem__)
    assert run.variant == variant and run.status == "exited"
    assert [a.send.template for a in actions if isinstance(a, Send)] == [variant]
    assert ("ab", f"variant:{variant}") in outcomes(actions)
    again, _ = step(SPLIT, None, Entered(ADDED), T0, unit=draws.__getitem__)
    assert again == run


def test_a_held_out_run_walks_the_same_path_with_its_sends_marked():
    draws = {"holdout": 0.05, "split:ab": 0.5}
    run, actions = step(SPLIT, None, Entered(ADDED), T0, unit=draws.__getitem__)
    assert run.held_out and run.path == ("ab", "send-b", "stop")
    assert [a.held_out for a in actions if isinstance(a, Send)] == [True]
    assert ("send-b", "held_out") in outcomes(actions)
    kept, actions = step(SPLIT, None, Entered(ADDED), T0, unit={**draws, "holdout": 0.1}.get)
    assert not kept.held_out and ("send-b", "send") in outcomes(actions)


BRANCH = journey(
    {
        "id": "rich",
        "branch": {
            "when": [
                {
                    "if": {"trigger": {"path": "properties.total", "op": "gt", "value": 1000}},
                    "next": "big",
                },
                {"if": {"segment": "vip"}, "next": "vip"},
            ],
            "else": "small",
        },
    },
    {"id": "big", "send": {"template": "big"}, "next": "stop"},
    {"id": "vip", "send": {"template": "vip"}, "next": "stop"},
    {"id": "small", "send": {"template": "small"}},
    {"id": "stop", "exit": {}},
)


def templates(actions) -> list[str]:
    return [a.send.template for a in actions if isinstance(a, Send)]


def test_a_branch_tests_the_entry_event_then_asks_the_runtime():
    asked = []

    def holds(condition):
        asked.append(condition)
        return isinstance(condition, SegmentNode) and condition.segment == "vip"

    _, actions = step(BRANCH, None, Entered(ADDED), T0, holds=holds)
    assert templates(actions) == ["big"] and asked == []
    small = {"event": "Product Added", "properties": {"total": 10}}
    _, actions = step(BRANCH, None, Entered(small), T0, holds=holds)
    assert templates(actions) == ["vip"] and asked == [SegmentNode(segment="vip")]
    assert ("rich", "when[1]") in outcomes(actions)
    run, actions = step(BRANCH, None, Entered(small), T0, holds=lambda condition: False)
    assert templates(actions) == ["small"] and ("rich", "else") in outcomes(actions)


def test_a_wait_until_uses_the_persons_zone():
    j = journey(
        {"id": "morning", "wait": {"until": "10:00"}}, {"id": "s", "send": {"template": "t"}}
    )
    moscow, _ = step(j, None, Entered(ADDED), T0, timezone="Europe/Moscow")
    new_york, _ = step(j, None, Entered(ADDED), T0, timezone="America/New_York")
    assert moscow.wake_at == datetime(2025, 1, 11, 7, tzinfo=UTC)
    assert new_york.wake_at == datetime(2025, 1, 10, 15, tzinfo=UTC)
    done, actions = step(j, new_york, TimerFired(new_york.wake_at), new_york.wake_at)
    assert done.status == "completed" and templates(actions) == ["t"]
    assert outcomes(actions)[0] == ("morning", "waited")


ABSENCE = journey(
    {"id": "nudge", "send": {"template": "come-back"}},
    trigger={
        "absence": {
            "after": {"name": "Product Added"},
            "missing": {"name": "Order Completed"},
            "within": "6h",
        }
    },
)


def test_an_absence_trigger_sends_only_when_the_missing_event_stays_missing():
    assert trigger_matches(ABSENCE, ADDED)
    waiting, _ = step(ABSENCE, None, Entered(ADDED), T0)
    assert (waiting.step, waiting.wake_at) == (ABSENCE_WAIT, T0 + 6 * HOUR)
    ordered, actions = step(ABSENCE, waiting, EventArrived({"event": "Order Completed"}), T0 + HOUR)
    assert ordered.status == "exited" and ordered.step == ABSENCE_MET and not templates(actions)
    missed, actions = step(ABSENCE, waiting, TimerFired(T0 + 6 * HOUR), T0 + 6 * HOUR)
    assert missed.status == "completed" and templates(actions) == ["come-back"]


def test_a_run_needs_an_entry_first():
    with pytest.raises(ValueError):
        step(CART, None, TimerFired(T0), T0)
    fresh = Run(None, "active", T0 - HOUR)
    run, _ = step(CART, fresh, Entered(ADDED), T0)
    assert run.entered_at == T0 - HOUR and run.status == "waiting"


def test_trigger_matches_events_and_segment_changes():
    assert trigger_matches(CART, ADDED)
    assert not trigger_matches(CART, {"event": "Order Completed"})
    lapsed = journey({"id": "x", "exit": {}}, trigger={"segment": {"name": "lapsed"}})
    entered = {"event": "Segment Entered", "properties": {"segment": "lapsed"}}
    assert trigger_matches(lapsed, entered)
    assert not trigger_matches(lapsed, {**entered, "event": "Segment Exited"})
    assert not trigger_matches(lapsed, {**entered, "properties": {"segment": "vip"}})
    weekly = journey({"id": "x", "exit": {}}, trigger={"schedule": {"cron": "0 10 * * 1"}})
    assert not trigger_matches(weekly, ADDED)


def test_entry_allowed_follows_the_reentry_rule():
    ended = [(T0 - 10 * 24 * HOUR, T0 - 9 * 24 * HOUR, "completed")]
    ongoing = [(T0 - 2 * HOUR, None, "waiting")]
    assert entry_allowed(Reentry(), [], T0) == (True, "first entry")
    assert entry_allowed(Reentry(mode="never"), ended, T0)[0] is False
    assert entry_allowed(Reentry(), ended, T0)[0] is True
    allowed, reason = entry_allowed(Reentry(), ongoing, T0)
    assert not allowed and "still in the journey" in reason
    assert entry_allowed(Reentry(mode="always"), ongoing, T0)[0] is True
    weekly = Reentry.model_validate({"mode": "always", "after": "7d"})
    assert entry_allowed(weekly, ongoing, T0)[0] is False
    assert entry_allowed(weekly, ended, T0)[0] is True


def test_a_catalog_trigger_fires_on_the_per_person_catalog_event():
    from omniweave.journeys.engine import trigger_matches
    from omniweave.journeys.model import parse_journey

    def journey(catalog):
        return parse_journey(
            {
                "name": "back",
                "trigger": {"catalog": catalog},
                "steps": [{"id": "w", "wait": {"duration": "1h"}}],
            }
        )

    carted = journey({"signal": "back_in_stock", "relation": "carted", "within_days": 7})
    viewed = journey({"signal": "back_in_stock"})

    def event(reason, days, name="Back In Stock"):
        props = {"sku": "a", "reason": reason, "days_since_interest": days}
        return {"event": name, "properties": props}

    assert trigger_matches(carted, event("in_cart", 2))
    assert not trigger_matches(carted, event("viewed", 2))
    assert not trigger_matches(carted, event("in_cart", 8))
    assert trigger_matches(viewed, event("viewed", 20)) and trigger_matches(
        viewed, event("in_cart", 1)
    )
    assert not trigger_matches(viewed, event("viewed", 2, "Price Dropped"))
