"""Which hosts our adapters may call when a URL comes from users rather than configuration.

Webhook URLs and web push endpoints are supplied from outside, so a host that resolves to a
private, loopback, link-local or reserved address is refused: otherwise Omniweave could be made
to call its own network (SSRF). The check and the connection resolve the name separately, so
run the workers behind an egress firewall as well.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx

from omniweave.channels.model import Receipt, failed


def is_public_address(address: str) -> bool:
    """Whether an IP is on the public internet (not private, loopback, link-local, reserved)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def inward_address(url: str) -> str | None:
    """The first non-public address ``url``'s host resolves to, or None when all are public."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(parsed.host, port, type=socket.SOCK_STREAM)
    for info in infos:
        address = str(info[4][0])
        if not is_public_address(address):
            return address
    return None


async def egress_refusal(url: str, *, allow_private: bool = False) -> Receipt | None:
    """A failed receipt when ``url`` may not be called (not http(s), or an inward host)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        return failed(f"not a URL: {exc}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return failed(f"not an http(s) URL: {url!r}")
    if allow_private:
        return None
    try:
        inward = await inward_address(url)
    except OSError as exc:  # DNS can fail for a while; the next try may resolve
        return failed(f"cannot resolve {parsed.host}: {exc}", retryable=True)
    if inward:
        return failed(f"refused: {parsed.host} resolves to {inward}, a non-public address")
    return None
