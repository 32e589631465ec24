"""The population: deterministic for a seed, unique identifiers except the shared ones we mean."""

from __future__ import annotations

import itertools
from collections import Counter

from omniweave.demo.contacts import JUNK_EMAILS
from omniweave.demo.people import population


def people(seed: int, count: int):
    return list(itertools.islice(population(seed), count))


def test_a_seed_gives_the_same_people_and_a_smaller_demo_is_a_prefix():
    assert people(7, 300) == people(7, 300)
    assert people(7, 1000)[:300] == people(7, 300)
    assert people(8, 300) != people(7, 300)


def test_identifiers_are_unique_except_family_phones_and_junk_emails():
    crowd = people(42, 3000)
    for field in ("phone", "user_id", "loyalty_card", "crm_id", "device"):
        values = [getattr(p, field) for p in crowd if getattr(p, field)]
        assert len(values) == len(set(values)), field
    emails = Counter(p.email for p in crowd if p.email)
    shared = {email for email, n in emails.items() if n > 1}
    assert shared and shared <= set(JUNK_EMAILS)


def test_families_share_a_phone_a_surname_and_a_store():
    crowd = people(42, 3000)
    by_phone = {p.phone: p for p in crowd}
    members = [p for p in crowd if p.family_phone]
    assert len(members) > 100
    for member in members:
        head = by_phone[member.family_phone]
        assert head.store == member.store
        assert head.last_name[:4] == member.last_name[:4]


def test_everyone_has_a_favourite_pizza_and_pepperoni_is_the_most_loved():
    crowd = people(42, 2000)
    firsts = Counter(p.favourites[0].rsplit("-", 1)[0] for p in crowd)
    assert all(p.favourites[0].startswith(tuple(firsts)) for p in crowd)
    assert firsts.most_common(1)[0][0] == "pepperoni"


def test_the_mix_of_identifiers_resembles_a_real_customer_base():
    crowd = people(42, 3000)

    def share(field: str) -> float:
        return sum(bool(getattr(p, field)) for p in crowd) / len(crowd)

    assert 0.4 < share("loyalty_card") < 0.7
    assert 0.4 < share("crm_id") < 0.6
    assert 0.5 < share("user_id") < 0.75
    assert 0.2 < share("device") < 0.5
    assert 0.8 < share("email") < 0.9
