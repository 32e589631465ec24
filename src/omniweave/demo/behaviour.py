"""One customer's year at Pizza Lenina, as the payloads each source would have sent.

Each person plays out with their own ``random.Random`` seeded from the demo's seed and their
number, so a person's year does not depend on how many people came before them.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import datetime

from omniweave.demo.accounts import crm_record, loyalty_record
from omniweave.demo.catalog import (
    AD_CAMPAIGNS,
    EMAIL_CAMPAIGNS,
    PUSH_CAMPAIGNS,
    Campaign,
    running,
)
from omniweave.demo.contacts import JUNK_EMAILS, written_phone
from omniweave.demo.model import DemoSpec, Kind, Payload
from omniweave.demo.moments import later, moment, poisson
from omniweave.demo.offline import phone_order, till_order
from omniweave.demo.people import Person, population
from omniweave.demo.purchases import basket, order_id, order_versions
from omniweave.demo.visits import (
    Visit,
    app_visit,
    email_engagement,
    push_opened,
    session,
    signed_in,
    site_visit,
)

# Yearly rates for an average person (``activity`` 1), tuned to ~20 payloads a person.
ORDERS_PER_YEAR = 2.8
BROWSING_PER_YEAR = 1.1
EMAIL_OPENS_PER_YEAR = 2.5
PUSH_OPENS_PER_YEAR = 2.0
CAMPAIGN_SHARE = 0.25  # of site visits arriving from an ad with UTM tags


def demo_payloads(spec: DemoSpec) -> Iterator[list[Payload]]:
    """Everything the demo sends, one person's year at a time."""
    for person in itertools.islice(population(spec.seed), spec.customers):
        yield Year(person, spec).play()


class Year:
    """Plays one person's year in time order, remembering which devices they signed in on."""

    def __init__(self, person: Person, spec: DemoSpec) -> None:
        self.person = person
        self.spec = spec
        self.rng = random.Random(f"{spec.seed}:{person.number}")
        self.payloads: list[Payload] = []
        self.signed_in: set[str] = set()
        self.points = 0
        self.last_till: datetime | None = None

    def play(self) -> list[Payload]:
        person, rng = self.person, self.rng
        joined = self._moment((person.joined, person.joined + 0.05))
        if person.crm_id:
            self._send("crm", "customer", crm_record(rng, person, joined))
        occasions = {
            "site": self._site,
            "app": self._app,
            "browse_site": self._browse_site,
            "browse_app": self._browse_app,
            "pos": self._pos,
            "callcenter": self._callcenter,
            "email": self._email,
            "push": self._push,
        }
        for when, occasion in self._plan():
            occasions[occasion](when)
        if person.loyalty_card:
            points = self.points + rng.randrange(0, 500, 10)
            record = loyalty_record(rng, person, self.last_till or joined, points)
            self._send("loyalty", "customer", record)
        return self.payloads

    def _plan(self) -> list[tuple[datetime, str]]:
        person, rng = self.person, self.rng
        active = (person.joined, person.left)
        span = person.left - person.joined
        channels = _channels(person)
        plan = []
        for _ in range(poisson(rng, ORDERS_PER_YEAR * person.activity * span)):
            (channel,) = rng.choices(list(channels), weights=list(channels.values()))
            plan.append((self._moment(active), channel))
        online = [c for c in ("site", "app") if c in channels]
        for _ in range(poisson(rng, BROWSING_PER_YEAR * person.activity * span) if online else 0):
            plan.append((self._moment(active), f"browse_{rng.choice(online)}"))
        mailable = person.email_opt_in and person.crm_id and person.email not in JUNK_EMAILS
        for _ in range(poisson(rng, EMAIL_OPENS_PER_YEAR * span) if mailable else 0):
            plan.append((self._moment((person.joined, 1.0)), "email"))
        for _ in range(poisson(rng, PUSH_OPENS_PER_YEAR * span) if person.push_opt_in else 0):
            plan.append((self._moment((person.joined, 1.0)), "push"))
        return sorted(plan)

    # --- occasions ------------------------------------------------------------------------

    def _site(self, at: datetime) -> None:
        self._online("site", at, self._ad(at), converting=True)

    def _app(self, at: datetime) -> None:
        self._online("app", at, None, converting=True)

    def _browse_site(self, at: datetime) -> None:
        self._online("site", at, self._ad(at), converting=False)

    def _browse_app(self, at: datetime) -> None:
        self._online("app", at, None, converting=False)

    def _email(self, at: datetime) -> None:
        person, rng = self.person, self.rng
        offers = [
            c
            for c in running(EMAIL_CAMPAIGNS, at.month)
            if c.name != "birthday-gift" or at.month == person.birthday.month
        ]
        campaign = rng.choice(offers)
        clicked = later(rng, at, 5, 3600) if person.browsers and rng.random() < 0.3 else None
        for body in email_engagement(person, campaign, at, clicked):
            self._send("crm", "event", body)
        if clicked:
            self._online("site", later(rng, clicked, 1, 5), campaign, rng.random() < 0.35)

    def _push(self, at: datetime) -> None:
        rng = self.rng
        campaign = rng.choice(PUSH_CAMPAIGNS)
        self._send("app", "event", push_opened(self._visit("app", "", campaign), campaign, at))
        self._online("app", later(rng, at, 1, 5), campaign, rng.random() < 0.3)

    def _pos(self, at: datetime) -> None:
        sale = till_order(self.rng, self.person, at)
        if sale is None:
            return
        store, versions, own_card = sale
        for body in versions:
            self._send(store.code, "order", body)
        if own_card:
            self.points += versions[0]["total"] // 10
            self.last_till = at

    def _callcenter(self, at: datetime) -> None:
        for body in phone_order(self.rng, self.person, at):
            self._send("callcenter", "order", body)

    # --- a session on the site or in the app ----------------------------------------------

    def _online(
        self, source: str, at: datetime, campaign: Campaign | None, converting: bool
    ) -> None:
        """Browse, and when ``converting`` sign in (once per device) and order."""
        person, rng = self.person, self.rng
        browser = rng.choice(person.browsers) if source == "site" else ""
        visit = self._visit(source, browser, campaign)
        lines = basket(rng, person)
        can_sign_in = source == "app" or person.user_id is not None
        if converting and can_sign_in and visit.anonymous_id not in self.signed_in:
            self.signed_in.add(visit.anonymous_id)
            visit = self._visit(source, browser, campaign)
            self._send(source, "event", signed_in(rng, person, visit, at))
            at = later(rng, at, 5, 30)
        if not converting:
            lines = lines[: rng.randint(1, len(lines))]
        adds = converting or rng.random() < 0.35
        checkout = order_id(rng, source) if converting else None
        messages, placed = session(rng, visit, at, lines, adds=adds, checkout=checkout)
        for body in messages:
            self._send(source, "event", body)
        if checkout:
            self._order_online(visit, checkout, lines, placed, campaign)

    def _order_online(
        self,
        visit: Visit,
        checkout: str,
        lines: list[dict],
        placed: datetime,
        campaign: Campaign | None,
    ) -> None:
        person, rng = self.person, self.rng
        if visit.source == "site":
            customer = {"phone": written_phone(person.phone, "masked")}
            if person.email:
                customer["email"] = person.email
        else:
            customer = {"phone": written_phone(person.phone, "e164")}
        if visit.user_id:
            customer["userId"] = visit.user_id
        pickup = rng.random() < 0.2
        properties = {"fulfillment": "pickup" if pickup else "delivery", "payment": "card"}
        if campaign:
            properties["promo_campaign"] = campaign.name
        for body in order_versions(
            rng,
            order_id=checkout,
            channel=visit.source,
            customer=customer,
            lines=lines,
            placed=placed,
            delivered=not pickup,
            discount_share=0.15 if campaign else 0.0,
            store=person.store.code if pickup else None,
            anonymous_id=visit.anonymous_id,
            properties=properties,
        ):
            self._send(visit.source, "order", body)

    # --- small pieces ---------------------------------------------------------------------

    def _visit(self, source: str, browser: str, campaign: Campaign | None) -> Visit:
        """A visit on ``browser`` (site) or the app, signed in if they did so there before."""
        if source == "site":
            return site_visit(self.person, browser, browser in self.signed_in, campaign)
        device = self.person.device or ""
        return app_visit(self.person, device in self.signed_in, campaign)

    def _ad(self, at: datetime) -> Campaign | None:
        if self.rng.random() < CAMPAIGN_SHARE:
            return self.rng.choice(running(AD_CAMPAIGNS, at.month))
        return None

    def _moment(self, window: tuple[float, float]) -> datetime:
        return moment(self.rng, self.spec.start, window, self.person.store.city.utc_offset)

    def _send(self, source: str, kind: Kind, body: dict) -> None:
        self.payloads.append(Payload(source, kind, body))


def _channels(person: Person) -> dict[str, float]:
    """How this person likes to order; a channel they cannot use is absent."""
    channels: dict[str, float] = {"pos": 3.0 if person.loyalty_card else 1.5}
    if person.browsers:
        channels["site"] = 3.0 if person.user_id else 1.0
    if person.device:
        channels["app"] = 4.0
    channels["callcenter"] = 0.4 + (0.6 if person.crm_id else 0.0)
    return channels
