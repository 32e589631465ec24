"""The render context: what a template's variables are, filled so a send never meets a gap.

``build_context`` makes a complete context from whatever is known at send time, filling the
rest with empty values of the right shape so missing data renders as "" or an empty loop, and
``sample_context`` is a realistic one with every key filled that templates are checked against
when saved. It exists apart from the sandbox so the context's shape lives in one place::

    profile          id, first_name, last_name, name, email, phone, city, birthday,
                     traits (every raw trait; an absent one renders "")
    computed         favourite_product {id, name}, favourite_category, favourite_store,
                     preferred_channel, order_count, revenue, average_check,
                     days_since_last_purchase, rfm {segment, score, r, f, m}
    cart             items [product], total, currency, url
    viewed           [product]
    recommendations  [product]
        product      product_id, name, price, quantity, url, image
    event            name, properties (the triggering event's; an absent one renders "")
    message          id, channel, unsubscribe_url, preferences_url
    brand            name, site_url
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

ROOTS = ("profile", "computed", "cart", "viewed", "recommendations", "event", "message", "brand")
_PRODUCT = ("product_id", "name", "price", "quantity", "url", "image")
_COMPUTED = ("favourite_category", "favourite_store", "preferred_channel")
_COUNTED = ("order_count", "revenue", "average_check", "days_since_last_purchase")
_RFM = ("segment", "score", "r", "f", "m")


class _Open(dict):
    """Free-form data (raw traits, event properties): an absent key is empty, not an error."""

    def __missing__(self, key: Any) -> str:
        return ""


class RenderContext(dict):
    """A context ``build_context`` made: complete, so rendering need not rebuild it."""


def build_context(
    *,
    profile: Mapping[str, Any] | None = None,
    computed: Mapping[str, Any] | None = None,
    cart: Mapping[str, Any] | None = None,
    viewed: list[Mapping[str, Any]] | None = None,
    recommendations: list[Mapping[str, Any]] | None = None,
    event: Mapping[str, Any] | None = None,
    message: Mapping[str, Any] | None = None,
    brand: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete render context from what is known: absent parts are empty, well formed."""
    cart, event, computed = cart or {}, event or {}, computed or {}
    favourite = computed.get("favourite_product")
    favourite = {"id": favourite} if isinstance(favourite, str) else favourite
    return RenderContext(
        {
            "profile": _profile(profile or {}),
            "computed": {
                **_filled(computed, _COMPUTED),
                **{k: 0 if computed.get(k) is None else computed[k] for k in _COUNTED},
                "favourite_product": _filled(_mapping(favourite), ("id", "name")),
                "rfm": _filled(_mapping(computed.get("rfm")), _RFM),
            },
            "cart": {
                **_filled(cart, ("total", "currency", "url")),
                "items": [_product(p) for p in cart.get("items") or ()],
            },
            "viewed": [_product(p) for p in viewed or ()],
            "recommendations": [_product(p) for p in recommendations or ()],
            "event": {
                "name": _blank(event.get("name")),
                "properties": _open(event.get("properties")),
            },
            "message": _filled(
                message or {}, ("id", "channel", "unsubscribe_url", "preferences_url")
            ),
            "brand": _filled(brand or {}, ("name", "site_url")),
        }
    )


def _profile(p: Mapping[str, Any]) -> dict[str, Any]:
    traits = _open(p.get("traits"))
    address = _mapping(traits.get("address"))

    def pick(*names: str) -> Any:
        return next((v for v in (*(p.get(n) for n in names), *map(traits.get, names)) if v), "")

    first, last = pick("first_name", "firstName"), pick("last_name", "lastName")
    return {
        **_filled(p, ("id",)),
        "first_name": first,
        "last_name": last,
        "name": pick("name") or " ".join(str(n) for n in (first, last) if n),
        "email": pick("email"),
        "phone": pick("phone"),
        "city": pick("city") or _blank(address.get("city")),
        "birthday": pick("birthday"),
        "traits": traits,
    }


def _product(p: Mapping[str, Any]) -> dict[str, Any]:
    found = _filled(p, _PRODUCT)
    found["product_id"] = found["product_id"] or _blank(p.get("productId") or p.get("id"))
    return found


def _filled(part: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: _blank(v) for k, v in {**dict.fromkeys(keys), **part}.items()}


def _open(value: Any) -> _Open:
    return _Open({k: _open(v) if isinstance(v, Mapping) else v for k, v in _mapping(value).items()})


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _blank(value: Any) -> Any:
    return "" if value is None else value


_SAMPLE = """
profile: {id: p_8f14e45fceea167a, traits: {firstName: Анна, lastName: Смирнова,
  email: anna.smirnova@example.ru, phone: "+79161234567", birthday: "1990-05-17",
  address: {city: Москва}, loyalty_level: gold}}
computed: {favourite_product: {id: pepperoni-30, name: Пицца Пепперони 30 см},
  favourite_category: pizza, favourite_store: "Тверская, 12", preferred_channel: push,
  order_count: 7, revenue: 9870, average_check: 1410, days_since_last_purchase: 12,
  rfm: {segment: loyal, score: "455", r: 4, f: 5, m: 5}}
cart: {total: 1418, currency: RUB, url: "https://pizza.example/cart", items: [
  {product_id: pepperoni-30, name: Пицца Пепперони 30 см, price: 649, quantity: 2,
   url: "https://pizza.example/menu/pepperoni-30", image: "https://pizza.example/i/p30.jpg"},
  {product_id: cola-05, name: "Кола 0,5 л", price: 120, quantity: 1,
   url: "https://pizza.example/menu/cola-05", image: "https://pizza.example/i/cola.jpg"}]}
event: {name: Cart Abandoned, properties: {cart_id: c_1024, value: 1418}}
message: {id: m_01HZX3, channel: email, unsubscribe_url: "https://go.pizza.example/u/1.eyJ3Ijox.c2ln",
  preferences_url: "https://go.pizza.example/p/1.eyJ3Ijox.c2ln"}
brand: {name: Пицца Экспресс, site_url: "https://pizza.example"}
"""


def sample_context() -> dict[str, Any]:
    """A realistic context with every key filled: what templates are checked against."""
    parts = yaml.safe_load(_SAMPLE)
    items = parts["cart"]["items"]
    return build_context(**parts, viewed=items[:1], recommendations=items[::-1])
