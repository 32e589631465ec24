"""Orders at a till and by phone: what the cashier or the operator types in.

Here identifiers get messy: a card, or a phone said aloud and typed in any format, sometimes
the family's number, sometimes the store's test card or ``89999999999`` when the customer has
neither; and a cash buyer who gives nothing leaves no order we could tie to anyone.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from omniweave.demo.catalog import Store, stores_in
from omniweave.demo.contacts import (
    CASHIER_STYLES,
    JUNK_PHONE,
    OPERATOR_STYLES,
    STORE_TEST_CARDS,
    written_phone,
)
from omniweave.demo.people import Person
from omniweave.demo.purchases import basket, order_id, order_versions


def till_order(
    rng: random.Random, person: Person, at: datetime
) -> tuple[Store, list[dict[str, Any]], bool] | None:
    """The store, the order's versions and whether the person's own card was scanned; None
    for a sale nobody can be tied to."""
    store = person.store if rng.random() < 0.85 else rng.choice(stores_in(person.store.city))
    customer: dict[str, str] = {}
    card = person.loyalty_card if person.loyalty_card and rng.random() < 0.85 else None
    if card:
        customer["loyaltyCard"] = card
        if rng.random() < 0.25:
            customer["phone"] = dictated_phone(rng, person, CASHIER_STYLES)
    elif store.code in STORE_TEST_CARDS and rng.random() < 0.4:
        customer["loyaltyCard"] = STORE_TEST_CARDS[store.code]
    elif rng.random() < 0.75:
        phone = dictated_phone(rng, person, CASHIER_STYLES)
        customer["phone"] = JUNK_PHONE if rng.random() < 0.04 else phone
    else:
        return None
    versions = order_versions(
        rng,
        order_id=order_id(rng, "pos"),
        channel="pos",
        customer=customer,
        lines=basket(rng, person),
        placed=at,
        delivered=False,
        discount_share=0.05 if card else 0.0,  # the loyalty discount
        store=store.code,
        properties={"fulfillment": "in_store", "payment": rng.choice(("card", "cash", "sbp"))},
    )
    return store, versions, card is not None


def phone_order(rng: random.Random, person: Person, at: datetime) -> list[dict[str, Any]]:
    """An order taken by the call centre, delivered from the person's nearest store."""
    customer = {"phone": dictated_phone(rng, person, OPERATOR_STYLES)}
    if person.crm_id and rng.random() < 0.6:
        customer["crmId"] = person.crm_id
    properties = {
        "fulfillment": "delivery",
        "operator": f"op-{rng.randint(1, 40):02d}",
        "customer_name": person.first_name,
    }
    return order_versions(
        rng,
        order_id=order_id(rng, "callcenter"),
        channel="callcenter",
        customer=customer,
        lines=basket(rng, person),
        placed=at,
        delivered=True,
        store=person.store.code,
        properties=properties,
    )


def dictated_phone(rng: random.Random, person: Person, styles: tuple[str, ...]) -> str:
    """The number a person says aloud: their own, or now and then the family's."""
    phone = person.phone
    if person.family_phone and rng.random() < 0.5:
        phone = person.family_phone
    return written_phone(phone, rng.choice(styles))
