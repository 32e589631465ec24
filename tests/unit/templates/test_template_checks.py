"""Saving a template refuses what would fail or escape the sandbox at send, naming the field."""

from __future__ import annotations

import pytest

from omniweave.core.errors import InvalidInput
from omniweave.messaging.templates import parse_template, validate_template


def template(**channels):
    return parse_template({"name": "t", "topic": "marketing", "channels": channels})


def refused(**channels) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        validate_template(template(**channels))
    return [(e.field, e.message) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Привет, {{ profile.frist_name }}", "unknown field profile.frist_name"),
        ("Ваш купон {{ coupon }}", "unknown variable 'coupon'"),
        ("{% if cart.items %}{{ cart.totl }}{% endif %}", "unknown field cart.totl"),
        ("{% if false %}{{ brand.nmae }}{% endif %}", "unknown field brand.nmae"),
        ("{{ computed.rfm.segmnet }}", "unknown field computed.rfm.segmnet"),
        ("{% for p in cart.items %}{{ p.nmae }}{% endfor %}", "has no attribute 'nmae'"),
        ("{{ loop.index }}", "unknown variable 'loop'"),
    ],
)
def test_a_variable_outside_the_context_is_refused_at_save(source, message):
    ((field, text),) = refused(whatsapp={"text": source})
    assert field == "channels.whatsapp.text" and message in text


def test_free_form_traits_and_properties_are_not_refused():
    source = (
        "{{ profile.traits.loyalty_level }} {{ profile.traits.anything }} {{ event.properties.x }}"
    )
    assert validate_template(template(whatsapp={"text": source})) == []


def test_a_syntax_error_names_the_field_and_line():
    ((field, message),) = refused(
        email={"subject": "ok", "html": "<p>\n{% for p in cart.items %}\n{{ p.name }\n</p>"}
    )
    assert field == "channels.email.html" and message.startswith("line 3:")


def test_every_field_is_checked_including_buttons_and_keys():
    raw = {
        "name": "t",
        "topic": "marketing",
        "dedup_key": "{{ event.properties.cart_id }}-{{ nope }}",
        "products": "{{ cart.items | map(attribute='product_id') | join(',') }}",
        "channels": {
            "telegram": {
                "text": "ok",
                "buttons": [{"text": "{{ brand.name }}", "url": "{{ cart.link }}"}],
            },
            "push": {"title": "ok", "body": "ok", "deep_link": "app://cart/{{ cart.idd }}"},
        },
    }
    with pytest.raises(InvalidInput) as caught:
        validate_template(parse_template(raw))
    assert {e.field for e in caught.value.errors} == {
        "dedup_key",
        "channels.telegram.buttons[0].url",
        "channels.push.deep_link",
    }


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ ''|attr('__class__') }}",
        "{{ (profile|attr('__class__')).__base__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ '{0.__class__}'.format(profile) }}",
        "{{ cart['items'].append(1) }}",
        "{% set x = cart.items.pop() %}",
        "{{ 'A' * 1000000000 }}",
        "{{ 9 ** 999999 }}",
        "{% if false %}{{ request.application.__globals__ }}{% endif %}",
    ],
)
def test_a_sandbox_escape_is_refused_naming_the_field(payload):
    problems = refused(sms={"text": payload})
    assert problems and all(field == "channels.sms.text" for field, _ in problems)


def test_an_sms_longer_than_max_segments_is_refused():
    long_text = "Привет, {{ profile.first_name }}! " + "Пицца со скидкой. " * 8
    ((field, message),) = refused(sms={"text": long_text, "max_segments": 2})
    assert field == "channels.sms.text" and "more than max_segments 2" in message
    # transliterated, the same text goes as GSM-7 and fits
    assert (
        validate_template(
            template(sms={"text": long_text, "transliterate": True, "max_segments": 2})
        )
        == []
    )


def test_warnings_point_out_cheaper_or_safer_choices():
    warnings = validate_template(
        template(
            sms={"text": "Анна, заказ готов"},
            email={"subject": "Hi", "html": "<p>Hi</p>"},
        )
    )
    by_field = {w.field: w.message for w in warnings}
    assert "transliterate: true" in by_field["channels.sms.text"]
    assert "unsubscribe_url" in by_field["channels.email.html"]
    transactional = parse_template(
        {
            "name": "t",
            "topic": "transactional",
            "channels": {"email": {"subject": "s", "html": "h"}},
        }
    )
    assert validate_template(transactional) == []
