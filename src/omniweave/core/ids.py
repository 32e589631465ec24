"""Deterministic ids: a retried or re-imported record derives the same id, so it is stored once."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson


def json_bytes(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON; a naive datetime is written as UTC (the store's convention). Falls back to
    the standard library for what orjson refuses (integers past 64 bits, which a JSON Lines
    import can carry)."""
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    try:
        return orjson.dumps(value, option=option, default=str)
    except TypeError:
        text = json.dumps(
            value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False, default=str
        )
        return text.encode()


def canonical_json(value: Any) -> bytes:
    """Key-sorted compact JSON: equal content gives equal bytes, whatever the key order."""
    return json_bytes(value, sort_keys=True)


def content_id(prefix: str, value: Any) -> str:
    """An id derived from content, for records that arrive without one."""
    return f"{prefix}-{hashlib.sha256(canonical_json(value)).hexdigest()[:32]}"
