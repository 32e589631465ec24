"""Reading request bodies as the providers do: a JSON object or a clear 400."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request


async def json_object(request: Request) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        value = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None
