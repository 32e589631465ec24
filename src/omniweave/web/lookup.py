"""A person found by whatever the marketer typed: a profile id, an email, a phone, a user
id, a card, an anonymous id, a CRM id or a device token."""

from __future__ import annotations

from typing import Any

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.identity.profile_view import LOOKUP_TYPES

SEARCH_ORDER = ("user_id", "phone", "card", "anonymous_id", "crm_id", "device_token")


def find_profile(c: Any, workspace_id: int, query: str) -> dict[str, Any]:
    """The profile an identifier of any kind names: a profile id, an email, else each kind in
    turn (a user id, a phone, a card, an anonymous id, a CRM id, a device token)."""
    query = query.strip()
    if query.startswith("p_"):
        return c.profiles.profile(workspace_id, query)
    kinds = ("email",) if "@" in query else tuple(k for k in SEARCH_ORDER if k in LOOKUP_TYPES)
    for kind in kinds:
        try:
            return c.profiles.lookup(workspace_id, kind, query)
        except (NotFound, InvalidInput):
            continue
    raise NotFound(f"no profile holds {query!r} as {', '.join(kinds)}")
