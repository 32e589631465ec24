"""How every HTTP adapter calls a provider and reads the common answers.

A network error or timeout is worth retrying; 408, 429 and 5xx are the provider asking us to
come back later; any other 4xx is our request being wrong, which a retry will not fix. Each
adapter first picks out its provider's own "this address is dead" answers, then falls back here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import httpx

from omniweave.channels.model import Receipt, failed, parse_retry_after
from omniweave.core.time import utc_now

RETRYABLE_STATUSES = frozenset({408, 425, 429})


class HttpAdapter:
    """One pooled client per adapter (closed by ``aclose``); redirects are never followed."""

    channel: str

    def __init__(
        self, timeout: float, client: httpx.AsyncClient | None = None, *, http2: bool = False
    ) -> None:
        self._client = client or httpx.AsyncClient(timeout=timeout, http2=http2 and _h2_installed())

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _h2_installed() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


async def post(
    client: httpx.AsyncClient,
    url: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response | Receipt:
    """POST, turning a network failure into a retryable receipt instead of an exception."""
    try:
        return await client.post(url, json=json, content=content, headers=headers)
    except httpx.TimeoutException as exc:
        return failed(f"timeout talking to {_origin(url)}: {type(exc).__name__}", retryable=True)
    except httpx.HTTPError as exc:
        return failed(f"network error talking to {_origin(url)}: {exc!r}", retryable=True)
    except httpx.InvalidURL as exc:
        return failed(f"invalid provider URL {url!r}: {exc}")


def failure(response: httpx.Response, detail: str | None = None) -> Receipt:
    """A non-2xx answer that is not a bounce: retryable when the provider is busy or broken."""
    status = response.status_code
    error = f"HTTP {status}: {detail or _excerpt(response)}"
    if status in RETRYABLE_STATUSES or status >= 500:
        wait = parse_retry_after(response.headers.get("retry-after"), utc_now())
        return failed(error, retryable=True, retry_after=wait)
    return failed(error)


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` when it is not one (an HTML error page, say)."""
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _excerpt(response: httpx.Response) -> str:
    return response.text[:300].strip() or response.reason_phrase


def _origin(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    return f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")
