"""The computed traits API: a profile's values and the definitions in force."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from omniweave.api.app import create_app
from omniweave.profiles.traits_model import load_catalog
from omniweave.profiles.traits_service import TraitUpdater
from tests.integration.profiles.test_traits_history import NOW, kolya


@pytest.fixture
def api(container):
    container.traits = TraitUpdater(container.engine, load_catalog(), lambda: NOW)
    app = create_app(container)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_profiles_traits_with_what_they_came_from(container, tenant, api):
    kolya(container, tenant)
    container.resolver.catch_up()
    container.traits.catch_up()
    found = api.get("/api/profiles", params={"user_id": "kolya"}, headers=auth(tenant.read_key))
    profile_id = found.json()["id"]
    response = api.get(f"/api/profiles/{profile_id}/traits", headers=auth(tenant.read_key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["profile"] == profile_id
    store = body["traits"]["favourite_store"]
    assert store["value"] == "pos-001"
    assert store["from"]["definition"] == "favourite_store" and store["from"]["orders"] == 1
    assert store["computedAt"].startswith("2026-11-01T12:00:00")
    assert body["traits"]["days_since_last_purchase"]["value"] == 10


def test_unknown_profiles_and_missing_keys(tenant, api):
    missing = api.get("/api/profiles/p_nope/traits", headers=auth(tenant.read_key))
    assert missing.status_code == 404
    assert api.get("/api/traits/definitions").status_code == 401


def test_the_definitions_in_force(tenant, api):
    response = api.get("/api/traits/definitions", headers=auth(tenant.read_key))
    assert response.status_code == 200
    definitions = {d["name"]: d for d in response.json()["definitions"]}
    assert definitions["favourite_product"]["window"] == {"days": 365}
    assert len(definitions["rfm"]["version"]) == 16
