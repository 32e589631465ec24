"""Sessions on the site and in the app as Segment messages, and the emails and pushes that
bring people back.

Every message carries a ``messageId`` derived from its content: a re-run sends the same ids
(and stores nothing), and a changed generator sends new ones instead of colliding.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omniweave.core.ids import content_id
from omniweave.demo.catalog import PRODUCT_BY_SKU, Campaign
from omniweave.demo.contacts import written_phone
from omniweave.demo.moments import later, stamp
from omniweave.demo.names import transliterate
from omniweave.demo.people import Person

SITE_URL = "https://pizzalenina.ru"
_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/128.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 Chrome/127.0 Mobile",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
)
_SUBJECTS = {
    "weekly-digest": "Новинки недели в Пицце Ленина",
    "dessert-friday": "Пятница — день десертов: -20%",
    "we-miss-you": "Мы скучаем! Дарим доставку",
    "birthday-gift": "С днём рождения! Пицца в подарок",
    "pizza-of-the-day": "Пицца дня: -30% до 18:00",
    "free-delivery-tonight": "Сегодня доставка бесплатно",
    "order-again": "Повторить прошлый заказ?",
}


@dataclass(frozen=True)
class Visit:
    """Who is on which device, signed in or not, and what brought them."""

    source: str  # site | app
    anonymous_id: str
    user_id: str | None
    context: dict[str, Any]


def site_visit(person: Person, browser: str, signed_in: bool, campaign: Campaign | None) -> Visit:
    context: dict[str, Any] = {
        "library": {"name": "analytics.js", "version": "5.2.0"},
        "locale": "ru-RU",
        "userAgent": _BROWSERS[int(browser[:2], 16) % len(_BROWSERS)],
    }
    if campaign:
        context["campaign"] = campaign.context()
    return Visit("site", browser, person.user_id if signed_in else None, context)


def app_visit(person: Person, signed_in: bool, campaign: Campaign | None) -> Visit:
    assert person.device is not None
    ios = int(person.device[:2], 16) % 5 < 2
    # The push token the app registered: APNs tokens are 64 hex digits, FCM's are longer.
    digest = hashlib.sha256(person.device.encode()).hexdigest()
    token = digest if ios else f"{digest[:22]}:APA91b{digest[22:]}"
    context: dict[str, Any] = {
        "library": {"name": "analytics-ios" if ios else "analytics-android", "version": "4.1.8"},
        "app": {"name": "Пицца Ленина", "version": "3.4.1"},
        "device": {"id": person.device, "type": "ios" if ios else "android", "token": token},
        "os": {"name": "iOS" if ios else "Android", "version": "17.5" if ios else "14"},
        "locale": "ru-RU",
    }
    if campaign:
        context["campaign"] = campaign.context()
    return Visit("app", person.device, person.user_id if signed_in else None, context)


def message(visit: Visit, kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "anonymousId": visit.anonymous_id, **fields}
    if visit.user_id:
        body["userId"] = visit.user_id
    body["timestamp"] = stamp(at)
    body["context"] = visit.context
    body["messageId"] = content_id("demo", body)
    return body


def signed_in(rng: random.Random, person: Person, visit: Visit, at: datetime) -> dict[str, Any]:
    """The ``identify`` at sign-in: the site knows an email, the app an SMS-verified phone."""
    if visit.source == "site":
        traits: dict[str, Any] = {
            "firstName": person.first_name,
            "lastName": person.last_name,
            "city": person.store.city.name,
            "birthday": person.birthday.isoformat(),
        }
        if person.email:
            traits["email"] = person.email
        if rng.random() < 0.6:
            traits["phone"] = written_phone(person.phone, "masked")
    else:
        first, _ = person.latin("popular")
        short = first if rng.random() < 0.5 else transliterate(person.short_name, "popular")
        traits = {"phone": written_phone(person.phone, "e164"), "firstName": short}
    return message(visit, "identify", at, traits=traits)


def session(
    rng: random.Random,
    visit: Visit,
    at: datetime,
    lines: list[dict[str, Any]],
    *,
    adds: bool,
    checkout: str | None = None,
) -> tuple[list[dict[str, Any]], datetime]:
    """Menu, product views, maybe a cart and a checkout; returns the messages and the time
    the session ended (when an order would be placed)."""
    found = []
    if visit.source == "site":
        found.append(message(visit, "page", at, name="Меню", properties=_page("/menu", "Меню")))
    else:
        found.append(message(visit, "track", at, event="Application Opened", properties={}))
        at = later(rng, at, 2, 10)
        found.append(message(visit, "screen", at, name="Меню", properties={}))
    cart_id = content_id("cart", [visit.anonymous_id, stamp(at)])[:21]
    for ln in lines:
        at = later(rng, at, 5, 90)
        found.append(message(visit, "track", at, event="Product Viewed", properties=_product(ln)))
        if adds:
            at = later(rng, at, 3, 40)
            added = {**_product(ln), "quantity": ln["quantity"], "cart_id": cart_id}
            found.append(message(visit, "track", at, event="Product Added", properties=added))
    if adds:
        at = later(rng, at, 5, 60)
        products = [{**_product(ln), "quantity": ln["quantity"]} for ln in lines]
        cart = {"cart_id": cart_id, "products": products}
        found.append(message(visit, "track", at, event="Cart Viewed", properties=cart))
    if adds and checkout:
        at = later(rng, at, 10, 120)
        value = sum(ln["price"] * ln["quantity"] for ln in lines)
        started = {
            "order_id": checkout,
            "value": value,
            "revenue": value,
            "currency": "RUB",
            "products": products,
        }
        found.append(message(visit, "track", at, event="Checkout Started", properties=started))
        at = later(rng, at, 30, 240)
    return found, at


def push_opened(visit: Visit, campaign: Campaign, at: datetime) -> dict[str, Any]:
    properties = {"campaign_name": campaign.name, "title": _SUBJECTS[campaign.name]}
    return message(visit, "track", at, event="Push Opened", properties=properties)


def email_engagement(
    person: Person, campaign: Campaign, at: datetime, clicked_at: datetime | None
) -> list[dict[str, Any]]:
    """Opens (and clicks) the CRM's mailer reports; it knows people by email and CRM id."""
    assert person.email and person.crm_id
    ids = [{"type": "email", "id": person.email}, {"type": "crm_id", "id": person.crm_id}]
    properties = {"campaign_name": campaign.name, "email_subject": _SUBJECTS[campaign.name]}
    found = [_mailer("Email Opened", ids, properties, at)]
    if clicked_at is not None:
        link = f"{SITE_URL}/menu?utm_source=email&utm_medium=email&utm_campaign={campaign.name}"
        found.append(
            _mailer("Email Link Clicked", ids, {**properties, "link_url": link}, clicked_at)
        )
    return found


def _mailer(event: str, ids: list, properties: dict, at: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "track",
        "event": event,
        "properties": properties,
        "context": {"externalIds": ids},
        "timestamp": stamp(at),
    }
    body["messageId"] = content_id("demo", body)
    return body


def _page(path: str, title: str) -> dict[str, str]:
    return {"path": path, "url": SITE_URL + path, "title": f"{title} — Пицца Ленина"}


def _product(ln: dict[str, Any]) -> dict[str, Any]:
    product = PRODUCT_BY_SKU[ln["sku"]]
    return {
        "product_id": product.sku,
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": product.price,
        "currency": "RUB",
    }
