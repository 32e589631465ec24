"""Hypothesis: any valid journey and any happenings leave a run finished or properly waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omniweave.journeys.engine import (
    FINISHED,
    Entered,
    EventArrived,
    Send,
    StepTaken,
    TimerFired,
    advance,
    effective_steps,
)
from omniweave.journeys.model import parse_journey

T0 = datetime(2025, 3, 8, 12, tzinfo=UTC)
NAMES = ("A", "B", "Goal", "Stop")
ZONES = ("UTC", "Europe/Moscow", "America/New_York", "Nowhere/Unknown")


def later(draw, position: int, count: int) -> str | None:
    """A step after this one, or None (go on with the next in the list)."""
    if position + 1 >= count or draw(st.booleans()):
        return None
    return f"s{draw(st.integers(position + 1, count - 1))}"


@st.composite
def steps(draw, count: int) -> list[dict]:
    """Steps that only ever point forwards, so there is no loop at all."""
    found = []
    for position in range(count):
        kinds = ["wait", "until", "event", "send", "update", "split", "webhook", "exit"]
        kind = draw(st.sampled_from(kinds + ["branch"] * (position + 1 < count)))
        step = {"id": f"s{position}", **draw(action(kind, position, count))}
        target = later(draw, position, count)
        if target is not None and kind not in ("split", "branch", "exit"):
            step["next"] = target
        found.append(step)
    return found


@st.composite
def action(draw, kind: str, position: int, count: int) -> dict:
    if kind == "wait":
        return {"wait": {"duration": draw(st.sampled_from(("30m", "6h", "1d", 90)))}}
    if kind == "until":
        return {"wait": {"until": draw(st.sampled_from(("00:00", "02:30", "10:00", "23:59")))}}
    if kind == "event":
        on_event = _key("on_event", later(draw, position, count))
        return {
            "wait": {"event": {"name": draw(st.sampled_from(NAMES))}, "timeout": "6h"},
            **on_event,
        }
    if kind == "split":
        first = draw(st.integers(1, 99))
        variants = [
            {"name": "a", "weight": first, **_key("next", later(draw, position, count))},
            {"name": "b", "weight": 100 - first, **_key("next", later(draw, position, count))},
        ]
        return {"split": {"variants": variants}}
    if kind == "branch":  # never the last step: it needs a step to go to
        test = {"trigger": {"path": "properties.total", "op": "gt", "value": 10}}
        condition = draw(st.sampled_from((test, {"segment": "vip"})))
        when = {"if": condition, "next": later(draw, position, count) or f"s{position + 1}"}
        return {"branch": {"when": [when], **_key("else", later(draw, position, count))}}
    return {
        "send": {"send": {"template": "t"}},
        "update": {"update": {"traits": {"x": 1}}},
        "webhook": {"webhook": {"url": "https://example.com/hook"}},
        "exit": {"exit": {}},
    }[kind]


def _key(name: str, target: str | None) -> dict:
    return {} if target is None else {name: target}


@st.composite
def journeys(draw):
    count = draw(st.integers(1, 8))
    trigger = draw(
        st.sampled_from(
            (
                {"event": {"name": "A"}},
                {"absence": {"after": {"name": "A"}, "missing": {"name": "B"}, "within": "2h"}},
            )
        )
    )
    definition = {
        "name": "prop",
        "trigger": trigger,
        "holdout": draw(st.integers(0, 50)),
        "steps": draw(steps(count)),
        "exit_on": [{"name": "Stop"}],
    }
    if draw(st.booleans()):
        definition["goal"] = {"event": {"name": "Goal"}, "within": "1d"}
    return parse_journey(definition)


happenings = st.lists(
    st.tuples(
        st.sampled_from(("due", "timer", "event")),
        st.sampled_from(NAMES),
        st.integers(0, 2 * 86400),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    journey=journeys(),
    sequence=happenings,
    seed=st.floats(0, 1, exclude_max=True),
    yes=st.booleans(),
    timezone=st.sampled_from(ZONES),
    total=st.integers(0, 20),
)
def test_runs_always_end_or_wait_properly(journey, sequence, seed, yes, timezone, total):
    def unit(key: str) -> float:
        return (seed + sum(map(ord, key)) * 0.618) % 1

    options = {"holds": lambda condition: yes, "unit": unit, "timezone": timezone}
    event_waits = {step.id for step in effective_steps(journey) if step.wait and step.wait.event}
    now = T0
    entry = {"event": "A", "properties": {"total": total}}
    run, actions = advance(journey, None, Entered(entry), now, **options)
    check(run, actions, event_waits)
    for kind, name, seconds in sequence:
        now += timedelta(seconds=seconds)
        if kind == "due" and run.wake_at is not None:
            now = max(now, run.wake_at)
        happening = EventArrived({"event": name}) if kind == "event" else TimerFired(now)
        before = run
        run, actions = advance(journey, run, happening, now, **options)
        if before.status in FINISHED:
            assert (run, actions) == (before, [])
        check(run, actions, event_waits)


def check(run, actions, event_waits) -> None:
    assert run.status in (*FINISHED, "waiting")
    if run.status == "waiting":
        assert run.wake_at is not None
        assert (run.waiting_for is not None) == (run.step in event_waits)
    else:
        assert run.wake_at is None and run.waiting_for is None and run.ended_at is not None
    assert all(send.held_out == run.held_out for send in actions if isinstance(send, Send))
    assert all(taken.outcome != "error" for taken in actions if isinstance(taken, StepTaken))
