"""Deterministic ids: a retried or re-imported record derives the same id, so it is stored once."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson


def canonical_json(value: Any) -> bytes:
    """Key-sorted compact JSON: equal content gives equal bytes, whatever the key order."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)


def content_id(prefix: str, value: Any) -> str:
    """An id derived from content, for records that arrive without one."""
    return f"{prefix}-{hashlib.sha256(canonical_json(value)).hexdigest()[:32]}"
