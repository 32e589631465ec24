"""Identifier normalisation: the same phone, email or card typed differently becomes one value.

Pure. An invalid value is kept (raw) with the reason, and never used to merge profiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True)
class Normalised:
    value: str  # the matching key (E.164 phone, lower-case email, ...); raw if invalid
    valid: bool
    reason: str | None = None  # why it is not valid


@dataclass(frozen=True)
class NormalisationPolicy:
    default_region: str = "RU"  # "8 (916) ..." is a Russian trunk-prefixed number
    gmail_dots: bool = False  # treat j.doe@gmail.com as jdoe@gmail.com
    plus_addressing: bool = False  # treat kolya+promo@x.ru as kolya@x.ru


_GMAIL = {"gmail.com", "googlemail.com"}
_SPACES = re.compile(r"\s+")


def phone(raw: str, policy: NormalisationPolicy) -> Normalised:
    text = raw.strip()
    try:
        parsed = phonenumbers.parse(text, policy.default_region)
    except phonenumbers.NumberParseException as exc:
        return Normalised(text, False, f"not a phone number ({exc})")
    if not phonenumbers.is_valid_number(parsed):
        return Normalised(text, False, "not a valid phone number for its region")
    return Normalised(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), True)


def email(raw: str, policy: NormalisationPolicy) -> Normalised:
    text = raw.strip()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        return Normalised(text.lower(), False, str(exc))
    local, domain = checked.local_part.lower(), checked.ascii_domain.lower()
    if policy.plus_addressing and "+" in local:
        local = local.split("+", 1)[0]
    if policy.gmail_dots and domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return Normalised(f"{local}@{domain}", True)


def opaque(raw: str) -> Normalised:
    """Ids (user ids, cards, tokens): trimmed, inner spaces removed (a card typed in groups)."""
    text = _SPACES.sub("", raw.strip()) if raw.strip().replace(" ", "").isalnum() else raw.strip()
    if not text:
        return Normalised(raw, False, "empty")
    return Normalised(text, True)


_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "iu",
            "ia",
        ],
        strict=True,
    )
)


def name_key(text: str) -> str:
    """A transliteration-aware key for fuzzy name matching: Николай, Nikolai and Nikolay all
    become ``nikolai``."""
    lowered = text.strip().lower()
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in lowered)
    latin = re.sub(r"[^a-z ]", "", latin)
    for spelled, key in (("yu", "iu"), ("ya", "ia"), ("ay", "ai"), ("ey", "ei"), ("iy", "ii")):
        latin = latin.replace(spelled, key)
    latin = re.sub(r"(?<=[aeiou])y\b", "i", latin)
    return _SPACES.sub(" ", latin).strip()
