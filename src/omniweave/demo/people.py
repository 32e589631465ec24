"""The chain's customers: who they are and which identifiers each system knows them by.

A stream from one seeded ``random.Random``: the first 200 people of a 10,000-person demo are
the 200 people of a 200-person one. Families share a phone; a few people share a junk email.
"""

from __future__ import annotations

import calendar
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from omniweave.demo.catalog import PIZZAS, SIDES, STORES, Store
from omniweave.demo.contacts import JUNK_EMAILS, email_address, phone_number
from omniweave.demo.names import FEMALE_NAMES, MALE_NAMES, SURNAMES, surname, transliterate

# How much likelier a pizza is to be someone's favourite (pepperoni wins, as everywhere).
_PIZZA_TASTE = {"pepperoni": 5, "margherita": 3, "four-cheese": 2, "meat-feast": 2}


@dataclass(frozen=True)
class Person:
    number: int
    first_name: str  # Cyrillic, as in a passport
    short_name: str  # what they call themselves (Коля for Николай)
    last_name: str
    gender: str  # female | male
    birthday: date
    store: Store  # the one nearest home, in their city
    phone: str  # ten national digits
    family_phone: str | None  # the household's shared number, when it is someone else's
    email: str | None  # lower case; a junk one for a few
    user_id: str | None  # account on the site and in the app
    browsers: tuple[str, ...]  # site cookie ids (anonymousId); empty if they never visit
    device: str | None  # the app install's anonymousId
    loyalty_card: str | None
    crm_id: str | None
    favourites: tuple[str, ...]  # SKUs they keep ordering
    activity: float  # relative order rate; heavy-tailed like real customers
    joined: float  # fraction of the year when they became a customer (0: before it began)
    left: float  # fraction of the year when they stopped (1: still ordering)
    email_opt_in: bool
    push_opt_in: bool

    def latin(self, style: str = "passport") -> tuple[str, str]:
        return transliterate(self.first_name, style), transliterate(self.last_name, style)


@dataclass
class _Household:
    surname: str
    store: Store
    phone: str
    members_left: int


def population(seed: int) -> Iterator[Person]:
    """Everyone, in order, forever; take as many as the demo needs."""
    rng = random.Random(seed)
    taken: set[str] = set()
    household: _Household | None = None
    number = 0
    while True:
        number += 1
        if household is not None and household.members_left > 0:
            household.members_left -= 1
            person = _person(rng, number, taken, household)
        else:
            person = _person(rng, number, taken, None)
            household = None
            if rng.random() < 0.12:
                household = _Household(
                    _male_surname(person), person.store, person.phone, rng.randint(1, 3)
                )
        yield person


def _person(
    rng: random.Random, number: int, taken: set[str], household: _Household | None
) -> Person:
    gender = "female" if rng.random() < 0.53 else "male"
    first, short = rng.choice(FEMALE_NAMES if gender == "female" else MALE_NAMES)
    last = surname(household.surname if household else rng.choice(SURNAMES), gender)
    born = _birthday(rng)
    first_latin, last_latin = transliterate(first, "popular"), transliterate(last, "popular")
    email = None
    if rng.random() < 0.86:
        email = _unique(taken, lambda: email_address(rng, first_latin, last_latin, born.year))
        if rng.random() < 0.02:
            email = rng.choice(JUNK_EMAILS)
    user_id, browsers, has_app = _online_presence(rng, taken)
    joined = 0.0 if rng.random() < 0.6 else rng.uniform(0, 0.9)
    store = household.store if household else rng.choice(STORES)
    phone = _unique(taken, lambda: phone_number(rng))
    device = _uuid(rng).upper() if has_app else None
    card = None
    if rng.random() < 0.55:
        card = _unique(taken, lambda: f"27{rng.randrange(10**10, 10**11)}")
    crm_id = (
        _unique(taken, lambda: f"CRM-{rng.randrange(10**7):07d}") if rng.random() < 0.5 else None
    )
    return Person(
        number=number,
        first_name=first,
        short_name=short,
        last_name=last,
        gender=gender,
        birthday=born,
        store=store,
        phone=phone,
        family_phone=household.phone if household else None,
        email=email,
        user_id=user_id,
        browsers=browsers,
        device=device,
        loyalty_card=card,
        crm_id=crm_id,
        favourites=_favourites(rng),
        activity=min(8.0, max(0.15, rng.lognormvariate(0, 0.75))),
        joined=joined,
        left=1.0 if rng.random() < 0.85 else rng.uniform(joined + 0.1, 1.0),
        email_opt_in=email is not None and rng.random() < 0.6,
        push_opt_in=has_app and rng.random() < 0.7,
    )


def _online_presence(
    rng: random.Random, taken: set[str]
) -> tuple[str | None, tuple[str, ...], bool]:
    """An account (most people), browsers on the site, and whether they installed the app."""
    user_id = None
    if rng.random() < 0.62:
        user_id = _unique(taken, lambda: str(rng.randrange(10**6, 10**8)))
    visits_site = user_id is not None or rng.random() < 0.25
    browsers = tuple(_uuid(rng) for _ in range(1 + (rng.random() < 0.3))) if visits_site else ()
    return user_id, browsers, rng.random() < (0.55 if user_id else 0.15)


def _birthday(rng: random.Random) -> date:
    year = round(rng.triangular(1958, 2008, 1992))
    month = rng.randint(1, 12)
    return date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))


def _favourites(rng: random.Random) -> tuple[str, ...]:
    weights = [_PIZZA_TASTE.get(p.sku.rsplit("-", 1)[0], 1) for p in PIZZAS]
    pizzas = rng.choices(PIZZAS, weights=weights, k=2)
    chosen = [pizzas[0].sku]
    if pizzas[1] != pizzas[0] and rng.random() < 0.5:
        chosen.append(pizzas[1].sku)
    if rng.random() < 0.6:
        chosen.append(rng.choice(SIDES).sku)
    return tuple(chosen)


def _male_surname(person: Person) -> str:
    """The household's surname in the form ``surname`` expects."""
    for male in SURNAMES:
        if surname(male, person.gender) == person.last_name:
            return male
    return person.last_name


def _unique(taken: set[str], make: Callable[[], str]) -> str:
    """Identifiers collide only where the demo means them to (families, junk), never by chance."""
    while (value := make()) in taken:
        pass
    taken.add(value)
    return value


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
