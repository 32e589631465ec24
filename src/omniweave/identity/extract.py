"""Which identifiers an event carries, normalised. Pure: an event row in, identifiers out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from omniweave.identity import normalise
from omniweave.identity.model import Identifier, IdentityRules

# context.externalIds types as our records and Segment's spec name them
_EXTERNAL_TYPES = {
    "email": "email",
    "phone": "phone",
    "loyalty_card": "loyalty_card",
    "loyaltyCard": "loyalty_card",
    "crm_id": "crm_id",
    "crmId": "crm_id",
    "customer_id": "customer_id",
    "user_id": "user_id",
    "device_token": "device_token",
    "marketplace_id": "marketplace_id",
}


def identifiers_of(row: dict[str, Any], rules: IdentityRules) -> list[Identifier]:
    """Every identifier in the event, each once, valid ones first in priority order.

    ``customer_id`` is a source's own record id, so it is scoped by the source
    (``<source_id>:<id>``): CRM record 7 and till record 7 are different people.
    """
    raw: list[tuple[str, str]] = []
    if row.get("user_id"):
        raw.append(("user_id", row["user_id"]))
    if row.get("anonymous_id"):
        raw.append(("anonymous_id", row["anonymous_id"]))
    if row.get("type") == "alias" and row.get("previous_id"):
        raw.append(("anonymous_id", row["previous_id"]))
    context = row.get("context") or {}
    for traits in (row.get("traits") or {}, context.get("traits") or {}):
        if isinstance(traits, dict):
            raw += [(k, traits[k]) for k in ("email", "phone") if isinstance(traits.get(k), str)]
    external = context.get("externalIds")
    if isinstance(external, list):
        for item in external:
            if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                kind = _EXTERNAL_TYPES.get(str(item.get("type")), str(item.get("type")))
                raw.append((kind, str(item["id"])))
    device = context.get("device")
    if isinstance(device, dict) and isinstance(device.get("token"), str):
        raw.append(("device_token", device["token"]))

    found: dict[tuple[str, str], Identifier] = {}
    for kind, value in raw:
        ident = normalised(kind, str(value), rules)
        if kind == "customer_id" and ident.valid:
            ident = replace(ident, value=f"{row['source_id']}:{ident.value}")
        found.setdefault(ident.key, ident)
    return sorted(found.values(), key=lambda i: (not i.valid, rules.rank(i.type), i.value))


def normalised(kind: str, raw: str, rules: IdentityRules) -> Identifier:
    policy = rules.normalisation
    if kind == "phone":
        result = normalise.phone(raw, policy)
    elif kind == "email":
        result = normalise.email(raw, policy)
    else:
        result = normalise.opaque(raw)
    if not result.valid:
        return Identifier(kind, result.value, raw, False, result.reason)
    if not rules.joins(kind):
        return Identifier(kind, result.value, raw, False, f"undeclared identifier type {kind!r}")
    if result.value in rules.blocklist.get(kind, frozenset()):
        return Identifier(kind, result.value, raw, False, "blocklisted junk value")
    return Identifier(kind, result.value, raw)
