"""Template definitions: what a message template is, per channel, before anything is rendered.

The pydantic models here are the saved shape of a template (its name, topic, optional dedup key
and advertised products, and content for each channel), with ``parse_template`` and
``load_template`` turning a definition or YAML/JSON text into a ``Template`` (an ``InvalidInput``
naming each wrong field) and ``template_as_dict`` turning it back. It exists apart from
rendering so the definition can be read and stored without the sandbox or the render context;
``omniweave.messaging.templates`` re-exports all of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from omniweave.core.errors import InvalidInput
from omniweave.ingest.segment import pydantic_errors
from omniweave.segments.model import Topic

Text = Annotated[str, Field(min_length=1, max_length=50_000)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Email(_Part):
    subject: Text
    html: Text
    text: Text | None = None  # None: derived from the rendered html


class Sms(_Part):
    text: Text
    transliterate: bool = False
    max_segments: Annotated[int, Field(ge=1, le=10)] = 3


class Push(_Part):
    title: Text
    body: Text
    deep_link: Text | None = None


class WebPush(_Part):
    title: Text
    body: Text
    url: Text | None = None


class Viber(_Part):
    text: Text
    button_text: Text | None = None
    button_url: Text | None = None

    @model_validator(mode="after")
    def _whole_button(self) -> Viber:
        if (self.button_text is None) != (self.button_url is None):
            missing = "button_url" if self.button_url is None else "button_text"
            raise ValueError(f"{missing}: a button needs both its text and its url")
        return self


class Button(_Part):
    text: Text
    url: Text


class Telegram(_Part):
    text: Text
    buttons: tuple[Button, ...] = ()


class Whatsapp(_Part):
    text: Text


class Channels(_Part):
    email: Email | None = None
    sms: Sms | None = None
    push: Push | None = None
    web_push: WebPush | None = None
    viber: Viber | None = None
    telegram: Telegram | None = None
    whatsapp: Whatsapp | None = None


CHANNELS: tuple[str, ...] = tuple(Channels.model_fields)


class Template(_Part):
    name: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,64}$")]
    topic: Topic
    description: str | None = None
    dedup_key: Text | None = None
    products: Text | None = None
    channels: Channels

    @model_validator(mode="after")
    def _some_channel(self) -> Template:
        if not self.channel_names:
            raise ValueError(f"channels: at least one of {', '.join(CHANNELS)}")
        return self

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c for c in CHANNELS if getattr(self.channels, c) is not None)


def parse_template(raw: Mapping[str, Any]) -> Template:
    """A template from its definition; ``InvalidInput`` names each wrong field's path."""
    if not isinstance(raw, Mapping):
        raise InvalidInput.one("body", "a template is an object")
    try:
        return Template.model_validate(dict(raw))
    except ValidationError as exc:
        raise InvalidInput(pydantic_errors(exc)) from None


def load_template(text: str) -> Template:
    """A template from YAML or JSON text."""
    try:
        return parse_template(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise InvalidInput.one("body", f"not YAML or JSON: {exc}") from None


def template_as_dict(t: Template) -> dict[str, Any]:
    return t.model_dump(mode="json", exclude_none=True)
