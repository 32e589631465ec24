"""Segments on hand-made histories, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omniweave.core.errors import InvalidInput
from omniweave.segments.service import SegmentService

NOW = datetime.now(UTC)


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def people(container, tenant):
    """Kolya viewed pizza three times this week and has not ordered for two months; Masha
    viewed pizza once and ordered yesterday; Petya only has an old view of drinks."""

    def view(who, n, category, days_ago):
        return {
            "type": "track",
            "userId": who,
            "event": "Product Viewed",
            "messageId": f"{who}-v{n}",
            "properties": {"category": category, "price": 549 if category == "pizza" else 99},
            "timestamp": at(days_ago),
        }

    batch = [
        {
            "type": "identify",
            "userId": "kolya",
            "messageId": "k-id",
            "timestamp": at(90),
            "traits": {"email": "kolya@mail.ru", "city": "Пермь", "age": 34},
        },
        {
            "type": "identify",
            "userId": "kolya",
            "messageId": "k-id2",
            "timestamp": at(1),
            "traits": {"city": "Казань"},
        },
        view("kolya", 1, "pizza", 1),
        view("kolya", 2, "pizza", 2),
        view("kolya", 3, "pizza", 3),
        {
            "type": "track",
            "userId": "kolya",
            "event": "Order Completed",
            "messageId": "k-o",
            "timestamp": at(60),
            "properties": {"total": 1000},
        },
        {
            "type": "identify",
            "userId": "masha",
            "messageId": "m-id",
            "timestamp": at(5),
            "traits": {"city": "Казань", "age": 27, "phone": "+79161112233"},
        },
        view("masha", 1, "pizza", 2),
        {
            "type": "track",
            "userId": "masha",
            "event": "Order Completed",
            "messageId": "m-o",
            "timestamp": at(1),
            "properties": {"total": 800},
        },
        view("petya", 1, "drinks", 40),
    ]
    container.ingest.batch(tenant.workspace_id, tenant.site_id, {"batch": batch})
    container.resolver.catch_up()
    service = SegmentService(container.engine, container.clock)
    ids = {
        who: container.identity.lookup(tenant.workspace_id, "user_id", who)["id"]
        for who in ("kolya", "masha", "petya")
    }
    return service, ids, tenant.workspace_id


def who(result, ids) -> set[str]:
    names = {v: k for k, v in ids.items()}
    assert result["size"] == len(result["sample"])
    return {names[p] for p in result["sample"]}


CASES = [
    (
        {
            "event": {
                "name": "Product Viewed",
                "min": 2,
                "withinDays": 7,
                "where": {"category": "pizza"},
            }
        },
        {"kolya"},
    ),
    ({"not": {"event": {"name": "Order Completed", "withinDays": 30}}}, {"kolya", "petya"}),
    (
        {
            "all": [
                {"event": {"name": "Product Viewed", "withinDays": 7}},
                {"not": {"event": {"name": "Order Completed", "withinDays": 30}}},
            ]
        },
        {"kolya"},
    ),
    ({"trait": {"name": "city", "value": "Казань"}}, {"kolya", "masha"}),  # the latest value
    ({"trait": {"name": "city", "value": "Пермь"}}, set()),
    ({"trait": {"name": "age", "op": "gte", "value": 30}}, {"kolya"}),
    ({"trait": {"name": "city", "op": "in", "value": ["Пермь", "Казань"]}}, {"kolya", "masha"}),
    ({"trait": {"name": "city", "op": "contains", "value": "каз"}}, {"kolya", "masha"}),
    ({"identifier": {"type": "phone"}}, {"masha"}),
    (
        {
            "any": [
                {"identifier": {"type": "phone"}},
                {"event": {"name": "Product Viewed", "where": {"category": "drinks"}}},
            ]
        },
        {"masha", "petya"},
    ),
    (
        {"event": {"name": "Product Viewed", "where": {"price": {"op": "gt", "value": 100}}}},
        {"kolya", "masha"},
    ),
    ({"event": {"name": "Product Viewed", "max": 1}}, {"masha", "petya"}),
]


@pytest.mark.parametrize(("definition", "expected"), CASES)
def test_members(people, definition, expected):
    service, ids, workspace = people
    assert who(service.preview(workspace, definition), ids) == expected


def test_segments_refer_to_segments(people):
    service, ids, workspace = people
    service.save(workspace, "pizza-week", CASES[0][0])
    nested = {"all": [{"segment": "pizza-week"}, {"trait": {"name": "city", "value": "Казань"}}]}
    assert who(service.preview(workspace, nested), ids) == {"kolya"}
    with pytest.raises(InvalidInput, match="no segment named"):
        service.preview(workspace, {"segment": "nope"})
    service.save(workspace, "a", {"trait": {"name": "age", "op": "exists"}})
    with pytest.raises(InvalidInput, match="itself"):
        service.save(workspace, "a", {"any": [{"segment": "a"}]})
    assert [s["name"] for s in service.list(workspace)] == ["a", "pizza-week"]
    assert sorted(service.member_ids(workspace, "pizza-week")) == [ids["kolya"]]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_api_preview_save_and_export(people, client, tenant):
    _service, ids, _workspace = people
    definition = {"trait": {"name": "city", "value": "Казань"}}
    answer = client.post(
        "/api/segments/preview", json={"definition": definition}, headers=bearer(tenant.read_key)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["size"] == 2 and answer.json()["seconds"] >= 0
    bad = client.post(
        "/api/segments/preview",
        json={"definition": {"all": [{"event": {"name": "x", "withinDays": 0}}]}},
        headers=bearer(tenant.read_key),
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "definition.all[0].event.withinDays"
    body = {"name": "kazan", "definition": definition}
    assert (
        client.post("/api/segments", json=body, headers=bearer(tenant.read_key)).status_code == 403
    )
    assert (
        client.post("/api/segments", json=body, headers=bearer(tenant.admin_key)).status_code == 200
    )
    listed = client.get("/api/segments", headers=bearer(tenant.read_key)).json()["segments"]
    assert [s["name"] for s in listed] == ["kazan"]
    csv_text = client.get("/api/segments/kazan/export", headers=bearer(tenant.read_key)).text
    lines = csv_text.strip().splitlines()
    assert lines[0] == "profile_id,email,phone" and len(lines) == 3
    assert any("kolya@mail.ru" in line for line in lines)
    audience = (
        client.get("/api/segments/kazan/export?format=audience", headers=bearer(tenant.read_key))
        .text.strip()
        .splitlines()
    )
    import hashlib

    assert f"email_sha256,{hashlib.sha256(b'kolya@mail.ru').hexdigest()}" in audience
    assert f"phone_sha256,{hashlib.sha256(b'+79161112233').hexdigest()}" in audience
    assert (
        client.get("/api/segments/nope/export", headers=bearer(tenant.read_key)).status_code == 404
    )
