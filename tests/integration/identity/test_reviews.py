"""Model proposals: auto-merge, the review queue, and what the rules hold back."""

from __future__ import annotations

from omniweave.identity.reviews import Proposal, Thresholds
from tests.integration.identity.test_resolver import send

WHY = {"comparisons": [{"name": "surname", "level": "exact", "weight": 6.2}]}


def two_people(container, tenant, first: dict, second: dict) -> tuple[str, str]:
    send(
        container,
        tenant,
        {**first, "type": "identify", "messageId": "one"},
        {**second, "type": "identify", "messageId": "two"},
    )
    container.resolver.catch_up()
    a = container.identity.lookup(tenant.workspace_id, "anonymous_id", first["anonymousId"])
    b = container.identity.lookup(tenant.workspace_id, "anonymous_id", second["anonymousId"])
    return a["id"], b["id"]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_sure_proposals_merge_and_explain(container, tenant):
    a, b = two_people(container, tenant, {"anonymousId": "x1"}, {"anonymousId": "x2"})
    result = container.identity.propose([Proposal(a, b, 0.995, WHY)], Thresholds())
    assert result["merged"] == 1
    merged = container.identity.profile(tenant.workspace_id, b)
    model = [m for m in merged["merges"] if m["rule"] == "model"]
    assert model and model[0]["probability"] == 0.995 and model[0]["explanation"] == WHY


def test_unsure_proposals_wait_for_a_reviewer(client, container, tenant):
    a, b = two_people(container, tenant, {"anonymousId": "x1"}, {"anonymousId": "x2"})
    assert container.identity.propose([Proposal(a, b, 0.9, WHY)], Thresholds())["review"] == 1
    queue = client.get("/api/identity/reviews", headers=bearer(tenant.read_key)).json()["reviews"]
    assert len(queue) == 1 and queue[0]["explanation"] == WHY
    decision = {"reviewId": queue[0]["id"], "decision": "approve"}
    assert (
        client.post(
            "/api/identity/reviews", json=decision, headers=bearer(tenant.read_key)
        ).status_code
        == 403
    )
    answer = client.post("/api/identity/reviews", json=decision, headers=bearer(tenant.admin_key))
    assert answer.status_code == 200, answer.text
    assert container.identity.profile(tenant.workspace_id, a)["id"] == answer.json()["merged"]
    again = client.post("/api/identity/reviews", json=decision, headers=bearer(tenant.admin_key))
    assert again.status_code == 409


def test_a_rejected_pair_is_never_proposed_again(client, container, tenant):
    a, b = two_people(container, tenant, {"anonymousId": "x1"}, {"anonymousId": "x2"})
    container.identity.propose([Proposal(a, b, 0.9, WHY)], Thresholds())
    (review,) = container.identity.reviews(tenant.workspace_id, "pending", 10)
    client.post(
        "/api/identity/reviews",
        json={"reviewId": review["id"], "decision": "reject"},
        headers=bearer(tenant.admin_key),
    )
    result = container.identity.propose([Proposal(a, b, 0.999, WHY)], Thresholds())
    assert result == {"merged": 0, "review": 0, "ignored": 1}


def test_the_model_cannot_break_a_merge_limit(container, tenant):
    a, b = two_people(
        container,
        tenant,
        {"anonymousId": "x1", "userId": "u1"},
        {"anonymousId": "x2", "userId": "u2"},
    )
    result = container.identity.propose([Proposal(a, b, 0.999, WHY)], Thresholds())
    assert result["review"] == 1  # held back for a person, with the reason
    (review,) = container.identity.reviews(tenant.workspace_id, "pending", 10)
    assert "user_id" in review["explanation"]["heldBack"]
