"""The segment definition language: a typed tree, validated with the path of a wrong node.

{"all": [
    {"event": {"name": "Product Viewed", "min": 2, "withinDays": 7,
               "where": {"category": "pizza"}}},
    {"not": {"event": {"name": "Order Completed", "withinDays": 30}}},
    {"trait": {"name": "city", "op": "eq", "value": "Москва"}},
    {"identifier": {"type": "email"}},
    {"segment": "pizza-lovers"},
    {"computed": {"name": "order_count", "op": "gte", "value": 3}},
    {"computed": {"name": "days_since_last_purchase", "op": "gt", "value": 30}},
    {"computed": {"name": "rfm", "path": "segment", "value": "champions"}},
    {"reachable": {"channel": "email", "topic": "marketing"}},
    {"consent": {"channel": "sms", "topic": "marketing", "state": "granted"}}
]}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.ingest.segment import pydantic_errors
from omniweave.profiles.consent_model import CHANNELS, GRANTED, REVOKED, UNKNOWN

Scalar = str | int | float | bool
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
Topic = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
Operator = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "exists"]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PropertyTest(_Node):
    op: Operator = "eq"
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits(self) -> PropertyTest:
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("value: 'in' needs a list")
        if self.op not in ("in", "exists") and (self.value is None or isinstance(self.value, list)):
            raise ValueError(f"value: {self.op!r} needs one value")
        return self


class EventSpec(_Node):
    """Did (or, under ``not``, did not) do ``name`` at least ``min`` times in the window."""

    name: Annotated[str, Field(min_length=1, max_length=255)]
    min: Annotated[int, Field(ge=1)] = 1
    max: Annotated[int, Field(ge=0)] | None = None
    withinDays: Annotated[int, Field(ge=1, le=3650)] | None = None
    where: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.]{1,64}$")], Scalar | PropertyTest] = (
        Field(default_factory=dict)
    )

    @model_validator(mode="after")
    def _bounds(self) -> EventSpec:
        if self.max is not None and self.max < self.min:
            raise ValueError("max: smaller than min")
        return self


class TraitSpec(PropertyTest):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")]


_PATH = r"^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,4}$"


class ComputedSpec(PropertyTest):
    """A computed trait; ``path`` reads inside an object value (``rfm`` → ``segment``).
    ``days_since`` traits compare in whole days to the segment's ``now``."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")]
    path: Annotated[str, Field(pattern=_PATH)] | None = None


class ReachableSpec(_Node):
    """A message on ``topic`` may reach the person on ``channel`` now (``decide_reachability``)."""

    channel: Channel
    topic: Topic = "marketing"


class ConsentSpec(_Node):
    """The decision in force for the channel and topic (``unknown``: none was ever made)."""

    channel: Channel
    topic: Topic = "marketing"
    state: Literal[GRANTED, REVOKED, UNKNOWN] = GRANTED  # type: ignore[valid-type]


class IdentifierSpec(_Node):
    type: Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]


class EventNode(_Node):
    event: EventSpec


class TraitNode(_Node):
    trait: TraitSpec


class IdentifierNode(_Node):
    identifier: IdentifierSpec


class ComputedNode(_Node):
    computed: ComputedSpec


class ReachableNode(_Node):
    reachable: ReachableSpec


class ConsentNode(_Node):
    consent: ConsentSpec


class SegmentNode(_Node):
    segment: Annotated[str, Field(min_length=1, max_length=100)]


class AllNode(_Node):
    all: Annotated[list[Node], Field(min_length=1, max_length=50)]


class AnyNode(_Node):
    any: Annotated[list[Node], Field(min_length=1, max_length=50)]


class NotNode(_Node):
    not_: Node = Field(alias="not")


def _key(value: Any) -> str | None:
    """A node is tagged by its only key (``{"event": {...}}`` is an event node)."""
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))
    return getattr(value, "tag", None)


Node = Annotated[
    Union[  # noqa: UP007
        Annotated[AllNode, Tag("all")],
        Annotated[AnyNode, Tag("any")],
        Annotated[NotNode, Tag("not")],
        Annotated[EventNode, Tag("event")],
        Annotated[TraitNode, Tag("trait")],
        Annotated[IdentifierNode, Tag("identifier")],
        Annotated[SegmentNode, Tag("segment")],
        Annotated[ComputedNode, Tag("computed")],
        Annotated[ReachableNode, Tag("reachable")],
        Annotated[ConsentNode, Tag("consent")],
    ],
    Discriminator(_key),
]
for _model in (AllNode, AnyNode, NotNode):
    _model.model_rebuild()

_NODE = TypeAdapter(Node)
_KEYS = {
    "all",
    "any",
    "not",
    "event",
    "trait",
    "identifier",
    "segment",
    "computed",
    "reachable",
    "consent",
}


def parse(definition: Any, path: str = "definition") -> Node:
    """A definition as a node tree, or ``InvalidInput`` naming the wrong node's path."""
    _check_shape(definition, path)
    try:
        return _NODE.validate_python(definition)
    except ValidationError as exc:  # the shape is right, so the error is in a leaf
        raise InvalidInput(_leaf_errors(exc, path)) from None


def _check_shape(node: Any, path: str) -> None:
    """Walk the tree first: a union's errors would otherwise list every alternative."""
    if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in _KEYS:
        raise InvalidInput.one(
            path, f"a node is one of {{{', '.join(sorted(_KEYS))}: ...}}, got {_brief(node)}"
        )
    ((key, value),) = node.items()
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise InvalidInput.one(f"{path}.{key}", "a non-empty list of nodes")
        for i, child in enumerate(value):
            _check_shape(child, f"{path}.{key}[{i}]")
    elif key == "not":
        _check_shape(value, f"{path}.not")


def _leaf_errors(exc: ValidationError, path: str) -> list:
    """pydantic puts each node's tag before its key (``all.[0].event.event.min``): drop it."""
    found = []
    for error in pydantic_errors(exc, ""):
        parts = error.field.replace("[", ".[").split(".")
        kept = [p for i, p in enumerate(parts) if not (i + 1 < len(parts) and parts[i + 1] == p)]
        found.append(FieldError(f"{path}.{'.'.join(kept)}".replace(".[", "["), error.message))
    return found


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def references(node: Node) -> set[str]:
    """The segments a definition uses."""
    if isinstance(node, SegmentNode):
        return {node.segment}
    if isinstance(node, AllNode | AnyNode):
        children = node.all if isinstance(node, AllNode) else node.any
        return set().union(*(references(child) for child in children))
    if isinstance(node, NotNode):
        return references(node.not_)
    return set()
