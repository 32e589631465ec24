"""Computed trait definitions: what to aggregate, over which events or orders, in which window.

Definitions come from YAML (``default_traits.yaml`` ships with Omniweave; ``OMNIWEAVE_TRAITS_FILE``
replaces it). A wrong definition is refused whole, each error naming its node the way the
ingest API names fields (``traits[2].window.days``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.core.ids import canonical_json

DEFAULTS = Path(__file__).with_name("default_traits.yaml")
ORDER_EVENTS = ("Order Completed", "Order Updated", "Order Cancelled", "Order Refunded")

Aggregation = Literal[
    "count",
    "sum",
    "avg",
    "max",
    "min",
    "first",
    "last",
    "most_frequent",
    "distinct_count",
    "days_since",
    "rfm",
]
NEEDS_VALUE = {"sum", "avg", "max", "min", "first", "last", "most_frequent", "distinct_count"}
# A dotted path into an event or order record: ``channel``, ``properties.store``, ``sku``.
FieldPath = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
Scalar = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Events of the given names, and/or the profile's orders (latest version of each order;
    cancelled and refunded ones left out unless ``include_cancelled``)."""

    events: list[Annotated[str, Field(min_length=1, max_length=255)]] = []
    orders: bool = False
    include_cancelled: bool = False
    where: dict[FieldPath, Scalar | list[Scalar]] = {}


class Window(_Strict):
    """The last ``days`` days before the computation; no ``days``: all time."""

    days: Annotated[int, Field(ge=1, le=3650)] | None = None


class ScoreRange(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    r: tuple[Annotated[int, Field(ge=1, le=5)], Annotated[int, Field(ge=1, le=5)]]
    f: tuple[Annotated[int, Field(ge=1, le=5)], Annotated[int, Field(ge=1, le=5)]]


class RfmSpec(_Strict):
    """Labels by recency and frequency score ranges (inclusive); the first that fits wins."""

    segments: list[ScoreRange] = Field(min_length=1)


class TraitDefinition(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    description: str = ""
    aggregation: Aggregation
    source: Source
    each: FieldPath | None = None  # fan out over a list in the record (an order's products)
    value: FieldPath | None = None
    weight: FieldPath | None = None  # most_frequent: what an occurrence counts for (quantity)
    group_by: FieldPath | None = None  # one value per group, as a mapping
    window: Window = Window()
    tie_break: Literal["latest", "earliest", "smallest"] = "latest"
    rfm: RfmSpec | None = None

    @field_validator("window", mode="before")
    @classmethod
    def _all_time(cls, value: Any) -> Any:
        return {} if value in ("all", "all_time", None) else value

    @cached_property
    def version(self) -> str:
        """A hash of the definition: a stored value computed by another version is stale."""
        return hashlib.sha256(canonical_json(self.model_dump(mode="json"))).hexdigest()[:16]


class _File(_Strict):
    traits: list[TraitDefinition]


@dataclass(frozen=True)
class Catalog:
    """The definitions in force."""

    definitions: tuple[TraitDefinition, ...]

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.definitions]

    def event_names(self) -> set[str]:
        """Events any definition reads (order events when one reads orders): the only ones
        worth loading, and the only ones whose arrival changes a trait."""
        found: set[str] = set()
        for definition in self.definitions:
            found.update(definition.source.events)
            if definition.source.orders:
                found.update(ORDER_EVENTS)
        return found

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {**d.model_dump(mode="json", exclude_none=True), "version": d.version}
            for d in self.definitions
        ]


def parse_catalog(document: Any) -> Catalog:
    """Validate a parsed YAML document; every error names its node."""
    try:
        parsed = _File.model_validate(document)
    except ValidationError as exc:
        raise InvalidInput([FieldError(_path(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    errors = [e for i, d in enumerate(parsed.traits) for e in _semantics(d, f"traits[{i}]")]
    seen: set[str] = set()
    for i, definition in enumerate(parsed.traits):
        if definition.name in seen:
            errors.append(FieldError(f"traits[{i}].name", f"{definition.name!r} is defined twice"))
        seen.add(definition.name)
    if errors:
        raise InvalidInput(errors)
    return Catalog(tuple(parsed.traits))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """The shipped defaults, or the definitions in ``path``."""
    path = Path(path) if path else DEFAULTS
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput.one(str(path), f"cannot read trait definitions: {exc}") from None
    return parse_catalog(document)


def _semantics(d: TraitDefinition, at: str) -> list[FieldError]:
    """Rules between fields, each reported at the field to change."""
    errors = []
    if not d.source.events and not d.source.orders:
        errors.append(FieldError(f"{at}.source", "name events, or set orders: true"))
    if d.aggregation in NEEDS_VALUE and d.value is None:
        errors.append(FieldError(f"{at}.value", f"{d.aggregation} needs a value to aggregate"))
    if d.weight is not None and d.aggregation != "most_frequent":
        errors.append(FieldError(f"{at}.weight", "only most_frequent takes a weight"))
    if d.aggregation == "rfm":
        if d.rfm is None:
            errors.append(FieldError(f"{at}.rfm", "rfm needs its segments"))
        if not d.source.orders or d.source.events:
            errors.append(FieldError(f"{at}.source", "rfm is computed over orders only"))
        if d.group_by or d.each:
            errors.append(FieldError(f"{at}.group_by", "rfm is one value per profile"))
    elif d.rfm is not None:
        errors.append(FieldError(f"{at}.rfm", "only the rfm aggregation takes segments"))
    return errors


def _path(loc: tuple[Any, ...]) -> str:
    """("traits", 2, "window", "days") -> "traits[2].window.days"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
