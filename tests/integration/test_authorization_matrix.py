"""Every route of the OpenAPI document, called with no key and with a write, a read and an
admin key (both backends). What each should answer is derived from the route itself (the
scope its key dependency needs, ``api.deps.scope_of``), so a new route is covered the day it
is added: a route that forgets its key dependency is public, and is called out by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from omniweave.access.model import Scope
from omniweave.api.deps import ANY_SCOPE, scope_of

# Routes meant to need no key, and why (everything else must name a scope).
PUBLIC = {
    "GET /healthz": "probe",
    "GET /readyz": "probe",
    "GET /metrics": "Prometheus scrapes without a key",
    "GET /api/web-push/key": "the VAPID public key browsers need",
    "GET /u/{token}": "a signed unsubscribe link",
    "POST /u/{token}": "a signed one-click unsubscribe",
    "POST /api/channels/sms/inbound": "the SMS gateway's STOP replies, signed by the gateway",
    "POST /api/channels/{channel}/delivery-events": "providers' bounce reports, signed",
}
ALLOWED = {
    None: {"none", "write", "read", "admin"},
    ANY_SCOPE: {"write", "read", "admin"},
    Scope.WRITE: {"write", "admin"},
    Scope.READ: {"read", "admin"},
    Scope.ADMIN: {"admin"},
}


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # included routers nest in this FastAPI
            yield from api_routes(route.original_router.routes)


def operations(app) -> list[tuple[str, str, APIRoute, dict]]:
    by_id = {r.unique_id: r for r in api_routes(app.routes)}
    found = []
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, by_id[operation["operationId"]], operation))
    return found


def concrete(path: str, operation: dict) -> str:
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            kind = param.get("schema", {}).get("type")
            path = path.replace("{" + param["name"] + "}", "1" if kind == "integer" else "x1")
    return path


def test_every_route_answers_each_key_as_its_scope_says(client, tenant):
    keys = {
        "none": {},
        "write": {"Authorization": f"Bearer {tenant.write_key}"},
        "read": {"Authorization": f"Bearer {tenant.read_key}"},
        "admin": {"Authorization": f"Bearer {tenant.admin_key}"},
    }
    wrong = []
    found = operations(client.app)
    assert len(found) > 40
    for method, path, route, operation in found:
        needed = scope_of(route)
        name = f"{method} {path}"
        if needed is None and name not in PUBLIC:
            wrong.append(f"{name}: needs no key, and is not in PUBLIC")
            continue
        url = concrete(path, operation)
        for who, headers in keys.items():
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            status = client.request(method, url, headers=headers, **kwargs).status_code
            if who in ALLOWED[needed]:
                ok = status not in (401, 403)
            else:
                ok = status == (401 if who == "none" else 403)
            if not ok:
                wrong.append(f"{name} with {who} key: {status} (needs {needed})")
    assert wrong == []
    assert set(PUBLIC) <= {f"{m} {p}" for m, p, _, _ in found}, "PUBLIC names a route gone"


@pytest.mark.parametrize("scope", list(Scope))
def test_scopes_are_found_from_the_dependencies(client, scope):
    scopes = {scope_of(r) for _, _, r, _ in operations(client.app)}
    assert scope in scopes
