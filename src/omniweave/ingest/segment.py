"""The Segment Tracking API spec: message models, batch envelope and their translation into rows
of the event log. Validation errors come back as ``FieldError``s with the field's path."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from omniweave.core.errors import FieldError

MessageType = Literal["identify", "track", "page", "screen", "group", "alias"]
MESSAGE_TYPES: tuple[str, ...] = ("identify", "track", "page", "screen", "group", "alias")


def _id_to_str(value: Any) -> Any:
    """analytics.js lets callers pass numeric ids; Segment stores them as strings."""
    if isinstance(value, bool):
        return value  # left for the str check to refuse
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


Identifier = Annotated[Annotated[str, Field(max_length=255)] | None, BeforeValidator(_id_to_str)]
Name = Annotated[str, Field(max_length=255)] | None
JsonObject = dict[str, Any] | None


class Message(BaseModel):
    """One Segment call. Unknown top-level fields are kept (in the row's ``extra``)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=False)

    type: MessageType
    messageId: Identifier = None
    userId: Identifier = None
    anonymousId: Identifier = None
    event: Name = None
    name: Name = None
    category: Name = None
    groupId: Identifier = None
    previousId: Identifier = None
    properties: JsonObject = None
    traits: JsonObject = None
    context: JsonObject = None
    integrations: JsonObject = None
    timestamp: datetime | None = None
    originalTimestamp: datetime | None = None
    sentAt: datetime | None = None


class Batch(BaseModel):
    model_config = ConfigDict(extra="allow")

    batch: list[dict[str, Any]] = Field(min_length=1)
    sentAt: datetime | None = None
    context: JsonObject = None
    integrations: JsonObject = None
    writeKey: str | None = None


_NAMED_VALUE_ERROR = re.compile(r"^Value error, (\w+): (.*)$", re.S)


def pydantic_errors(error: ValidationError, prefix: str = "") -> list[FieldError]:
    """``batch[3].userId``-style paths from pydantic's locations. A model-level check names
    its field by starting its message with ``field: ``."""
    found = []
    for item in error.errors():
        path = prefix
        for part in item["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path = join_path(path, str(part))
        message = item["msg"]
        named = _NAMED_VALUE_ERROR.match(message)
        if named:
            path, message = join_path(path, named[1]), named[2]
        found.append(FieldError(path or "body", message))
    return found


def join_path(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def check_rules(message: Message, path: str) -> list[FieldError]:
    """The spec's per-type requirements that a schema alone cannot say."""
    errors = []
    kind = message.type
    if kind == "alias":
        if message.userId is None:
            errors.append(FieldError(join_path(path, "userId"), "alias needs a userId"))
        if message.previousId is None:
            errors.append(FieldError(join_path(path, "previousId"), "alias needs a previousId"))
        return errors
    if message.userId is None and message.anonymousId is None and not _external_ids(message):
        errors.append(
            FieldError(join_path(path, "userId"), "either userId or anonymousId is required")
        )
    if kind == "track" and not message.event:
        errors.append(FieldError(join_path(path, "event"), "track needs an event name"))
    if kind == "group" and message.groupId is None:
        errors.append(FieldError(join_path(path, "groupId"), "group needs a groupId"))
    return errors


def _external_ids(message: Message) -> bool:
    """Records from a CRM or a till may name a person only by ``context.externalIds``."""
    ids = (message.context or {}).get("externalIds")
    return isinstance(ids, list) and len(ids) > 0
