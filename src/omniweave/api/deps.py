"""Dependencies that make route signatures read like prose: ``principal: WriteKey``."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import Depends, Request

from omniweave.access.model import Principal, Scope
from omniweave.access.rate import limit_from
from omniweave.access.service import require_source
from omniweave.bootstrap import Container
from omniweave.core.errors import Forbidden, InvalidInput, NotAuthenticated, RateLimited
from omniweave.ingest import metrics

# Where a request's audit trail lives in the ASGI scope (api/audit.py writes it out).
TRAIL = "omniweave.audit"

# Ids are 64-bit in the store: a larger number in a request is a 4xx, not a database error.
MAX_ID = 2**63 - 1


def get_container(request: Request) -> Container:
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]


def presented_key(request: Request) -> str | None:
    """Segment SDKs send the write key as the HTTP Basic user; our own clients send Bearer."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and value.strip():
        return value.strip()
    if scheme == "basic":
        try:
            user = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            raise NotAuthenticated("the Authorization header is not valid Basic auth") from None
        return user or None
    return request.headers.get("x-api-key") or None


def within_rate(container: Container, principal: Principal) -> None:
    """Ingestion's token bucket per key (access/rate.py): over it, a 429 naming the limit."""
    override = limit_from(principal.rate_per_second, principal.rate_burst)
    limit, wait = container.rates.check(principal.key_id, override)
    if wait > 0 and limit is not None:
        metrics.rate_limited.labels(str(principal.key_id)).inc()
        raise RateLimited(
            f"key {principal.key_id} is over its limit of {limit.per_second:g} requests a "
            f"second (burst {limit.burst}): retry after {wait:.2f} s",
            retry_after=wait,
            limit=limit.as_dict(),
        )


def verified(container: Container, secret: str | None) -> Principal:
    """The key's principal, whatever its scope; 401 without a key or with an unknown one."""
    if not secret:
        raise NotAuthenticated("no API key: send it as HTTP Basic user or a Bearer token")
    principal = container.keys.verify(secret)
    if principal is None:
        raise NotAuthenticated("unknown or revoked API key")
    return principal


def authenticate(
    container: Container, secret: str | None, needed: Scope, trail: dict | None = None
) -> Principal:
    principal = verified(container, secret)
    if trail is not None:
        trail.update(actor=principal.actor, workspace_id=principal.workspace_id)
    if not principal.allows(needed):
        raise Forbidden(f"this {principal.scope.value} key cannot do what needs {needed.value}")
    if needed is Scope.WRITE:  # ingestion
        within_rate(container, principal)
    return principal


def needs(scope: Scope):
    """Marks an endpoint that authenticates by itself (the Tracking API reads the key from the
    body too) with the scope it needs, as ``require`` marks its dependency: ``scope_of``
    reads either, and the authorization matrix test derives what to expect from it."""

    def mark(endpoint):
        endpoint.needs_scope = scope
        return endpoint

    return mark


def scope_of(route: Any) -> Scope | None:
    """The scope a route needs (None: public), from its dependencies or its endpoint."""
    found = getattr(route.endpoint, "needs_scope", None)
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        found = getattr(dependant.call, "needs_scope", None) or found
        pending += dependant.dependencies
    return found


def require(needed: Scope):
    def dependency(request: Request, container: ContainerDep) -> Principal:
        # An admin route marks the request for the audit trail before anything can refuse it,
        # so refused attempts are recorded too.
        trail = request.scope.get(TRAIL)
        if trail is not None and needed is Scope.ADMIN:
            trail["audited"] = True
        return authenticate(container, presented_key(request), needed, trail)

    dependency.needs_scope = needed

    return dependency


WriteKey = Annotated[Principal, Depends(require(Scope.WRITE))]
ReadKey = Annotated[Principal, Depends(require(Scope.READ))]
AdminKey = Annotated[Principal, Depends(require(Scope.ADMIN))]


def source_for(container: Container, principal: Principal, named: object) -> int:
    """A write key writes to its own source; an admin key names the source in the body."""
    if principal.source_id is not None:
        return principal.source_id
    if not isinstance(named, str) or not named:
        raise InvalidInput.one("source", "an admin key must name the source it writes for")
    with container.engine.connect() as conn:
        return require_source(conn, principal.workspace_id, named)


ANY_SCOPE = "any"  # scope_of's answer for a route any key of the workspace may call


def any_key(request: Request, container: ContainerDep) -> Principal:
    """Any key of the workspace (write, read or admin): a till asking a price or using a cart
    token holds a write key, a back office a read key; the question writes nothing."""
    return verified(container, presented_key(request))


any_key.needs_scope = ANY_SCOPE  # type: ignore[attr-defined]
AnyKey = Annotated[Principal, Depends(any_key)]
