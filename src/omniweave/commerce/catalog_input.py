"""What a caller (the API, a CSV or YML feed) may say about the catalog, checked field by
field so that a refusal names the wrong one."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omniweave.ingest.records import SalesChannel

Code = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Units = Annotated[int, Field(ge=0, le=1_000_000_000)]
Url = Annotated[str, Field(max_length=2000)]


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryIn(_In):
    id: Code
    name: Annotated[str, Field(min_length=1, max_length=255)]
    parentId: Code | None = None

    @model_validator(mode="after")
    def _not_own_parent(self) -> CategoryIn:
        if self.parentId == self.id:
            raise ValueError("parentId: a category cannot be its own parent")
        return self


class ProductIn(_In):
    sku: Code
    name: Annotated[str, Field(min_length=1, max_length=500)]
    parentSku: Code | None = None  # set: a variant of that product
    categoryId: Code | None = None
    brand: Annotated[str, Field(max_length=255)] | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    active: bool = True
    url: Url | None = None
    image: Url | None = None

    @model_validator(mode="after")
    def _not_own_parent(self) -> ProductIn:
        if self.parentSku == self.sku:
            raise ValueError("parentSku: a product cannot be its own variant")
        return self


class PriceListIn(_In):
    id: Code
    name: Annotated[str, Field(min_length=1, max_length=255)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "RUB"
    store: Code | None = None
    channel: SalesChannel | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> PriceListIn:
        if self.store and self.channel:
            raise ValueError("store: a list names a store or a channel, not both")
        return self


class PriceIn(_In):
    sku: Code
    amount: Money
    compareAt: Money | None = None


class LocationIn(_In):
    id: Code
    name: Annotated[str, Field(min_length=1, max_length=255)]
    kind: Literal["store", "warehouse"] = "store"
    region: Annotated[str, Field(max_length=100)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    isPickupPoint: bool = False

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _zones():
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Moscow)")
        return value


class StockIn(_In):
    sku: Code
    onHand: Units


class CatalogIn(_In):
    """A whole feed or one API call: any of the parts, each written idempotently."""

    categories: list[CategoryIn] = Field(default_factory=list, max_length=100_000)
    products: list[ProductIn] = Field(default_factory=list, max_length=100_000)
    priceLists: list[PriceListIn] = Field(default_factory=list, max_length=1000)
    prices: dict[str, list[PriceIn]] = Field(default_factory=dict)  # by price list id
    locations: list[LocationIn] = Field(default_factory=list, max_length=10_000)
    stock: dict[str, list[StockIn]] = Field(default_factory=dict)  # by location id
