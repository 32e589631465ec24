"""How many SMS parts a text costs, and Russian transliteration that makes it fit GSM-7.

An SMS is 140 bytes. A text of GSM 03.38 characters (GSM-7) packs 160 septets into one; a
text with any other character goes as UCS-2, 70 UTF-16 code units. A longer text is split
into parts that each lose room to the concatenation header: 153 septets or 67 code units.
A GSM-7 extension character (``€ [ ] { } \\ ^ ~ |`` and form feed) is an escape plus a
septet, so it counts 2 and is never split across parts; neither is a UTF-16 surrogate pair.

Transliteration follows ICAO Doc 9303 (Russian passports since 2013): Щука → Shchuka,
Юля → Iulia, Ёж → Ezh, объезд → obieezd. Case is kept (ЩУКА → SHCHUKA); typographic marks with no
GSM-7 form become their plain forms (« » “ ” → ", — – → -, … → ..., № → N, ₽ → rub.);
everything else is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# (one part, per part of a longer text), in the encoding's units
_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" | "UCS-2"
    characters: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # 0 for an empty text: nothing to send
    per_segment: int  # the room in each part: 160/70 for one part, 153/67 for more


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> SmsLength:
    """The encoding a phone network will use for ``text`` and the parts it is billed as."""
    if is_gsm7(text):
        encoding, units = "GSM-7", [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    else:
        encoding, units = "UCS-2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    single, per_part = _LIMITS[encoding]
    total = sum(units)
    if total <= single:
        return SmsLength(encoding, total, 1 if total else 0, single)
    parts, room = 1, per_part
    for size in units:  # greedy: a 2-unit character that does not fit starts the next part
        if size > room:
            parts, room = parts + 1, per_part
        room -= size
    return SmsLength(encoding, total, parts, per_part)


_LOWER = {  # ICAO Doc 9303; the soft sign is dropped
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ie",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
_MARKS = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "„": '"',
    "‘": "'",
    "’": "'",
    "—": "-",
    "–": "-",
    "…": "...",
    "№": "N",
    "₽": "rub.",
    "\u00a0": " ",
    "\u202f": " ",
}


def transliterate(text: str) -> str:
    """``text`` with Russian letters in Latin (ICAO), so a Russian SMS goes as GSM-7."""
    out = []
    for i, ch in enumerate(text):
        lower = ch.lower()
        if lower not in _LOWER:
            out.append(_MARKS.get(ch, ch))
            continue
        latin = _LOWER[lower]
        if ch == lower or not latin:
            out.append(latin)
        elif _in_capitals(text, i):
            out.append(latin.upper())
        else:
            out.append(latin.capitalize())
    return "".join(out)


def _in_capitals(text: str, i: int) -> bool:
    """An upper-case letter inside a word written in capitals (ЩУКА, not Щука)."""
    neighbours = text[max(i - 1, 0) : i] + text[i + 1 : i + 2]
    letters = [ch for ch in neighbours if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)
