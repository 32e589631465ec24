"""The promotion definition language: frozen pydantic models from YAML or JSON.

A promotion says *when* it applies (channel, store, segment, tier, coupon, time window,
cart threshold), *what* it applies to (skus, categories, brands, or the whole cart) and its
*effect*: a percent or fixed discount, N for M, a gift, a bundle price, or bonus points.
``priority`` orders them (higher first, then key); promotions sharing a ``group`` do not
stack (the first that applies wins), and an ``exclusive`` one applies alone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from omniweave.core.errors import InvalidInput
from omniweave.ingest.segment import pydantic_errors

Key = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]
Name = Annotated[str, Field(min_length=1, max_length=255)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)]
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=4)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Model):
    """Every given condition must hold (absent: no restriction)."""

    channels: tuple[Name, ...] | None = None
    stores: tuple[Name, ...] | None = None
    segments: tuple[Name, ...] | None = None  # member of any of them
    tiers: tuple[Name, ...] | None = None
    coupon: Key | None = None  # a valid code of this coupon pool is presented
    starts: datetime | None = None  # naive: local time in ``timezone``
    ends: datetime | None = None
    timezone: Name | None = None  # default: the store's, else the workspace's
    min_total: Amount | None = None  # the cart's total so far reaches it

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _window(self) -> When:
        if self.starts and self.ends and _naive(self.starts) >= _naive(self.ends):
            raise ValueError("ends: must be after starts")
        return self


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


class Target(_Model):
    """Which lines: any listed sku, category or brand; nothing listed means every line."""

    skus: tuple[Name, ...] = ()
    categories: tuple[Name, ...] = ()
    brands: tuple[Name, ...] = ()

    def everything(self) -> bool:
        return not (self.skus or self.categories or self.brands)


class PercentOff(_Model):
    type: Literal["percent"]
    percent: Percent


class FixedOff(_Model):
    type: Literal["fixed"]
    amount: Amount
    per: Literal["unit", "line", "cart"] = "cart"  # cart: split over the targeted lines


class NForM(_Model):
    """Buy ``buy`` targeted units, pay for ``pay``: the cheapest of each group are free."""

    type: Literal["n_for_m"]
    buy: Annotated[int, Field(ge=2, le=100)]
    pay: Annotated[int, Field(ge=1, le=99)]

    @model_validator(mode="after")
    def _fewer(self) -> NForM:
        if self.pay >= self.buy:
            raise ValueError("pay: must be fewer than buy")
        return self


class Gift(_Model):
    """The gift sku, when in the cart, is free (up to ``quantity`` units)."""

    type: Literal["gift"]
    sku: Name
    quantity: Annotated[int, Field(ge=1, le=100)] = 1


class Bundle(_Model):
    """Each complete set of these skus (one unit each) costs ``price`` together."""

    type: Literal["bundle"]
    skus: Annotated[tuple[Name, ...], Field(min_length=2, max_length=20)]
    price: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]


class Points(_Model):
    """Bonus loyalty points: a percent of the targeted lines' total and/or a fixed number."""

    type: Literal["points"]
    percent: Percent | None = None
    fixed: Annotated[int, Field(ge=1, le=10_000_000)] | None = None

    @model_validator(mode="after")
    def _some(self) -> Points:
        if self.percent is None and self.fixed is None:
            raise ValueError("points: give percent, fixed or both")
        return self


Effect = Annotated[
    PercentOff | FixedOff | NForM | Gift | Bundle | Points, Field(discriminator="type")
]


class Promotion(_Model):
    key: Key
    name: Name | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0
    group: Key | None = None
    exclusive: bool = False
    active: bool = True
    when: When = When()
    target: Target = Target()
    effect: Effect


def parse(document: Any, key: str | None = None) -> Promotion:
    """A promotion from a parsed YAML/JSON document; every wrong field at once (400)."""
    if not isinstance(document, dict):
        raise InvalidInput.one("body", "a promotion is a JSON object")
    body = {k: v for k, v in document.items() if k != "kind"}
    if key is not None:
        if body.get("key", key) != key:
            raise InvalidInput.one("key", f"the body's key {body['key']!r} is not {key!r}")
        body["key"] = key
    try:
        return Promotion.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(pydantic_errors(exc)) from None
