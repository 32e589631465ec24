"""Identifiers and the rules that say which of them join profiles. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from omniweave.identity.normalise import NormalisationPolicy

# Highest priority first: when an event would break a merge limit, the lowest-priority
# identifier that pulls in another profile is dropped first (as Segment Unify does).
DEFAULT_PRIORITY = (
    "user_id",
    "crm_id",
    "customer_id",
    "loyalty_card",
    "email",
    "phone",
    "device_token",
    "web_push",
    "marketplace_id",
    "anonymous_id",
)


@dataclass(frozen=True)
class Identifier:
    type: str
    value: str  # normalised: the matching key
    raw: str  # as the source wrote it
    valid: bool = True
    reason: str | None = None  # why it cannot merge (invalid, blocklisted, undeclared type)

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.value)

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"type": self.type, "value": self.value, "raw": self.raw}
        if self.reason:
            found["reason"] = self.reason
        return found


def _default_limits() -> dict[str, int]:
    # A person has one account id and one CRM id; a few emails, phones and cards; many devices.
    return {
        "user_id": 1,
        "crm_id": 1,
        "email": 5,
        "phone": 5,
        "loyalty_card": 5,
        "customer_id": 20,
        "device_token": 20,
        "web_push": 20,  # a browser's push subscription endpoint
        "marketplace_id": 5,
        "anonymous_id": 200,
    }


def _default_blocklist() -> dict[str, frozenset[str]]:
    return {
        "email": frozenset(
            {"test@test.com", "test@example.com", "no@mail.ru", "noemail@mail.ru", "a@a.ru"}
        ),
        "phone": frozenset({"+79999999999", "+70000000000", "+71111111111", "+79000000000"}),
        "loyalty_card": frozenset({"0000000000", "1111111111"}),
    }


@dataclass(frozen=True)
class IdentityRules:
    """Which identifier types join profiles, how many of each a profile may hold, which
    values are junk, and which custom types (from ``context.externalIds``) are declared."""

    priority: tuple[str, ...] = DEFAULT_PRIORITY
    limits: Mapping[str, int] = field(default_factory=_default_limits)
    blocklist: Mapping[str, frozenset[str]] = field(default_factory=_default_blocklist)
    custom_types: tuple[str, ...] = ()
    normalisation: NormalisationPolicy = field(default_factory=NormalisationPolicy)

    def rank(self, kind: str) -> int:
        """Smaller is more important; undeclared custom types rank last."""
        order = self.priority + self.custom_types
        return order.index(kind) if kind in order else len(order)

    def limit(self, kind: str) -> int:
        return self.limits.get(kind, 5)

    def joins(self, kind: str) -> bool:
        return kind in self.priority or kind in self.custom_types


def rules_from_settings(
    *,
    default_region: str = "RU",
    gmail_dots: bool = False,
    custom_types: str = "",
    limits: str = "",
    blocklist: str = "",
) -> IdentityRules:
    """Rules from the settings' compact strings: ``limits`` as ``type=n,...``, ``blocklist``
    as ``type:value,...`` (values as normalised: lower-case emails, E.164 phones)."""
    merged_limits = _default_limits()
    for item in filter(None, (p.strip() for p in limits.split(","))):
        kind, _, number = item.partition("=")
        if not number.strip().isdigit():
            raise ValueError(f"identity limit {item!r}: expected type=number")
        merged_limits[kind.strip()] = int(number)
    junk = {k: set(v) for k, v in _default_blocklist().items()}
    for item in filter(None, (p.strip() for p in blocklist.split(","))):
        kind, _, value = item.partition(":")
        if not value:
            raise ValueError(f"identity blocklist entry {item!r}: expected type:value")
        junk.setdefault(kind.strip(), set()).add(value.strip())
    return IdentityRules(
        limits=merged_limits,
        blocklist={k: frozenset(v) for k, v in junk.items()},
        custom_types=tuple(t.strip() for t in custom_types.split(",") if t.strip()),
        normalisation=NormalisationPolicy(default_region=default_region, gmail_dots=gmail_dots),
    )
