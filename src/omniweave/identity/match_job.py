"""The probabilistic batch job: one record per profile, the matcher, then proposals.

What the deterministic resolver cannot see (Николай Петров on the CRM and NIKOLAI PETROV at
the loyalty desk, with different emails but one birthday) the model scores; sure pairs merge,
likely ones go to the review queue, each with the comparisons that decided it.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, select

from omniweave.identity.matching import DerivedColumn, Matcher, Settings, Transform
from omniweave.identity.matching import library as cl
from omniweave.identity.reviews import Proposal, Thresholds
from omniweave.identity.service import IdentityService
from omniweave.store.tables import event_identities, events, identities, profiles

PEOPLE = Settings(
    unique_id="record_id",
    derived=(
        DerivedColumn("first_key", "first_name", Transform.NAME_KEY),
        DerivedColumn("last_key", "last_name", Transform.NAME_KEY),
        DerivedColumn("city_key", "city", Transform.NAME_KEY),  # Казань and Kazan agree
    ),
    comparisons=(
        cl.name("first_key", swapped_with="last_key"),
        cl.name("last_key", swapped_with="first_key"),
        # A birthday agrees, has one typo, or disagrees: "within ten years" is no evidence of
        # one person when namesakes are common (two Olga Fyodorovas in Moscow).
        cl.edits("birth_date", distances=(1,)),
        cl.name("email_name", thresholds=(0.9,), term_frequency=False),
        cl.exact("city_key", term_frequency=True),
    ),
    # No phone or email comparison: two live profiles never share one (identities are unique),
    # except where the resolver refused a merge, as for a family's shared phone; such a
    # "match" is evidence of a household, not of one person. The email's local part
    # (kolya.petrov@mail.ru, kolya.petrov@gmail.com) is personal and stays.
    blocking_rules=(
        "l.first_key = r.first_key AND substr(l.last_key, 1, 3) = substr(r.last_key, 1, 3)",
        "l.birth_date = r.birth_date",
        "l.email_name = r.email_name",
    ),
    u_sample_pairs=200_000,
)
# Comparisons that, when both sides are known and disagree outright, rule a pair out however
# high the model scores it: unsupervised EM over a chain's customers learns "same name" as much
# as "same person", and namesakes are common (sofya.karpova@ya.ru and sofya.karpova@list.ru,
# born 15 years apart). Proposing them would flood the review queue with strangers.
VETO = ("birth_date",)
_ELSE = 0  # the matcher's gamma for "disagrees" (-1 is "missing")
_FIRST = ("firstName", "first_name")
_LAST = ("lastName", "last_name")
_BIRTH = ("birthday", "birth_date", "birthDate")


def profile_records(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    """Each live profile as the matcher sees it: names, birthday and city from its traits (the
    latest value), and the local part of its first email."""
    live = set(
        conn.execute(
            select(profiles.c.id).where(
                profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
            )
        ).scalars()
    )
    records: dict[str, dict[str, Any]] = {
        p: {
            "record_id": p,
            "first_name": None,
            "last_name": None,
            "birth_date": None,
            "email_name": None,
            "city": None,
        }
        for p in live
    }
    for profile_id, value in conn.execute(
        select(identities.c.profile_id, identities.c.value)
        .where(identities.c.workspace_id == workspace_id, identities.c.type == "email")
        .order_by(identities.c.value)
    ):
        record = records.get(profile_id)
        if record is not None and record["email_name"] is None:
            record["email_name"] = value.split("@", 1)[0]
    traits = conn.execute(
        select(identities.c.profile_id, events.c.traits)
        .join(event_identities, event_identities.c.identity_id == identities.c.id)
        .join(events, events.c.id == event_identities.c.event_id)
        .where(identities.c.workspace_id == workspace_id, events.c.type == "identify")
        .order_by(events.c.timestamp, events.c.id)
    )
    for profile_id, values in traits:
        record = records.get(profile_id)
        if record is None or not values:
            continue
        for field, names in (("first_name", _FIRST), ("last_name", _LAST), ("birth_date", _BIRTH)):
            found = next((values[n] for n in names if isinstance(values.get(n), str)), None)
            if found:
                record[field] = found[:10] if field == "birth_date" else found
        if isinstance(values.get("city"), str):
            record["city"] = values["city"]
    return [r for r in records.values() if r["first_name"] or r["last_name"]]


def match_profiles(
    engine: Engine,
    identity: IdentityService,
    workspace_id: int,
    thresholds: Thresholds | None = None,
    backend: Any = None,
) -> dict[str, Any]:
    """Train on this workspace's profiles, score the blocked pairs, and propose the likely
    ones (merge at ``auto_merge``, review from ``review``)."""
    thresholds = thresholds or Thresholds()
    started = time.monotonic()
    with engine.connect() as conn:
        records = profile_records(conn, workspace_id)
    report: dict[str, Any] = {"profiles": len(records), "pairs": 0}
    if len(records) >= 2:
        matcher = Matcher(PEOPLE, backend)
        params = matcher.train(records)
        pairs = matcher.predict(records, params, threshold=thresholds.review).to_pylist()
        kept = [p for p in pairs if not any(p.get(f"gamma_{c}") == _ELSE for c in VETO)]
        report.update(pairs=len(pairs), vetoed=len(pairs) - len(kept))
        kept = [_proposal(p) for p in kept]
        report.update(identity.propose(kept, thresholds))
    report["seconds"] = round(time.monotonic() - started, 2)
    return report


def _proposal(pair: dict[str, Any]) -> Proposal:
    comparisons = [
        {"name": key[len("gamma_") :], "level": value, "weight": pair.get("weight_" + key[6:])}
        for key, value in pair.items()
        if key.startswith("gamma_")
    ]
    return Proposal(
        pair["id_l"],
        pair["id_r"],
        float(pair["match_probability"]),
        {
            "model": "fellegi-sunter",
            "matchWeight": pair["match_weight"],
            "comparisons": comparisons,
        },
    )
