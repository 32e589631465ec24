"""The definition language: parsing with every error's path, round trips, hashes, warnings."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import yaml

from omniweave.core.errors import InvalidInput
from omniweave.journeys.engine import ABSENCE_MET, ABSENCE_WAIT, effective_steps
from omniweave.journeys.filters import TriggerCondition
from omniweave.journeys.model import (
    definition_hash,
    journey_as_dict,
    parse_journey,
    warnings,
)
from omniweave.segments.model import AllNode

CART = """
name: abandoned-cart
description: remind people who left a pizza in the cart
trigger:
  event: {name: "Product Added", where: {category: pizza, price: {op: gt, value: 100}}}
reentry: {mode: after_exit, after: 7d}
holdout: 10
goal: {event: {name: "Order Completed"}, within: 7d}
exit_on: [{name: "Unsubscribed"}]
steps:
  - id: wait-order
    wait: {event: {name: "Order Completed"}, timeout: 6h}
    on_event: thanks
  - id: rich
    branch:
      when:
        - {if: {trigger: {path: properties.total, op: gt, value: 1000}}, next: big}
        - {if: {all: [{trait: {name: city, value: Moscow}}]}, next: big}
      else: ab
  - id: big
    send: {template: cart-big, cascade: [push, email], fallback: {unopened: 24h}}
    next: done
  - id: ab
    split: {variants: [{name: a, weight: 50}, {name: b, weight: 50, next: remind-email}]}
  - id: remind-push
    send: {template: cart-push, cascade: [push], dedup_key: "cart-{{ cart_id }}"}
    next: tag
  - id: remind-email
    send: {template: cart-email, topic: marketing}
  - id: tag
    update: {traits: {last_cart_reminder: "{{ now }}"}}
  - id: notify-crm
    webhook: {url: "https://crm.example/hooks/cart", body: {kind: cart, ids: [1, 2]}}
    next: done
  - id: thanks
    wait: {until: "10:00"}
  - id: done
    exit: {}
"""


def raw(text: str = CART) -> dict:
    return yaml.safe_load(text)


def errors_of(definition: dict) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_journey(definition)
    return {error.field: error.message for error in caught.value.errors}


def minimal(*steps: dict, **fields) -> dict:
    return {"name": "j", "trigger": {"event": {"name": "X"}}, "steps": list(steps), **fields}


def test_the_cart_journey_parses_with_its_types():
    journey = parse_journey(raw())
    assert journey.trigger.kind == "event"
    assert journey.reentry.after == timedelta(days=7)
    assert journey.steps[0].wait.timeout == timedelta(hours=6)
    assert journey.steps[8].wait.until == time(10, 0)
    conditions = [when.if_ for when in journey.steps[1].branch.when]
    assert isinstance(conditions[0], TriggerCondition) and isinstance(conditions[1], AllNode)
    assert [step.kind for step in journey.steps][:4] == ["wait", "branch", "send", "split"]
    assert warnings(journey) == []


def test_the_dict_form_reads_back_to_an_equal_journey_with_the_same_hash():
    journey = parse_journey(raw())
    again = parse_journey(journey_as_dict(journey))
    assert again == journey
    assert definition_hash(again) == definition_hash(journey)
    assert len(definition_hash(journey)) == 16
    assert journey_as_dict(journey)["steps"][-1] == {"id": "done", "exit": {}}


def test_the_hash_follows_the_content_not_the_spelling():
    spelled = raw()
    spelled["reentry"]["after"] = 7 * 86400  # seconds, the same week
    assert definition_hash(parse_journey(spelled)) == definition_hash(parse_journey(raw()))
    changed = raw()
    changed["holdout"] = 20
    assert definition_hash(parse_journey(changed)) != definition_hash(parse_journey(raw()))


@pytest.mark.parametrize(
    ("spelled", "seconds"),
    [("30m", 1800), ("6h", 21600), ("7d", 604800), ("2w", 1209600), (90, 90), ("45s", 45)],
)
def test_durations(spelled, seconds):
    journey = parse_journey(minimal({"id": "w", "wait": {"duration": spelled}}))
    assert journey.steps[0].wait.duration == timedelta(seconds=seconds)


def test_references_that_are_not_steps_are_named_by_path():
    found = errors_of(
        minimal(
            {"id": "a", "wait": {"duration": "1h"}, "next": "nowhere"},
            {"id": "b", "split": {"variants": [{"name": "x", "weight": 100, "next": "gone"}]}},
            {"id": "c", "branch": {"when": [{"if": {"segment": "vip"}, "next": "d"}], "else": "e"}},
        )
    )
    assert found["steps[0].next"] == "no step has id 'nowhere'"
    assert "steps[1].split.variants" in found  # one variant is not a split (at least two)
    assert found["steps[2].branch.when[0].next"] == "no step has id 'd'"
    assert found["steps[2].branch.else"] == "no step has id 'e'"


def test_every_error_is_reported_at_once():
    found = errors_of(
        {
            "name": "Bad Name",
            "trigger": {"schedule": {"cron": "61 * * * *"}},
            "holdout": 60,
            "steps": [
                {"id": "a", "wait": {"duration": "5x"}},
                {
                    "id": "a",
                    "split": {
                        "variants": [{"name": "p", "weight": 50}, {"name": "q", "weight": 40}]
                    },
                },
                {"id": "c", "send": {"template": "t"}, "on_event": "a"},
                {"id": "d", "wait": {"until": "25:00"}},
                {"id": "e", "wait": {"event": {"name": "X"}}},
                {"id": "f", "branch": {"when": [{"if": {"bogus": 1}, "next": "a"}]}},
            ],
        }
    )
    assert set(found) == {
        "name",
        "trigger.schedule.cron",
        "holdout",
        "steps[0].wait.duration",
        "steps[1].id",
        "steps[1].split.variants",
        "steps[2].on_event",
        "steps[3].wait.until",
        "steps[4].wait.timeout",
        "steps[5].branch.when[0].if",
    }
    assert found["steps[1].id"] == "'a' is already the id of steps[0]"
    assert found["steps[1].split.variants"] == "the weights must add up to 100"
    assert "cron" in found["trigger.schedule.cron"]


def test_a_bad_segment_condition_is_named_inside_the_node():
    when = {"if": {"any": [{"trait": {"name": "city", "op": "in", "value": "x"}}]}, "next": "b"}
    found = errors_of(minimal({"id": "a", "branch": {"when": [when]}}, {"id": "b", "exit": {}}))
    assert found == {"steps[0].branch.when[0].if.any[0].trait.value": "'in' needs a list"}


def test_a_loop_without_a_wait_is_an_error_and_with_one_it_is_not():
    loop = minimal(
        {"id": "a", "send": {"template": "t"}},
        {"id": "b", "update": {"traits": {"x": 1}}, "next": "a"},
    )
    assert errors_of(loop) == {"steps[0]": "a loop that passes no wait step: a -> b -> a"}
    loop["steps"].insert(1, {"id": "pause", "wait": {"duration": "1d"}})
    assert parse_journey(loop).steps[1].id == "pause"


def test_a_branch_back_to_itself_is_a_loop():
    found = errors_of(
        minimal(
            {"id": "s", "send": {"template": "t"}},
            {"id": "b", "branch": {"when": [{"if": {"segment": "x"}, "next": "s"}]}},
        )
    )
    assert found == {"steps[0]": "a loop that passes no wait step: s -> b -> s"}


@pytest.mark.parametrize(
    ("trigger", "path"),
    [
        ({}, "trigger"),
        ({"event": {"name": "X"}, "segment": {"name": "s"}}, "trigger"),
        ({"date": {"trait": "birthday", "at": "9am"}}, "trigger.date.at"),
        (
            {"absence": {"after": {"name": "A"}, "missing": {"name": "B"}, "within": "0h"}},
            "trigger.absence.within",
        ),
        ({"catalog": {"signal": "sold_out"}}, "trigger.catalog.signal"),
    ],
)
def test_trigger_errors(trigger, path):
    assert path in errors_of(minimal({"id": "a", "exit": {}}, trigger=trigger))


def test_other_field_errors():
    assert "steps" in errors_of(minimal())
    assert "steps[0]" in errors_of(minimal({"id": "a"}))
    assert "steps[0]" in errors_of(minimal({"id": "a", "exit": {}, "send": {"template": "t"}}))
    assert "steps[0].next" in errors_of(minimal({"id": "a", "exit": {}, "next": "a"}))
    assert "steps[0].id" in errors_of(minimal({"id": "A b", "exit": {}}))
    assert "steps[0].webhook.url" in errors_of(minimal({"id": "a", "webhook": {"url": "ftp://x"}}))
    assert "steps[0].send.cascade[0]" in errors_of(
        minimal({"id": "a", "send": {"template": "t", "cascade": ["pigeon"]}})
    )
    assert "reentry.mode" in errors_of(minimal({"id": "a", "exit": {}}, reentry={"mode": "once"}))
    assert "journey" in errors_of([])  # type: ignore[arg-type]


def test_unreachable_steps_are_a_warning_not_an_error():
    journey = parse_journey(
        minimal(
            {"id": "a", "send": {"template": "t"}, "next": "c"},
            {"id": "orphan", "send": {"template": "u"}},
            {"id": "c", "exit": {}},
        )
    )
    assert warnings(journey) == ["steps[1] ('orphan') is never reached: no step leads to it"]


def test_other_triggers_parse_with_defaults():
    def trigger(kind: dict):
        return parse_journey(minimal({"id": "a", "exit": {}}, trigger=kind)).trigger

    assert trigger({"segment": {"name": "lapsed"}}).segment.on == "entered"
    assert trigger({"schedule": {"cron": "0 10 * * 1"}}).schedule.segment is None
    date = trigger({"date": {"trait": "birthday", "days_before": 3, "at": "10:00"}}).date
    assert (date.days_before, date.at) == (3, time(10, 0))
    catalog = trigger({"catalog": {"signal": "back_in_stock", "relation": "carted"}}).catalog
    assert catalog.within_days == 30


def test_an_absence_trigger_becomes_a_wait_before_the_steps():
    journey = parse_journey(
        minimal(
            {"id": "nudge", "send": {"template": "t"}},
            trigger={
                "absence": {
                    "after": {"name": "Product Added"},
                    "missing": {"name": "Order Completed"},
                    "within": "6h",
                }
            },
        )
    )
    wait, met, nudge = effective_steps(journey)
    assert (wait.id, wait.wait.event.name, wait.wait.timeout) == (
        ABSENCE_WAIT,
        "Order Completed",
        timedelta(hours=6),
    )
    assert (wait.on_event, wait.next, met.id, met.kind) == (
        ABSENCE_MET,
        "nudge",
        ABSENCE_MET,
        "exit",
    )
    assert nudge == journey.steps[0]
