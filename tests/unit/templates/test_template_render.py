"""Rendering for each channel's adapter, with a real-ish context, missing data and tracking."""

from __future__ import annotations

import re

import pytest

from omniweave.messaging.links import LinkRewriter, read_token
from omniweave.messaging.templates import (
    TemplateError,
    build_context,
    first_name_or,
    html_to_text,
    money,
    parse_template,
    render,
    render_dedup_key,
    render_products,
    sample_context,
    validate_template,
)

CART_REMINDER = parse_template(
    {
        "name": "cart-reminder",
        "topic": "marketing",
        "dedup_key": "cart-{{ event.properties.cart_id }}",
        "products": "{{ cart.items | map(attribute='product_id') | join(',') }}",
        "channels": {
            "email": {
                "subject": "{{ profile | first_name_or('Друг') }}, корзина ждёт",
                "html": (
                    "<html><body><h1>Привет, {{ profile.first_name }}!</h1>"
                    '{% for p in cart.items %}<p><a href="{{ p.url }}">{{ p.name }}</a> '
                    "× {{ p.quantity }}: {{ p.price | money(cart.currency) }}</p>{% endfor %}"
                    "{% if not cart.items %}<p>Корзина пуста</p>{% endif %}"
                    "<p>Итого {{ cart.total | money(cart.currency) }}</p>"
                    '<a href="{{ message.unsubscribe_url }}">Отписаться</a></body></html>'
                ),
            },
            "sms": {
                "text": "{{ profile.first_name }}, корзина на {{ cart.total | money }} ждёт",
                "transliterate": True,
            },
            "push": {
                "title": "{{ brand.name }}",
                "body": "Корзина ждёт",
                "deep_link": "pizza://cart",
            },
            "web_push": {
                "title": "{{ brand.name }}",
                "body": "Корзина ждёт",
                "url": "{{ cart.url }}",
            },
            "viber": {
                "text": "Корзина ждёт",
                "button_text": "Оформить",
                "button_url": "{{ cart.url }}",
            },
            "telegram": {
                "text": "{{ profile.first_name }}, корзина ждёт",
                "buttons": [{"text": "Оформить", "url": "{{ cart.url }}"}],
            },
            "whatsapp": {"text": "{{ profile.first_name }}, корзина ждёт: {{ cart.url }}"},
        },
    }
)

CONTEXT = build_context(
    profile={"id": "p1", "traits": {"firstName": "Ольга", "email": "olga@example.ru"}},
    cart={
        "items": [
            {
                "product_id": "margherita-30",
                "name": "Маргарита",
                "price": 590,
                "quantity": 1,
                "url": "https://pizza.example/m/margherita-30?size=30",
            }
        ],
        "total": 1290,
        "currency": "RUB",
        "url": "https://pizza.example/cart",
    },
    event={"name": "Cart Abandoned", "properties": {"cart_id": "c7"}},
    message={"id": "m1", "channel": "email", "unsubscribe_url": "https://go.pizza.example/u/tok"},
    brand={"name": "Пицца Экспресс", "site_url": "https://pizza.example"},
)


def test_the_template_passes_its_checks():
    assert validate_template(CART_REMINDER) == []


def test_every_channel_renders_its_adapters_shape():
    assert render(CART_REMINDER, "push", CONTEXT) == {
        "title": "Пицца Экспресс",
        "body": "Корзина ждёт",
        "deep_link": "pizza://cart",
    }
    assert render(CART_REMINDER, "web_push", CONTEXT) == {
        "title": "Пицца Экспресс",
        "body": "Корзина ждёт",
        "url": "https://pizza.example/cart",
    }
    assert render(CART_REMINDER, "viber", CONTEXT) == {
        "text": "Корзина ждёт",
        "button_text": "Оформить",
        "button_url": "https://pizza.example/cart",
    }
    assert render(CART_REMINDER, "telegram", CONTEXT) == {
        "text": "Ольга, корзина ждёт",
        "buttons": [{"text": "Оформить", "url": "https://pizza.example/cart"}],
    }
    assert render(CART_REMINDER, "whatsapp", CONTEXT) == {
        "text": "Ольга, корзина ждёт: https://pizza.example/cart"
    }
    assert render(CART_REMINDER, "sms", CONTEXT) == {
        "text": "Olga, korzina na 1 290 rub. zhdet",
        "segments": 1,
        "encoding": "GSM-7",
    }
    email = render(CART_REMINDER, "email", CONTEXT)
    assert email["subject"] == "Ольга, корзина ждёт"
    assert (
        '<a href="https://pizza.example/m/margherita-30?size=30">Маргарита</a> × 1: 590 ₽'
        in email["html"]
    )
    assert "Итого 1 290 ₽" in email["html"]
    assert [line for line in email["text"].splitlines() if line][:2] == [
        "Привет, Ольга!",
        "Маргарита (https://pizza.example/m/margherita-30?size=30) × 1: 590 ₽",
    ]


def test_keys_for_dedup_and_products():
    assert render_dedup_key(CART_REMINDER, CONTEXT) == "cart-c7"
    assert render_products(CART_REMINDER, CONTEXT) == ("margherita-30",)
    assert render_products(CART_REMINDER, {}) == ()


def test_an_empty_cart_and_an_unknown_person_render():
    email = render(CART_REMINDER, "email", build_context())
    assert "Корзина пуста" in email["html"] and email["subject"] == "Друг, корзина ждёт"
    assert render(CART_REMINDER, "sms", {})["text"] == ", korzina na  zhdet"
    assert render(CART_REMINDER, "telegram", {"cart": {"items": None, "total": None}})[
        "buttons"
    ] == [{"text": "Оформить", "url": ""}]


def test_html_is_escaped_and_text_channels_are_not():
    ctx = build_context(profile={"first_name": "<script>alert(1)</script>"})
    email = render(CART_REMINDER, "email", ctx)
    assert "<h1>Привет, &lt;script&gt;alert(1)&lt;/script&gt;!</h1>" in email["html"]
    assert "<script>" not in email["html"]
    assert email["text"].startswith("Привет, <script>alert(1)</script>!")
    assert email["subject"].startswith("<script>")
    assert render(CART_REMINDER, "whatsapp", ctx)["text"].startswith("<script>")
    plain = parse_template(
        {"name": "t", "topic": "news", "channels": {"sms": {"text": "{{ profile.first_name }}"}}}
    )
    assert render(plain, "sms", ctx)["text"] == "<script>alert(1)</script>"


def test_links_are_tracked_with_the_channel_as_utm_medium():
    links = LinkRewriter("https://go.pizza.example", "k", "m1:p1")
    email = render(CART_REMINDER, "email", CONTEXT, links)
    tokens = re.findall(r"https://go\.pizza\.example/r/([\w-]+)", email["html"])
    assert len(tokens) == 1  # the unsubscribe link is ours already
    target = read_token("k", tokens[0])
    assert target.message_key == "m1:p1"
    assert target.url == (
        "https://pizza.example/m/margherita-30?size=30&utm_source=omniweave&utm_medium=email"
        "&utm_campaign=cart-reminder"
    )
    assert email["html"].count("/o/") == 1 and "/r/" in email["text"]
    sms = render(CART_REMINDER, "whatsapp", CONTEXT, links)
    (token,) = re.findall(r"/r/([\w-]+)", sms["text"])
    assert "utm_medium=whatsapp" in read_token("k", token).url


def test_a_send_time_failure_is_a_template_error_naming_the_field():
    unchecked = parse_template(
        {
            "name": "t",
            "topic": "news",
            "channels": {"push": {"title": "ok", "body": "{{ coupon }}"}},
        }
    )
    with pytest.raises(TemplateError) as caught:
        render(unchecked, "push", CONTEXT)
    assert caught.value.field == "channels.push.body" and "coupon" in caught.value.message
    with pytest.raises(TemplateError) as caught:
        render(unchecked, "email", CONTEXT)
    assert caught.value.field == "channels.email"


def test_the_sample_context_fills_every_key():
    sample = sample_context()
    assert set(sample) == {
        "profile",
        "computed",
        "cart",
        "viewed",
        "recommendations",
        "event",
        "message",
        "brand",
    }

    def blanks(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from blanks(v, f"{path}.{k}")
        elif isinstance(value, list):
            assert value, path
            for v in value:
                yield from blanks(v, path)
        elif value in ("", None):
            yield path

    assert list(blanks(sample, "")) == []


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (1290, "RUB", "1 290 ₽"),
        (1290.5, "RUB", "1 290,50 ₽"),
        ("12.9", "USD", "$12.90"),
        (1290, "usd", "$1,290.00"),
        (-5, "EUR", "-5 €"),
        (100, "", "100 ₽"),
        (7, "KZT", "7 KZT"),
        ("", "RUB", ""),
        (None, "RUB", ""),
    ],
)
def test_money(value, currency, shown):
    assert money(value, currency) == shown


def test_first_name_or():
    assert first_name_or({"first_name": " "}, "друг") == "друг"
    assert first_name_or({"first_name": "Анна"}, "друг") == "Анна"
    assert first_name_or("Иван", "друг") == "Иван" and first_name_or(None, "друг") == "друг"


def test_html_to_text_keeps_words_links_and_lines():
    html = "<html><head><style>p{}</style></head><body><p>Hi&nbsp;<b>Ann</b></p><p><a href='https://x.ru/'>Shop</a></p></body></html>"
    assert html_to_text(html) == "Hi Ann\n\nShop (https://x.ru/)"
