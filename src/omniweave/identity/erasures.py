"""Erased identifiers: keyed hashes that let the resolver recognise an erased person's
identifiers without keeping them. Pure helpers plus one lookup.

The key is derived from the installation's secret (``bootstrap``), so the hashes cannot be
reversed by hashing a list of guessed emails without it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import Connection, select

from omniweave.store.privacy_tables import erased_identifiers

# What an erased person's userId/anonymousId becomes in the log: not reversible, the same for
# the same value (so a profile never forms from it), and recognisable by the resolver.
TOKEN_PREFIX = "erased:"


def digest(key: bytes, kind: str, value: str) -> str:
    """The stored form of an erased identifier (type and normalised value)."""
    return hmac.new(key, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()


def token(key: bytes, value: str) -> str:
    """A stand-in for an erased id in the log (userId, anonymousId, a record's own id)."""
    mac = hmac.new(key, f"token|{value}".encode(), hashlib.sha256).hexdigest()[:24]
    return TOKEN_PREFIX + mac


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def erased_among(
    conn: Connection, key: bytes, workspace_id: int, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these (type, value) identifiers belong to an erased person."""
    by_digest = {digest(key, kind, value): (kind, value) for kind, value in keys}
    if not by_digest:
        return set()
    found = conn.execute(
        select(erased_identifiers.c.digest).where(
            erased_identifiers.c.workspace_id == workspace_id,
            erased_identifiers.c.digest.in_(list(by_digest)),
        )
    ).scalars()
    return {by_digest[d] for d in found}


def scrubbed_event(
    key: bytes, user_id: str | None, anonymous_id: str | None, previous_id: str | None
) -> dict:
    """What an event of an erased person keeps: its ids, type, name and times; its payload
    goes and its person ids become tokens (the row and its messageId stay, so a replay of
    the old event is still a duplicate and stores nothing)."""
    return {
        "properties": None,
        "traits": None,
        "context": None,
        "extra": None,
        "user_id": _tokenised(key, user_id),
        "anonymous_id": _tokenised(key, anonymous_id),
        "previous_id": _tokenised(key, previous_id),
    }


def _tokenised(key: bytes, value: str | None) -> str | None:
    return value if value is None or is_token(value) else token(key, value)
