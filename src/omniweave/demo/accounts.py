"""The customer records the CRM and the loyalty system hold, each in its own conventions.

The CRM is typed in by operators: Cyrillic names, emails with odd capitals or spaces, phones
as ``+7 916 123 4567``, sometimes the family's number. The loyalty vendor exports passport
transliteration in capitals, ``79161234567`` and gender as ``M``/``F``.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from omniweave.demo.contacts import JUNK_EMAILS, as_typed, written_phone
from omniweave.demo.moments import stamp
from omniweave.demo.people import Person

_TIERS = ((0, "bronze"), (3000, "silver"), (10000, "gold"))


def crm_record(rng: random.Random, person: Person, at: datetime) -> dict[str, Any]:
    assert person.crm_id is not None
    phone = person.phone
    if person.family_phone and rng.random() < 0.4:
        phone = person.family_phone
    record: dict[str, Any] = {
        "customerId": person.crm_id,
        "crmId": person.crm_id,
        "phone": written_phone(phone, "spaced"),
        "traits": {
            "firstName": person.first_name,
            "lastName": person.last_name,
            "gender": person.gender,
            "birthday": person.birthday.isoformat(),
            "city": person.store.city.name,
            "emailOptIn": person.email_opt_in,
            # The app asked for push permission; the loyalty record keeps the answer.
            "pushOptIn": person.device is not None,
        },
        "updatedAt": stamp(at),
    }
    if person.email:
        typed = person.email in JUNK_EMAILS or rng.random() < 0.5
        record["email"] = person.email if typed else as_typed(rng, person.email)
    if person.user_id and rng.random() < 0.4:
        record["userId"] = person.user_id  # accounts synced from the site
    return record


def loyalty_record(rng: random.Random, person: Person, at: datetime, points: int) -> dict[str, Any]:
    assert person.loyalty_card is not None
    first, last = person.latin("passport")
    tier = [name for floor, name in _TIERS if points >= floor][-1]
    record: dict[str, Any] = {
        "customerId": person.loyalty_card,
        "loyaltyCard": person.loyalty_card,
        "phone": written_phone(person.phone, "seven"),
        "traits": {
            "firstName": first.upper(),
            "lastName": last.upper(),
            "gender": "F" if person.gender == "female" else "M",
            "birthday": person.birthday.isoformat(),
            "city": person.store.city.latin,
            "homeStore": person.store.code,
            "tier": tier,
            "points": points,
        },
        "updatedAt": stamp(at),
    }
    if person.email and rng.random() < 0.4:
        record["email"] = person.email
    return record
