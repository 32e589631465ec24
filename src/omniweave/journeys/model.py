"""The journey definition language: frozen models parsed from YAML/JSON, with every error at once.

A journey is a trigger and a list of steps; each step runs the next one in the list unless it
names another (``next``, a branch's or split's targets, a wait's ``on_event``). Parsing checks
the fields (pydantic), then the graph: unique ids, targets that exist, and no loop that could
run forever inside one advance because it passes no wait step.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import time, timedelta
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    ValidationError,
    model_validator,
)

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.ingest.segment import pydantic_errors
from omniweave.journeys import schedule
from omniweave.journeys.filters import EventFilter, TriggerCondition
from omniweave.segments import model as segments
from omniweave.segments.model import Channel, Topic

Id = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,64}$")]
Duration = Annotated[
    timedelta,
    BeforeValidator(schedule.parse_duration),
    PlainSerializer(schedule.format_duration, return_type=str),
]
LocalTime = Annotated[
    time,
    BeforeValidator(schedule.parse_time_of_day),
    PlainSerializer(schedule.format_time_of_day, return_type=str),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _exactly_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    given = [name for name in names if getattr(model, name) is not None]
    if len(given) != 1:
        found = f"got {', '.join(given)}" if given else "got none"
        raise ValueError(f"{what} is exactly one of {', '.join(names)}; {found}")


def _tag(model: type[BaseModel]) -> str:
    return next(iter(model.model_fields)).rstrip("_")  # NotNode's field is ``not_``


def _condition_key(value: Any) -> str | None:
    """A condition is tagged by its only key, as a segment node is."""
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))
    return _tag(type(value)) if isinstance(value, BaseModel) else None


_NODES = get_args(get_args(segments.Node)[0])  # the segment language's tagged node models
# A segment-language node (the runtime evaluates it for the person) or a test of the entry event.
Condition = Annotated[
    Union[(Annotated[TriggerCondition, Tag("trigger")], *_NODES)],
    Discriminator(_condition_key),
]


class SegmentChange(_Model):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    on: Literal["entered", "exited"] = "entered"


class ScheduleTrigger(_Model):
    cron: str  # read on the person's own clock
    segment: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def _cron(self) -> ScheduleTrigger:
        if not schedule.cron_valid(self.cron):
            raise ValueError("cron: not a valid cron expression (minute hour day month weekday)")
        return self


class DateTrigger(_Model):
    trait: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")]
    days_before: Annotated[int, Field(ge=0, le=365)] = 0
    at: LocalTime = time(10, 0)


class AbsenceTrigger(_Model):
    """Enter on ``after``; go on only if ``missing`` does not follow ``within``."""

    after: EventFilter
    missing: EventFilter
    within: Duration


class CatalogTrigger(_Model):
    signal: Literal["back_in_stock", "price_dropped"]
    relation: Literal["viewed", "carted"] = "viewed"
    within_days: Annotated[int, Field(ge=1, le=365)] = 30


class Trigger(_Model):
    event: EventFilter | None = None
    segment: SegmentChange | None = None
    schedule: ScheduleTrigger | None = None
    date: DateTrigger | None = None
    absence: AbsenceTrigger | None = None
    catalog: CatalogTrigger | None = None

    @property
    def kind(self) -> str:
        return next(name for name in KINDS if getattr(self, name) is not None)

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        _exactly_one(self, KINDS, "a trigger")
        return self


KINDS = ("event", "segment", "schedule", "date", "absence", "catalog")


class Reentry(_Model):
    mode: Literal["never", "after_exit", "always"] = "after_exit"
    after: Duration | None = None  # at least this long since the last entry


class Goal(_Model):
    event: EventFilter
    within: Duration | None = None  # counted from entry; None: for as long as the run lasts


class WaitStep(_Model):
    duration: Duration | None = None
    until: LocalTime | None = None  # the next time the person's clock shows it
    event: EventFilter | None = None
    timeout: Duration | None = None  # with ``event``: how long to wait for it

    @model_validator(mode="after")
    def _one(self) -> WaitStep:
        _exactly_one(self, ("duration", "until", "event"), "a wait")
        if (self.event is None) != (self.timeout is None):
            raise ValueError("timeout: goes with event, and an event wait needs one")
        return self


class Variant(_Model):
    name: Id
    weight: Annotated[int, Field(gt=0, le=100)]
    next: Id | None = None


class SplitStep(_Model):
    variants: Annotated[list[Variant], Field(min_length=2, max_length=20)]

    @model_validator(mode="after")
    def _weights(self) -> SplitStep:
        if sum(variant.weight for variant in self.variants) != 100:
            raise ValueError("variants: the weights must add up to 100")
        if len({variant.name for variant in self.variants}) != len(self.variants):
            raise ValueError("variants: the names must be unique")
        return self


class When(_Model):
    if_: Condition = Field(alias="if")
    next: Id


class BranchStep(_Model):
    when: Annotated[list[When], Field(min_length=1, max_length=20)]
    else_: Id | None = Field(default=None, alias="else")


class Fallback(_Model):
    unopened: Duration


class SendStep(_Model):
    template: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]
    topic: Topic = "marketing"
    cascade: Annotated[list[Channel], Field(min_length=1)] | None = None
    dedup_key: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    fallback: Fallback | None = None


class UpdateStep(_Model):
    traits: Annotated[
        dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")], Any], Field(min_length=1)
    ]


class WebhookStep(_Model):
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)]
    body: Any = None


class ExitStep(_Model):
    pass


ACTIONS = ("wait", "split", "branch", "send", "update", "webhook", "exit")


class Step(_Model):
    id: Id
    wait: WaitStep | None = None
    split: SplitStep | None = None
    branch: BranchStep | None = None
    send: SendStep | None = None
    update: UpdateStep | None = None
    webhook: WebhookStep | None = None
    exit: ExitStep | None = None
    next: Id | None = None
    on_event: Id | None = None  # only with wait.event: where the event's arrival leads

    @property
    def kind(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)

    @model_validator(mode="after")
    def _one(self) -> Step:
        _exactly_one(self, ACTIONS, "a step")
        if self.on_event is not None and (self.wait is None or self.wait.event is None):
            raise ValueError("on_event: only a wait for an event has one")
        if self.next is not None and self.kind in ("split", "branch", "exit"):
            raise ValueError(f"next: a {self.kind} step chooses its own next step")
        return self


class Journey(_Model):
    name: Id
    description: Annotated[str, Field(max_length=2000)] | None = None
    trigger: Trigger
    reentry: Reentry = Reentry()
    holdout: Annotated[int, Field(ge=0, le=50)] = 0  # percent of entrants kept from every send
    goal: Goal | None = None
    exit_on: list[EventFilter] = Field(default_factory=list)
    steps: Annotated[list[Step], Field(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _graph(self) -> Journey:
        errors = graph_errors(list(self.steps), [step.id for step in self.steps])
        if errors:
            raise InvalidInput(errors)  # not a ValueError: pydantic lets it through as it is
        return self


def parse_journey(raw: Mapping[str, Any]) -> Journey:
    """A definition as a ``Journey``, or ``InvalidInput`` listing every wrong field's path."""
    if not isinstance(raw, Mapping):
        raise InvalidInput.one("journey", "a journey definition is a mapping")
    try:
        return Journey.model_validate(dict(raw))
    except ValidationError as exc:
        errors = _field_errors(exc)
    steps = raw.get("steps")
    if isinstance(steps, list | tuple):
        errors += graph_errors([_step_or_none(s) for s in steps], [_raw_id(s) for s in steps])
    raise InvalidInput(list(dict.fromkeys(errors)))


def journey_as_dict(journey: Journey) -> dict[str, Any]:
    """The definition as JSON-ready data that ``parse_journey`` reads back to an equal journey."""
    return journey.model_dump(mode="json", by_alias=True, exclude_none=True)


def definition_hash(journey: Journey) -> str:
    """A stable name for this version of the definition: 16 hex digits of its canonical JSON."""
    text = json.dumps(journey_as_dict(journey), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def following(steps: Sequence[Step], index: int) -> str | None:
    """Where a step goes when it says nothing: its ``next``, or the next one in the list."""
    step = steps[index]
    if step.next is not None:
        return step.next
    return steps[index + 1].id if index + 1 < len(steps) else None


def successors(steps: Sequence[Step], index: int) -> list[str]:
    """Every step this one may lead to (a wait's only after the wait)."""
    step, after = steps[index], following(steps, index)
    if step.exit is not None:
        found: list[str | None] = []
    elif step.split is not None:
        found = [variant.next or after for variant in step.split.variants]
    elif step.branch is not None:
        found = [when.next for when in step.branch.when] + [step.branch.else_ or after]
    else:
        found = [after, step.on_event]
    return [target for target in dict.fromkeys(found) if target is not None]


def graph_errors(steps: list[Step | None], ids: list[Any]) -> list[FieldError]:
    """Duplicate ids, targets that are not steps, and loops without a wait (None: invalid)."""
    errors, first = [], {}
    for index, step_id in enumerate(ids):
        if step_id in first:
            message = f"{step_id!r} is already the id of steps[{first[step_id]}]"
            errors.append(FieldError(f"steps[{index}].id", message))
        elif isinstance(step_id, str):
            first[step_id] = index
    for index, step in enumerate(steps):
        for where, target in _references(step) if step is not None else ():
            if target not in first:
                errors.append(FieldError(f"steps[{index}].{where}", f"no step has id {target!r}"))
    if not errors and all(step is not None for step in steps):
        errors += _loop_errors(steps)  # type: ignore[arg-type]
    return errors


def warnings(journey: Journey) -> list[str]:
    """What is allowed but probably not meant: steps that no path reaches."""
    steps, index = journey.steps, {step.id: i for i, step in enumerate(journey.steps)}
    seen, todo = {0}, [0]
    while todo:
        for target in successors(steps, todo.pop()):
            if index[target] not in seen:
                seen.add(index[target])
                todo.append(index[target])
    return [
        f"steps[{i}] ({step.id!r}) is never reached: no step leads to it"
        for i, step in enumerate(steps)
        if i not in seen
    ]


def _references(step: Step) -> list[tuple[str, str]]:
    found = [("next", step.next), ("on_event", step.on_event)]
    if step.split is not None:
        found += [(f"split.variants[{i}].next", v.next) for i, v in enumerate(step.split.variants)]
    if step.branch is not None:
        found += [(f"branch.when[{i}].next", w.next) for i, w in enumerate(step.branch.when)]
        found.append(("branch.else", step.branch.else_))
    return [(where, target) for where, target in found if target is not None]


def _loop_errors(steps: list[Step]) -> list[FieldError]:
    """A depth-first search over the moves made within one advance (a wait ends an advance)."""
    index = {step.id: i for i, step in enumerate(steps)}
    state: dict[int, str] = {}  # "open" while on the current path, "done" after

    def visit(i: int, path: list[int]) -> list[int] | None:
        state[i] = "open"
        if steps[i].wait is None:
            for target in successors(steps, i):
                j = index[target]
                if state.get(j) == "open":
                    return [*path[path.index(j) :], i, j] if j in path else [i, j]
                if j not in state and (loop := visit(j, [*path, i])):
                    return loop
        state[i] = "done"
        return None

    for start in range(len(steps)):
        if start not in state and (loop := visit(start, [])):
            names = " -> ".join(steps[i].id for i in loop)
            return [FieldError(f"steps[{loop[0]}]", f"a loop that passes no wait step: {names}")]
    return []


def _step_or_none(raw: Any) -> Step | None:
    try:
        return Step.model_validate(raw)
    except ValidationError:
        return None


def _raw_id(raw: Any) -> Any:
    return raw.get("id") if isinstance(raw, Mapping) else None


def _field_errors(exc: ValidationError) -> list[FieldError]:
    """pydantic names a tagged choice twice (``if.trait.trait.op``): say it once."""
    found = []
    for error in pydantic_errors(exc, ""):
        parts = error.field.replace("[", ".[").split(".")
        kept = [p for i, p in enumerate(parts) if not (i + 1 < len(parts) and parts[i + 1] == p)]
        message = error.message.removeprefix("Value error, ")
        if message.startswith(("Input tag", "Unable to extract tag")):
            message = f"a condition is one of {{{', '.join(_CONDITION_KEYS)}: ...}}"
        found.append(FieldError(".".join(kept).replace(".[", "["), message))
    return found


_CONDITION_KEYS = ("trigger", *(_tag(get_args(node)[0]) for node in _NODES))
