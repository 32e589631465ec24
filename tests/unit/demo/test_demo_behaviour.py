"""Each person's year as payloads: deterministic, valid for the ingest API, and varied enough
for identity, segments and journeys to have something to find."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import orjson
import phonenumbers
import pytest

from omniweave.core.time import parse_timestamp
from omniweave.demo.behaviour import Year, demo_payloads
from omniweave.demo.contacts import JUNK_EMAILS, JUNK_PHONE, STORE_TEST_CARDS
from omniweave.demo.model import DEMO_END, DemoSpec, Payload
from omniweave.demo.people import population
from omniweave.ingest.records import CustomerRecord, OrderRecord
from omniweave.ingest.rows import Envelope, Limits, event_rows

SMALL = DemoSpec(seed=42, customers=300)


@pytest.fixture(scope="module")
def payloads() -> list[Payload]:
    return [p for year in demo_payloads(SMALL) for p in year]


FINGERPRINT = """
import hashlib, orjson
from omniweave.demo.behaviour import Year, demo_payloads
from omniweave.demo.contacts import JUNK_EMAILS, JUNK_PHONE, STORE_TEST_CARDS
from omniweave.demo.model import DemoSpec
digest = hashlib.sha256()
for year in demo_payloads(DemoSpec(seed=SEED, customers=60)):
    for p in year:
        digest.update(orjson.dumps([p.source, p.kind, p.body]))
print(digest.hexdigest())
"""


def fingerprint(seed: int, env: dict[str, str] | None = None) -> str:
    """A digest of every byte the demo sends, computed in a fresh interpreter."""
    code = FINGERPRINT.replace("SEED", str(seed))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def test_same_seed_same_bytes_whatever_the_process_hash_seed():
    first = fingerprint(5, {**os.environ, "PYTHONHASHSEED": "1"})
    assert len(first) == 64
    assert fingerprint(5, {**os.environ, "PYTHONHASHSEED": "2"}) == first
    assert fingerprint(6) != first


def test_a_person_s_year_does_not_depend_on_how_many_people_are_loaded():
    small = list(itertools.islice(demo_payloads(DemoSpec(seed=3, customers=20)), 20))
    large = list(itertools.islice(demo_payloads(DemoSpec(seed=3, customers=500)), 20))
    assert small == large


def test_every_payload_passes_the_ingest_validation(payloads):
    received = DEMO_END + timedelta(days=30)
    events = [p.body for p in payloads if p.kind == "event"]
    rows = event_rows(events, Envelope(1, 1, received), Limits())
    assert len(rows) == len(events)
    assert len({r["message_id"] for r in rows}) == len(rows)
    for p in payloads:
        if p.kind == "customer":
            CustomerRecord.model_validate(p.body)
        elif p.kind == "order":
            order = OrderRecord.model_validate(p.body)
            assert order.total == order.computed_total()


def test_everything_happens_within_the_demo_year(payloads):
    first, last = SMALL.start - timedelta(days=1), SMALL.end
    for p in payloads:
        body = p.body
        when = body.get("timestamp") or body.get("updatedAt") or body.get("placedAt")
        assert first <= parse_timestamp(when) < last


def test_volume_is_about_twenty_payloads_a_customer(payloads):
    assert 15 * SMALL.customers < len(payloads) < 28 * SMALL.customers


def test_the_behaviour_later_features_need_is_there(payloads):
    events = Counter(p.body.get("event") or p.body["type"] for p in payloads if p.kind == "event")
    for name in (
        "page",
        "screen",
        "identify",
        "Product Viewed",
        "Product Added",
        "Cart Viewed",
        "Checkout Started",
        "Email Opened",
        "Email Link Clicked",
        "Push Opened",
    ):
        assert events[name] > 0, name
    assert events["Cart Viewed"] > events["Checkout Started"]  # carts are abandoned
    viewed = {
        p.body["properties"]["category"]
        for p in payloads
        if p.body.get("event") == "Product Viewed"
    }
    assert viewed == {"pizza", "drinks", "desserts"}
    campaigns = [p for p in payloads if "campaign" in p.body.get("context", {})]
    assert {c.body["context"]["campaign"]["medium"] for c in campaigns} >= {"cpc", "email"}
    orders = [p.body for p in payloads if p.kind == "order"]
    assert {o["channel"] for o in orders} == {"site", "app", "pos", "callcenter"}
    assert {o["status"] for o in orders} >= {"delivered", "paid", "cancelled", "returned"}
    assert any(o["channel"] == "site" and o.get("store") for o in orders)  # pickup in store
    assert {p.source for p in payloads if p.kind == "order"} >= {"pos-001", "pos-020"}


def test_favourites_are_what_people_order_most(payloads):
    people = {p.number: p for p in itertools.islice(population(SMALL.seed), SMALL.customers)}
    bought: dict[tuple[str, ...], Counter] = {}
    for p in payloads:
        if p.kind == "order" and p.body["customer"].get("userId"):
            key = p.body["customer"]["userId"]
            bought.setdefault(key, Counter()).update(
                {ln["sku"]: ln["quantity"] for ln in p.body["lines"]}
            )
    fans = [
        person
        for person in people.values()
        if person.user_id in bought and sum(bought[person.user_id].values()) >= 8
    ]
    hits = [bought[p.user_id].most_common(1)[0][0] in p.favourites for p in fans]
    assert len(fans) > 10 and sum(hits) / len(hits) > 0.7


def test_one_person_s_phone_appears_in_several_formats(payloads):
    formats: dict[str, set[str]] = {}
    for p in payloads:
        body = p.body
        phones = [body.get("phone"), body.get("customer", {}).get("phone")]
        phones.append((body.get("traits") or {}).get("phone"))
        for phone in filter(None, phones):
            number = phonenumbers.parse(phone, "RU")
            formats.setdefault(str(number.national_number), set()).add(phone)
    assert sum(len(written) >= 3 for written in formats.values()) > 20


def test_junk_identifiers_are_shared_by_many(payloads):
    orders = [p.body for p in payloads if p.kind == "order"]
    shop_cards = set(STORE_TEST_CARDS.values())
    test_cards = [o for o in orders if o["customer"].get("loyaltyCard") in shop_cards]
    junk_phone = [o for o in orders if o["customer"].get("phone") == JUNK_PHONE]
    assert len(test_cards) > 5 and len(junk_phone) > 1


def test_people_who_gave_a_junk_email_send_it():
    crowd = itertools.islice(population(SMALL.seed), 2000)
    senders = 0
    for person in (p for p in crowd if p.email in JUNK_EMAILS):
        sent = orjson.dumps([p.body for p in Year(person, SMALL).play()])
        senders += person.email.encode() in sent
    assert senders > 10
