"""One person's phone written every way the sources write it is still one number."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from omniweave.demo.contacts import (
    CASHIER_STYLES,
    JUNK_EMAILS,
    JUNK_PHONE,
    as_typed,
    email_address,
    phone_number,
    written_phone,
)
from omniweave.demo.names import surname, transliterate
from omniweave.ingest.records import ContactPoints

STYLES = ("e164", "spaced", "masked", "seven", "trunk", "trunk_plain", "trunk_dashed")


@pytest.mark.parametrize("style", STYLES)
def test_every_style_is_the_same_number_and_passes_validation(style):
    written = written_phone("9161234567", style)
    parsed = phonenumbers.parse(written, "RU")
    assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == (
        "+79161234567"
    )
    assert ContactPoints(phone=written).phone == written


def test_the_styles_look_different():
    assert written_phone("9161234567", "trunk") == "8 (916) 123-45-67"
    assert written_phone("9161234567", "spaced") == "+7 916 123 4567"
    assert written_phone("9161234567", "trunk_plain") == "89161234567"
    assert len({written_phone("9161234567", s) for s in STYLES}) == len(STYLES)
    assert set(CASHIER_STYLES) <= set(STYLES)


def test_generated_and_junk_contacts_are_valid():
    rng = random.Random(1)
    for _ in range(200):
        email = email_address(rng, "nikolay", "ivanov", 1987)
        typed = as_typed(rng, email)
        assert typed != email and typed.strip().lower() == email
        assert ContactPoints(email=typed, phone=written_phone(phone_number(rng), "e164"))
    for junk in JUNK_EMAILS:
        assert ContactPoints(email=junk).email == junk
    assert ContactPoints(phone=JUNK_PHONE).phone == JUNK_PHONE


def test_names_in_both_transliterations_and_female_surnames():
    assert transliterate("Николай Юрьев", "passport") == "Nikolai Iurev"
    assert transliterate("Николай Юрьев", "popular") == "Nikolay Yurev"
    assert transliterate("Юлия Щукина") == "Iuliia Shchukina"
    assert surname("Иванов", "female") == "Иванова"
    assert surname("Вишневский", "female") == "Вишневская"
    assert surname("Черных", "female") == "Черных"
    assert surname("Иванов", "male") == "Иванов"
