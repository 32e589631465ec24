"""Who an erase or an export is about, and the pure scrubs of what is kept. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omniweave.identity import erasures

# Identifier types whose value is also a delivery address (delivery_states, subscriptions).
ADDRESS_TYPES = ("email", "phone", "device_token", "web_push")


@dataclass(frozen=True)
class Identity:
    id: int
    type: str
    value: str


@dataclass(frozen=True)
class Person:
    """One person: the profile asked for, every profile merged into it, their identities and
    the events attributed to them."""

    workspace_id: int
    root: str
    profile_ids: tuple[str, ...]
    identities: tuple[Identity, ...]
    event_ids: tuple[int, ...]
    key: bytes = field(default=b"", repr=False)  # the installation's erasure key

    def token(self, value: str) -> str:
        """A non-reversible stand-in for one of the person's ids."""
        return erasures.token(self.key, value)

    def scrub_event(self, user_id: str | None, anonymous_id: str | None, previous_id: str | None):
        return erasures.scrubbed_event(self.key, user_id, anonymous_id, previous_id)

    @property
    def identity_ids(self) -> list[int]:
        return [i.id for i in self.identities]

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [(i.type, i.value) for i in self.identities]

    def addresses(self) -> list[str]:
        return sorted({i.value for i in self.identities if i.type in ADDRESS_TYPES})


def scrubbed_decision(decision: dict[str, Any] | None) -> dict[str, Any]:
    """A message's decision without the data behind it (which may hold an address): the
    outcome, the deciding rule, the channel and the cost stay for reports."""
    decision = decision or {}
    kept = ("outcome", "rule", "channel", "cost", "notBefore")
    checks = [
        {k: c.get(k) for k in ("rule", "channel", "passed")}
        for c in decision.get("checks") or []
        if isinstance(c, dict)
    ]
    return {**{k: decision.get(k) for k in kept}, "checks": checks, "erased": True}


def summary(counts: dict[str, int]) -> dict[str, int]:
    """Per table, how many rows were erased or scrubbed (tables with none left out)."""
    return {name: n for name, n in sorted(counts.items()) if n}
