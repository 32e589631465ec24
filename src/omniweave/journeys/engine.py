"""The pure step machine: a run, one happening and the clock in; the next run and actions out.

The runtime stores runs and timers, evaluates segment conditions (``holds``) and draws each
person's stable random numbers (``unit``); the engine decides. Every decision is also an
action, ``StepTaken``, whose outcome feeds per-step numbers and whose detail says why.

Outcomes: ``entered``, ``waiting``, ``waited``, ``timed_out``, ``event``, ``send``,
``held_out``, ``update``, ``webhook``, ``variant:<name>``, ``when[<i>]``, ``else``, ``exit``,
``exit_on``, ``goal``, ``completed`` and ``error`` (a run that cannot go on is exited).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from omniweave.core.time import iso
from omniweave.journeys.filters import TriggerCondition, matches, trigger_test
from omniweave.journeys.model import (
    Condition,
    ExitStep,
    Journey,
    Reentry,
    SendStep,
    Step,
    WaitStep,
    following,
)
from omniweave.journeys.schedule import format_duration, format_time_of_day, next_local

Status = Literal["active", "waiting", "completed", "exited", "goal"]
FINISHED = ("completed", "exited", "goal")
MAX_STEPS = 100  # per advance: a validated journey cannot loop without waiting; be sure anyway
ENTRY_KEYS = ("event", "type", "properties", "traits", "context", "timestamp")


@dataclass(frozen=True)
class Run:
    """A person's run through one journey version."""

    step: str | None  # the step it is at (None: not started)
    status: Status
    entered_at: datetime
    wake_at: datetime | None = None  # a waiting run's timer (duration, until or event timeout)
    waiting_for: Mapping[str, Any] | None = None  # the event a wait.event step waits for
    variant: str | None = None  # the split variant taken last, if any
    held_out: bool = False
    path: tuple[str, ...] = ()  # steps visited, in order
    entry: Mapping[str, Any] = field(default_factory=dict)  # the entry event, for trigger tests
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Entered:
    event: Mapping[str, Any]


@dataclass(frozen=True)
class TimerFired:
    at: datetime


@dataclass(frozen=True)
class EventArrived:
    event: Mapping[str, Any]


@dataclass(frozen=True)
class Send:
    step: str
    send: SendStep
    held_out: bool  # the control group: record the send, deliver nothing


@dataclass(frozen=True)
class UpdateProfile:
    step: str
    traits: Mapping[str, Any]


@dataclass(frozen=True)
class CallWebhook:
    step: str
    url: str
    body: Any


@dataclass(frozen=True)
class StepTaken:
    step: str
    outcome: str
    detail: str


Happening = Entered | TimerFired | EventArrived
Action = Send | UpdateProfile | CallWebhook | StepTaken


@dataclass(frozen=True)
class _Context:
    journey: Journey
    steps: Sequence[Step]
    index: Mapping[str, int]
    now: datetime
    holds: Callable[[Condition], bool]
    unit: Callable[[str], float]
    timezone: str


def advance(
    journey: Journey,
    run: Run | None,
    happening: Happening,
    now: datetime,
    *,
    holds: Callable[[Condition], bool],
    unit: Callable[[str], float],
    timezone: str,
) -> tuple[Run, list[Action]]:
    """The run after ``happening`` and what the runtime must do, in order."""
    steps = effective_steps(journey)
    index = {step.id: i for i, step in enumerate(steps)}
    ctx = _Context(journey, steps, index, now, holds, unit, timezone)
    if isinstance(happening, Entered):
        if run is not None and run.step is not None:
            return run, []  # entered already: a repeated delivery
        return _enter(ctx, run, happening.event)
    if run is None:
        raise ValueError("a run starts with Entered")
    if run.status in FINISHED:
        return run, []
    if isinstance(happening, TimerFired):
        return _timer(ctx, run, happening.at)
    return _event(ctx, run, happening.event)


def _enter(ctx: _Context, run: Run | None, event: Mapping[str, Any]) -> tuple[Run, list[Action]]:
    """Holdout is drawn once, here; the held-out run walks the same path without sends."""
    draw = ctx.unit("holdout") * 100
    held_out = draw < ctx.journey.holdout
    entry = {key: event[key] for key in ENTRY_KEYS if key in event}
    run = Run(None, "active", run.entered_at if run else ctx.now, held_out=held_out, entry=entry)
    first = ctx.steps[0].id
    group = "held out (control group)" if held_out else "in the treatment group"
    detail = f"{group}: draw {draw:.1f} against holdout {ctx.journey.holdout}%"
    return _walk(ctx, run, first, [StepTaken(first, "entered", detail)])


def _timer(ctx: _Context, run: Run, at: datetime) -> tuple[Run, list[Action]]:
    if run.status != "waiting" or run.wake_at is None or run.wake_at > at:
        return run, []  # not due, or delivered twice
    position = ctx.index.get(run.step or "")
    if position is None:
        return _lost(ctx, run)
    step = ctx.steps[position]
    if step.wait is not None and step.wait.event is not None:
        name, span = step.wait.event.name, format_duration(step.wait.timeout)  # type: ignore[arg-type]
        taken = StepTaken(step.id, "timed_out", f"{name!r} did not happen within {span}")
    else:
        taken = StepTaken(step.id, "waited", f"the wait ended at {iso(run.wake_at)}")
    return _walk(ctx, run, following(ctx.steps, position), [taken])


def _event(ctx: _Context, run: Run, event: Mapping[str, Any]) -> tuple[Run, list[Action]]:
    """The goal first, then an exit event, then the event a wait is for."""
    here, name = run.step or "", event.get("event")
    goal = ctx.journey.goal
    window = goal.within if goal is not None else None
    in_window = window is None or ctx.now - run.entered_at <= window
    if goal is not None and in_window and matches(goal.event, event):
        detail = f"{name!r} arrived at {iso(ctx.now)}, entered at {iso(run.entered_at)}"
        return _end(ctx, run, "goal"), [StepTaken(here, "goal", detail)]
    for spec in ctx.journey.exit_on:
        if matches(spec, event):
            return _end(ctx, run, "exited"), [StepTaken(here, "exit_on", f"{name!r} arrived")]
    if run.status != "waiting" or run.waiting_for is None or not matches(run.waiting_for, event):
        return run, []
    position = ctx.index.get(here)
    if position is None:
        return _lost(ctx, run)
    step = ctx.steps[position]
    target = step.on_event or following(ctx.steps, position)
    return _walk(ctx, run, target, [StepTaken(here, "event", f"{name!r} arrived")])


def _walk(
    ctx: _Context, run: Run, step_id: str | None, actions: list[Action]
) -> tuple[Run, list[Action]]:
    """Run steps from ``step_id`` until one waits, exits, or the list ends."""
    run = replace(run, status="active", wake_at=None, waiting_for=None)
    for _ in range(MAX_STEPS):
        if step_id is None:
            actions.append(StepTaken(run.step or "", "completed", "no step follows"))
            return _end(ctx, run, "completed"), actions
        position = ctx.index.get(step_id)
        if position is None:
            return _lost(ctx, replace(run, step=step_id), actions)
        step = ctx.steps[position]
        run = replace(run, step=step_id, path=(*run.path, step_id))
        if step.wait is not None:
            return _wait(ctx, run, step, actions)
        if step.exit is not None:
            actions.append(StepTaken(step.id, "exit", "an exit step"))
            return _end(ctx, run, "exited"), actions
        run, step_id = _act(ctx, run, position, actions)
    actions.append(StepTaken(step_id or "", "error", f"more than {MAX_STEPS} steps at once"))
    return _end(ctx, run, "exited"), actions


def _act(ctx: _Context, run: Run, position: int, actions: list[Action]) -> tuple[Run, str | None]:
    """One step that neither waits nor exits; where it leads."""
    step, after = ctx.steps[position], following(ctx.steps, position)
    if step.send is not None:
        actions.append(Send(step.id, step.send, run.held_out))
        outcome = "held_out" if run.held_out else "send"
        what = f"template {step.send.template!r} on topic {step.send.topic!r}"
        actions.append(StepTaken(step.id, outcome, ("recorded, not sent: " * run.held_out) + what))
    elif step.update is not None:
        actions.append(UpdateProfile(step.id, step.update.traits))
        actions.append(StepTaken(step.id, "update", "traits " + ", ".join(step.update.traits)))
    elif step.webhook is not None:
        actions.append(CallWebhook(step.id, step.webhook.url, step.webhook.body))
        actions.append(StepTaken(step.id, "webhook", step.webhook.url))
    elif step.split is not None:
        return _split(ctx, run, step, after, actions)
    elif step.branch is not None:
        return run, _branch(ctx, run, step, after, actions)
    return run, after


def _split(
    ctx: _Context, run: Run, step: Step, after: str | None, actions: list[Action]
) -> tuple[Run, str | None]:
    """Variants own consecutive slices of 0..100; the person's stable draw picks one."""
    draw, low = ctx.unit(f"split:{step.id}") * 100, 0
    variants = step.split.variants  # type: ignore[union-attr]
    chosen = variants[-1]
    for variant in variants:
        if draw < low + variant.weight:
            chosen = variant
            break
        low += variant.weight
    detail = f"draw {draw:.1f} in {low}..{low + chosen.weight}"
    actions.append(StepTaken(step.id, f"variant:{chosen.name}", detail))
    return replace(run, variant=chosen.name), chosen.next or after


def _branch(
    ctx: _Context, run: Run, step: Step, after: str | None, actions: list[Action]
) -> str | None:
    """The first condition that holds chooses; a trigger test reads the entry event."""
    branch = step.branch
    for number, when in enumerate(branch.when):  # type: ignore[union-attr]
        condition = when.if_
        if isinstance(condition, TriggerCondition):
            held = trigger_test(condition, run.entry)
            test = condition.trigger
            what = f"entry {test.path} {test.op} {test.value!r}"
        else:
            held = bool(ctx.holds(condition))
            what = f"segment condition {_condition_name(condition)}"
        if held:
            actions.append(StepTaken(step.id, f"when[{number}]", f"{what} holds"))
            return when.next
    actions.append(StepTaken(step.id, "else", "no condition holds"))
    return branch.else_ or after  # type: ignore[union-attr]


def _wait(ctx: _Context, run: Run, step: Step, actions: list[Action]) -> tuple[Run, list[Action]]:
    wait = step.wait
    assert wait is not None
    waiting_for = None
    if wait.duration is not None:
        wake = ctx.now + wait.duration
        detail = f"for {format_duration(wait.duration)}, until {iso(wake)}"
    elif wait.until is not None:
        wake = next_local(wait.until, ctx.timezone, ctx.now)
        detail = f"until {format_time_of_day(wait.until)} in {ctx.timezone}: {iso(wake)}"
    else:
        wake = ctx.now + wait.timeout  # type: ignore[operator]
        waiting_for = wait.event.model_dump(mode="json")  # type: ignore[union-attr]
        detail = f"for {wait.event.name!r} until {iso(wake)}"  # type: ignore[union-attr]
    actions.append(StepTaken(step.id, "waiting", detail))
    return replace(run, status="waiting", wake_at=wake, waiting_for=waiting_for), actions


def _end(ctx: _Context, run: Run, status: Status) -> Run:
    return replace(run, status=status, wake_at=None, waiting_for=None, ended_at=ctx.now)


def _lost(ctx: _Context, run: Run, actions: list[Action] | None = None) -> tuple[Run, list[Action]]:
    """A step this journey version does not have: the run cannot go on."""
    detail = f"step {run.step!r} is not in this version of the journey"
    return _end(ctx, run, "exited"), [*(actions or []), StepTaken(run.step or "", "error", detail)]


def _condition_name(condition: Any) -> str:
    return next(iter(condition.model_dump(by_alias=True)), "?")


ABSENCE_WAIT, ABSENCE_MET = "absence:wait", "absence:arrived"


def effective_steps(journey: Journey) -> tuple[Step, ...]:
    """The steps the engine runs: an absence trigger is a wait for the missing event first,
    which ends the run when it arrives and goes on to the journey's steps when it does not."""
    absence = journey.trigger.absence
    if absence is None:
        return journey.steps
    wait = WaitStep(event=absence.missing, timeout=absence.within)
    return (
        Step.model_construct(
            id=ABSENCE_WAIT, wait=wait, on_event=ABSENCE_MET, next=journey.steps[0].id
        ),
        Step.model_construct(id=ABSENCE_MET, exit=ExitStep()),
        *journey.steps,
    )


def entry_allowed(
    reentry: Reentry,
    previous_runs: Sequence[tuple[datetime, datetime | None, str]],
    now: datetime,
) -> tuple[bool, str]:
    """Whether a person may enter again, given their earlier runs' (entered, ended, status)."""
    if not previous_runs:
        return True, "first entry"
    last = max(entered for entered, _, _ in previous_runs)
    if reentry.mode == "never":
        return False, f"entered before (last at {iso(last)}) and reentry is never"
    ongoing = [e for e, ended, status in previous_runs if ended is None and status not in FINISHED]
    if reentry.mode == "after_exit" and ongoing:
        return False, f"still in the journey since {iso(max(ongoing))}"
    if reentry.after is not None and now - last < reentry.after:
        return False, f"entered at {iso(last)}, less than {format_duration(reentry.after)} ago"
    return True, f"reentry {reentry.mode} allows it"


def trigger_matches(journey: Journey, event: Mapping[str, Any]) -> bool:
    """Whether an event starts a run (event, segment, absence and catalog triggers; the
    runtime's schedulers start the others)."""
    trigger = journey.trigger
    if trigger.event is not None:
        return matches(trigger.event, event)
    if trigger.absence is not None:
        return matches(trigger.absence.after, event)
    if trigger.segment is not None:
        name = "Segment Entered" if trigger.segment.on == "entered" else "Segment Exited"
        properties = event.get("properties") or {}
        return event.get("event") == name and properties.get("segment") == trigger.segment.name
    if trigger.catalog is not None:
        return catalog_matches(trigger.catalog, event)
    return False


CATALOG_EVENTS = {"back_in_stock": "Back In Stock", "price_dropped": "Price Dropped"}


def catalog_matches(trigger: Any, event: Mapping[str, Any]) -> bool:
    """A catalog trigger on the per-person event commerce emits (``commerce.announce``):
    ``reason`` says whether the sku is in the person's cart (``in_cart``) or was only viewed;
    ``carted`` wants the former, ``viewed`` either; ``days_since_interest`` is how long ago
    the person last viewed or added it."""
    if event.get("event") != CATALOG_EVENTS[trigger.signal]:
        return False
    properties = event.get("properties") or {}
    if trigger.relation == "carted" and properties.get("reason") != "in_cart":
        return False
    days = properties.get("days_since_interest")
    return not isinstance(days, int | float) or days <= trigger.within_days
