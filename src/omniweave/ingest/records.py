"""Native records from a CRM, a till, a loyalty system or a marketplace: customers and orders.

Each record lands in the same event log as the SDK events (an ``identify`` for a customer, an
``Order Completed``/``Order Updated`` ``track`` for an order, in Segment's e-commerce spec) and in
a table holding its latest state. Both are idempotent on the caller's id plus content.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omniweave.core.ids import content_id
from omniweave.core.time import as_utc

ExternalId = Annotated[str, Field(min_length=1, max_length=255)]
OrderStatus = Literal[
    "created", "paid", "ready_for_pickup", "shipped", "delivered", "cancelled", "returned"
]
PaymentStatus = Literal["pending", "paid", "refunded", "failed"]
SalesChannel = Literal["site", "app", "pos", "callcenter", "marketplace", "messenger"]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class ContactPoints(BaseModel):
    """Identifiers a record may carry; email and phone are checked, not yet normalised
    (identity resolution normalises them for matching and keeps what was sent)."""

    model_config = ConfigDict(extra="forbid")

    userId: ExternalId | None = None
    email: Annotated[str, Field(max_length=320)] | None = None
    phone: Annotated[str, Field(max_length=64)] | None = None
    loyaltyCard: ExternalId | None = None
    crmId: ExternalId | None = None
    identifiers: dict[str, ExternalId] = Field(default_factory=dict)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(str(exc)) from None
        return value.strip()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            # RU as the fallback region: "8 (916) ..." is a Russian trunk-prefixed number.
            parsed = phonenumbers.parse(value, "RU")
        except phonenumbers.NumberParseException as exc:
            raise ValueError(f"not a phone number: {exc}") from None
        if not phonenumbers.is_possible_number(parsed):
            raise ValueError("not a possible phone number")
        return value.strip()

    def external_ids(self) -> list[dict[str, str]]:
        """Segment's ``context.externalIds`` shape, for the identity resolver."""
        found = [{"type": "email", "id": self.email}] if self.email else []
        if self.phone:
            found.append({"type": "phone", "id": self.phone})
        if self.loyaltyCard:
            found.append({"type": "loyalty_card", "id": self.loyaltyCard})
        if self.crmId:
            found.append({"type": "crm_id", "id": self.crmId})
        found += [{"type": kind, "id": value} for kind, value in sorted(self.identifiers.items())]
        return found

    def is_empty(self) -> bool:
        return self.userId is None and not self.external_ids()


class CustomerRecord(ContactPoints):
    customerId: ExternalId
    traits: dict[str, Any] = Field(default_factory=dict)
    updatedAt: datetime | None = None
    source: str | None = None


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    sku: ExternalId
    name: str | None = None
    category: str | None = None
    quantity: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
    price: Money
    discount: Money = Decimal(0)

    def amount(self) -> Decimal:
        return self.quantity * self.price - self.discount


class OrderRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    orderId: ExternalId
    customer: ContactPoints
    anonymousId: ExternalId | None = None
    channel: SalesChannel
    store: Annotated[str, Field(max_length=100)] | None = None
    # Buy online, pick up in store: the store that holds the stock for it (commerce.orders).
    pickupStore: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    status: OrderStatus = "created"
    paymentStatus: PaymentStatus = "pending"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "RUB"
    lines: list[OrderLine] = Field(min_length=1, max_length=1000)
    discount: Money = Decimal(0)
    shipping: Money = Decimal(0)
    total: Money | None = None
    placedAt: datetime | None = None
    updatedAt: datetime | None = None
    source: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> OrderRecord:
        if self.channel == "pos" and not self.store:
            raise ValueError("store: an order at the till (channel pos) needs its store")
        if self.customer.is_empty() and self.anonymousId is None:
            raise ValueError("customer: needs at least one identifier, or give anonymousId")
        computed = self.computed_total()
        if computed < 0:
            raise ValueError("discount: larger than the order")
        if self.total is not None and abs(self.total - computed) > Decimal("0.01"):
            raise ValueError(
                f"total: {self.total} does not match lines - discount + shipping = {computed}"
            )
        return self

    def computed_total(self) -> Decimal:
        return sum((ln.amount() for ln in self.lines), Decimal(0)) - self.discount + self.shipping


ORDER_EVENTS = {"cancelled": "Order Cancelled", "returned": "Order Refunded"}


def customer_event(record: CustomerRecord, received_at: datetime) -> dict[str, Any]:
    """The ``identify`` message a customer record becomes (its id derived from its content)."""
    body = record.model_dump(mode="json", exclude={"source"}, exclude_none=True)
    traits = dict(record.traits)
    for name in ("email", "phone"):
        if getattr(record, name):
            traits[name] = getattr(record, name)
    message: dict[str, Any] = {
        "type": "identify",
        "messageId": content_id("customer", body),
        "userId": record.userId,
        "traits": traits,
        # The source's own id is an identifier too (scoped to that source by the resolver).
        "context": {
            "externalIds": [{"type": "customer_id", "id": record.customerId}]
            + record.external_ids(),
        },
        "timestamp": (as_utc(record.updatedAt) if record.updatedAt else received_at).isoformat(),
    }
    return message


def order_event(record: OrderRecord, first_seen: bool, received_at: datetime) -> dict[str, Any]:
    """The e-commerce ``track`` an order (or a change of its status) becomes."""
    body = record.model_dump(mode="json", exclude={"source"}, exclude_none=True)
    name = ORDER_EVENTS.get(record.status, "Order Completed" if first_seen else "Order Updated")
    when = record.updatedAt or record.placedAt
    customer = record.customer
    return {
        "type": "track",
        "event": name,
        "messageId": content_id("order", body),
        "userId": customer.userId,
        "anonymousId": record.anonymousId,
        "properties": {
            **record.properties,
            "order_id": record.orderId,
            "status": record.status,
            "payment_status": record.paymentStatus,
            "channel": record.channel,
            "store": record.store,
            **({"pickup_store": record.pickupStore} if record.pickupStore else {}),
            "currency": record.currency,
            "total": float(record.computed_total()),
            "revenue": float(record.computed_total() - record.shipping),
            "discount": float(record.discount),
            "shipping": float(record.shipping),
            "products": [
                {
                    **line.model_dump(mode="json", exclude_none=True),
                    "quantity": float(line.quantity),
                    "price": float(line.price),
                    "discount": float(line.discount),
                }
                for line in record.lines
            ],
        },
        "context": {
            "externalIds": customer.external_ids(),
            "traits": {k: getattr(customer, k) for k in ("email", "phone") if getattr(customer, k)},
        },
        "timestamp": (as_utc(when) if when else received_at).isoformat(),
    }
