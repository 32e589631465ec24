"""Reading a request body the way Segment's API does: size-limited, optionally gzipped, JSON."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
from fastapi import Request

from omniweave.core.errors import InvalidInput, PayloadTooLarge


def json_body_schema(model: type) -> dict[str, Any]:
    """OpenAPI for a route that reads its body itself (size limits, gzip): what it expects.
    pydantic's ``$defs`` are inlined: a ``#/$defs/...`` reference does not resolve inside an
    OpenAPI document."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, definitions)}},
        }
    }


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {k: _inline(v, definitions) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


async def read_json(request: Request, limit: int) -> Any:
    """The decoded body, refusing more than ``limit`` bytes before or after gunzip (a small
    gzip bomb cannot inflate past the limit: decompression stops at it)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge.one("body", f"{declared} bytes is over the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge.one("body", f"more than the {limit}-byte limit")
        chunks.append(chunk)
    raw = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        raw = _inflate(raw, limit, gzip=encoding != "deflate")
    elif encoding not in ("", "identity"):
        raise InvalidInput.one("Content-Encoding", f"{encoding!r} is not supported; use gzip")
    if not raw:
        raise InvalidInput.one("body", "is empty; expected a JSON object")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput.one("body", f"malformed JSON: {exc}") from None


def _inflate(raw: bytes, limit: int, gzip: bool) -> bytes:
    inflater = zlib.decompressobj(wbits=31 if gzip else 15)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise InvalidInput.one("body", f"not valid gzip data: {exc}") from None
    if len(out) > limit:
        raise PayloadTooLarge.one("body", f"inflates past the {limit}-byte limit")
    if not inflater.eof:
        raise InvalidInput.one("body", "gzip data is truncated")
    return out
