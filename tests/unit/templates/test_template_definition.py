"""Template definitions: parsed with pydantic, every wrong field named by its path."""

from __future__ import annotations

import json

import pytest

from omniweave.core.errors import InvalidInput
from omniweave.messaging.templates import load_template, parse_template, template_as_dict

CART_REMINDER = """
name: cart-reminder
topic: marketing
description: The cart waits
dedup_key: "cart-{{ event.properties.cart_id }}"
products: "{{ cart.items | map(attribute='product_id') | join(',') }}"
channels:
  email: {subject: "{{ profile.first_name }}, ваша корзина", html: "<p>{{ cart.total }}</p>"}
  sms: {text: "Корзина ждёт: {{ cart.url }}", transliterate: true, max_segments: 2}
  telegram:
    text: "Корзина ждёт"
    buttons: [{text: Оформить, url: "{{ cart.url }}"}]
"""


def fields(raw) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parse_template(raw)
    return [e.field for e in caught.value.errors]


def minimal(**channels):
    return {
        "name": "welcome",
        "topic": "marketing",
        "channels": channels or {"whatsapp": {"text": "hi"}},
    }


def test_yaml_and_json_give_the_same_frozen_template():
    from_yaml = load_template(CART_REMINDER)
    from_json = load_template(json.dumps(template_as_dict(from_yaml), ensure_ascii=False))
    assert from_yaml == from_json
    assert from_yaml.channel_names == ("email", "sms", "telegram")
    assert from_yaml.channels.sms.transliterate and from_yaml.channels.email.text is None
    with pytest.raises(Exception, match="frozen"):
        from_yaml.name = "other"  # type: ignore[misc]


def test_as_dict_round_trips():
    t = load_template(CART_REMINDER)
    assert parse_template(template_as_dict(t)) == t


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"name": "Cart Reminder"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"topic": "Marketing!"}, "topic"),
        ({"colour": "red"}, "colour"),
        ({"channels": {}}, "channels"),
        ({"channels": {"fax": {"text": "x"}}}, "channels.fax"),
        ({"channels": {"email": {"html": "<p>hi</p>"}}}, "channels.email.subject"),
        ({"channels": {"email": {"subject": "", "html": "x"}}}, "channels.email.subject"),
        (
            {"channels": {"email": {"subject": "s", "html": "h", "from": "x"}}},
            "channels.email.from",
        ),
        ({"channels": {"sms": {"text": "x", "max_segments": 0}}}, "channels.sms.max_segments"),
        ({"channels": {"push": {"title": "t"}}}, "channels.push.body"),
        ({"channels": {"viber": {"text": "t", "button_text": "Go"}}}, "channels.viber.button_url"),
        ({"channels": {"viber": {"text": "t", "button_url": "u"}}}, "channels.viber.button_text"),
        (
            {"channels": {"telegram": {"text": "t", "buttons": [{"text": "a"}]}}},
            "channels.telegram.buttons[0].url",
        ),
    ],
)
def test_errors_name_the_field(change, path):
    assert path in fields({**minimal(), **change})


def test_a_definition_that_is_not_an_object_or_not_yaml_is_refused():
    assert fields(["name"]) == ["body"]
    with pytest.raises(InvalidInput) as caught:
        load_template("name: [unclosed")
    assert caught.value.errors[0].field == "body"
