"""The probabilistic job over the demo's profiles: what it merges is one real person."""

from __future__ import annotations

import itertools

from omniweave.demo.loader import load, prepare_workspace
from omniweave.demo.model import DemoSpec
from omniweave.demo.people import population
from omniweave.identity.match_job import match_profiles

SPEC = DemoSpec(seed=42, customers=1500)


def owners() -> dict[tuple[str, str], int]:
    """Ground truth: which demo person each personal identifier belongs to."""
    found: dict[tuple[str, str], int] = {}
    for person in itertools.islice(population(SPEC.seed), SPEC.customers):
        for kind, value in (
            ("user_id", person.user_id),
            ("crm_id", person.crm_id),
            ("loyalty_card", person.loyalty_card),
            ("anonymous_id", person.device),
            *(("anonymous_id", b) for b in person.browsers),
        ):
            if value:
                found[(kind, value)] = person.number
    return found


def test_model_merges_are_one_person_and_explain_themselves(container):
    workspace = prepare_workspace(container)
    load(container, workspace, SPEC)
    container.resolver.catch_up()
    report = match_profiles(container.engine, container.identity, workspace.workspace_id)
    assert report["profiles"] > 100 and report["pairs"] > 0
    for review in container.identity.reviews(workspace.workspace_id, "pending", 500):
        assert review["explanation"]["comparisons"]  # every proposal says why
    truth = owners()
    merges = _model_merges(container, workspace.workspace_id)
    assert merges, report
    for survivor, moved in merges:
        profile = container.identity.profile(workspace.workspace_id, survivor)
        brought = {tuple(pair) for pair in moved}
        kept = {(i["type"], i["value"]) for i in profile["identifiers"]} - brought
        people = [{truth[k] for k in side if k in truth} for side in (brought, kept)]
        if all(people):  # both sides carry ground truth: the model joined the same person
            assert people[0] & people[1], (survivor, people)


def _model_merges(container, workspace_id):
    from sqlalchemy import select

    from omniweave.store.tables import profile_merges

    with container.engine.connect() as conn:
        return list(
            conn.execute(
                select(profile_merges.c.survivor_id, profile_merges.c.moved_identities).where(
                    profile_merges.c.workspace_id == workspace_id, profile_merges.c.rule == "model"
                )
            ).all()
        )
