"""Event filters evaluated in Python on one event, with the segment SQL compiler's semantics.

The journey runtime sees events one at a time, so the ``where`` tests that segments compile to
SQL are run here on the event's JSON: a dotted key looks into nested properties; ``eq``/``ne``
with a text or boolean compare the value's text (case-sensitive; a missing value is ``ne``
anything); ``eq``..``lte`` with a number compare numbers (a numeric string counts as its number,
anything else fails every numeric test, ``ne`` too); ``in`` compares texts; ``contains`` is a
case-insensitive substring of a text or a list member; ``exists`` is present and not null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from omniweave.segments.model import PropertyTest, Scalar

_MISSING = object()
_KEY = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.]{1,64}$")]


class EventFilter(BaseModel):
    """An event by name whose properties pass ``where`` (the segment language's tests)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=255)]
    where: dict[_KEY, Scalar | PropertyTest] = Field(default_factory=dict)


class TriggerTest(PropertyTest):
    """A test on the entry event, ``path`` read from the event's root (``properties.total``)."""

    path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,5}$")]


class TriggerCondition(BaseModel):
    """A branch condition on the data of the event that started the run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trigger: TriggerTest


def matches(spec: EventFilter | Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is the filter's event and its properties pass every ``where`` test."""
    name, where = _parts(spec)
    if event.get("event") != name:
        return False
    properties = event.get("properties") or {}
    return all(
        passes(_lookup(properties, key.split(".")), _as_test(test)) for key, test in where.items()
    )


def trigger_test(test: TriggerTest | TriggerCondition, entry_event: Mapping[str, Any]) -> bool:
    """A ``{trigger: {path, op, value}}`` condition on the event that started the run."""
    if isinstance(test, TriggerCondition):
        test = test.trigger
    return passes(_lookup(entry_event, test.path.split(".")), test)


def passes(value: Any, test: PropertyTest) -> bool:
    """One property test on one value (``_MISSING`` or None: the property is not there)."""
    op, expected = test.op, test.value
    present = value is not _MISSING and value is not None
    if op == "exists":
        return present
    if op == "in":
        return present and _text(value) in {_text(item) for item in expected}
    if op == "contains":
        return present and _contains(value, expected)
    if op in ("eq", "ne") and (isinstance(expected, bool) or not isinstance(expected, int | float)):
        equal = present and _text(value) == _text(expected)
        return equal if op == "eq" else not equal
    number = _number(value) if present else None
    if number is None:
        return False  # as SQL's NULL: a missing or non-numeric value fails ``ne`` too
    bound = float(expected)
    return {
        "eq": number == bound,
        "ne": number != bound,
        "gt": number > bound,
        "gte": number >= bound,
        "lt": number < bound,
        "lte": number <= bound,
    }[op]


def _parts(spec: Any) -> tuple[str, Mapping[str, Any]]:
    if isinstance(spec, Mapping):
        return spec.get("name", ""), spec.get("where") or {}
    return spec.name, spec.where


def _as_test(test: Any) -> PropertyTest:
    if isinstance(test, PropertyTest):
        return test
    if isinstance(test, Mapping):
        return PropertyTest.model_validate(test)
    return PropertyTest(op="eq", value=test)


def _lookup(data: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _text(value: Any) -> str:
    """A JSON value as SQL's ``->>`` reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _contains(value: Any, expected: Any) -> bool:
    needle = _text(expected).lower()
    if isinstance(value, list | tuple):
        return any(_text(item).lower() == needle for item in value)
    return needle in _text(value).lower()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None
