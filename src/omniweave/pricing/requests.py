"""What a till, the site or the app sends to be priced (the body of ``POST /api/pricing/
calculate``), and what an order carries for loyalty in its ``properties``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Text = Annotated[str, Field(min_length=1, max_length=255)]
Channel = Literal["site", "app", "pos", "callcenter", "marketplace", "messenger"]


class CartLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Text
    quantity: Annotated[Decimal, Field(gt=0, le=100_000, max_digits=12, decimal_places=3)]
    # A price of the caller's own: refused unless OMNIWEAVE_PRICING_ALLOW_PRICE_OVERRIDE.
    price: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = None


class CustomerRef(BaseModel):
    """Any one identifier the identity service can resolve; the first given is used."""

    model_config = ConfigDict(extra="forbid")

    profileId: Text | None = None
    userId: Text | None = None
    loyaltyCard: Text | None = None
    email: Annotated[str, Field(min_length=3, max_length=320)] | None = None
    phone: Annotated[str, Field(min_length=3, max_length=64)] | None = None

    @model_validator(mode="after")
    def _some(self) -> CustomerRef:
        if not any((self.profileId, self.userId, self.loyaltyCard, self.email, self.phone)):
            raise ValueError("give one of profileId, userId, loyaltyCard, email, phone")
        return self


class CalculateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: Annotated[list[CartLine], Field(min_length=1, max_length=500)]
    customer: CustomerRef | None = None
    store: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    channel: Channel
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    coupons: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=20)
    ] = []
    pointsToSpend: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0

    @model_validator(mode="after")
    def _till_has_store(self) -> CalculateRequest:
        if self.channel == "pos" and not self.store:
            raise ValueError("store: a till (channel pos) names its store")
        return self
