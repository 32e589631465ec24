"""Phones and emails the way each system writes them down, and the junk that creeps in.

One person's mobile is ``9161234567``; the site's input mask sends ``+7 (916) 123-45-67``, the
app's SMS login ``+79161234567``, a cashier types ``8 (916) 123-45-67`` or ``89161234567``.
Identity resolution has to see through that, and through the values many people share.
"""

from __future__ import annotations

import random

# A visitor who will not give an email types one of these; many people end up sharing it.
JUNK_EMAILS = ("test@test.com", "no@mail.ru")
# What a cashier types when the customer will not say their number.
JUNK_PHONE = "89999999999"
# Cards kept by the till for customers who forgot theirs: one card, hundreds of strangers.
STORE_TEST_CARDS = {"pos-007": "2700000000007", "pos-013": "2700000000013"}

EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "ya.ru")
_MOBILE_CODES = (
    "900", "901", "903", "905", "906", "909", "910", "915", "916", "917", "919", "920", "925",
    "926", "929", "937", "950", "952", "960", "962", "977", "985", "987", "999",
)  # fmt: skip


def phone_number(rng: random.Random) -> str:
    """A Russian mobile's ten national digits, e.g. ``9161234567``."""
    return rng.choice(_MOBILE_CODES) + f"{rng.randrange(10**7):07d}"


def written_phone(digits: str, style: str) -> str:
    """The national digits as one system or one person writes them."""
    code, a, b, c = digits[:3], digits[3:6], digits[6:8], digits[8:]
    styles = {
        "e164": f"+7{digits}",  # the app's SMS login
        "spaced": f"+7 {code} {a} {b}{c}",  # the CRM
        "masked": f"+7 ({code}) {a}-{b}-{c}",  # the site's input mask
        "seven": f"7{digits}",  # the loyalty system's export
        "trunk": f"8 ({code}) {a}-{b}-{c}",  # cashiers and operators
        "trunk_plain": f"8{digits}",
        "trunk_dashed": f"8-{code}-{a}-{b}-{c}",
    }
    return styles[style]


CASHIER_STYLES = ("trunk", "trunk_plain", "trunk_dashed", "e164")
OPERATOR_STYLES = ("trunk", "trunk_plain")


def email_address(rng: random.Random, first: str, last: str, born: int) -> str:
    """A plausible personal address from a transliterated name (lower case)."""
    local = rng.choice(
        (
            f"{first}.{last}",
            f"{first}{last}{born % 100:02d}",
            f"{first[0]}.{last}",
            f"{last}.{first}{rng.randrange(1, 999)}",
            f"{first}_{born}",
        )
    )
    return f"{local.lower()}@{rng.choice(EMAIL_DOMAINS)}"


def as_typed(rng: random.Random, email: str) -> str:
    """The same address as an operator typed it: capitals, a stray space."""
    local, domain = email.split("@")
    variant = rng.randrange(4)
    if variant == 0:
        return email.upper()
    if variant == 1:
        return f"{local.capitalize()}@{domain}"
    if variant == 2:
        return f" {email} "
    return f"{local}@{domain.upper()}"
