"""SMS length by the real GSM 03.38 / UCS-2 rules, and ICAO transliteration into GSM-7."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniweave.messaging.sms_text import segments, transliterate

# GSM 03.38 written out a second way: the default alphabet by its code points, 0x00-0x7F
# (0x1B, the escape, is not a character), and the extension table behind the escape.
_DEFAULT = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~"}
_EXTENSION |= {0x3E: "]", 0x40: "|", 0x65: "€"}


def gsm7_septets(text: str) -> int | None:
    """Septets of ``text`` encoded in GSM-7, or None when it cannot be."""
    septets = 0
    for ch in text:
        if ch in _EXTENSION.values():
            septets += 2
        elif ch in _DEFAULT and ch != "\x1b":
            septets += 1
        else:
            return None
    return septets


def test_the_alphabet_written_a_second_way_is_complete():
    assert len(_DEFAULT) == 128 and len(_EXTENSION) == 10


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "parts"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("я" * 70, "UCS-2", 70, 1),
        ("я" * 71, "UCS-2", 71, 2),
        ("я" * 134, "UCS-2", 134, 2),
        ("я" * 135, "UCS-2", 135, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("[" * 81, "GSM-7", 162, 2),
        ("a" * 159 + "€", "GSM-7", 161, 2),
        ("", "GSM-7", 0, 0),
        ("😀" * 35, "UCS-2", 70, 1),
    ],
)
def test_segments_follow_the_network_rules(text, encoding, characters, parts):
    length = segments(text)
    assert (length.encoding, length.characters, length.segments) == (encoding, characters, parts)


def test_an_extension_character_is_never_split_across_parts():
    # 152 septets, then € (2): the second septet would be the 154th, so € opens part 2
    text = "a" * 152 + "€" + "a" * 152
    assert segments(text).characters == 306
    assert segments(text).segments == 3  # 152 | € + 151 | 1


def test_per_segment_is_the_room_of_each_part():
    assert segments("hi").per_segment == 160
    assert segments("a" * 200).per_segment == 153
    assert segments("привет").per_segment == 70
    assert segments("п" * 100).per_segment == 67


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Щука", "Shchuka"),
        ("Юля", "Iulia"),
        ("ЩУКА", "SHCHUKA"),
        ("Ёлка и йогурт", "Elka i iogurt"),
        ("объезд", "obieezd"),
        ("Мельница", "Melnitsa"),
        ("Хабаровск", "Khabarovsk"),
        ("Жёлтый Цех", "Zheltyi Tsekh"),
        ("Ваш заказ №15 — «Маргарита»", 'Vash zakaz N15 - "Margarita"'),
        ("Hello, мир! 1 290 ₽", "Hello, mir! 1 290 rub."),
        ("Ελλάδα", "Ελλάδα"),  # not Russian: left alone
    ],
)
def test_transliteration_is_icao(cyrillic, latin):
    assert transliterate(cyrillic) == latin


def test_a_russian_sms_transliterated_goes_as_gsm7_in_fewer_parts():
    text = "Анна, в корзине остались Пепперони и Кола на 1 418 ₽ — оформите заказ до вечера!"
    assert segments(text).encoding == "UCS-2" and segments(text).segments == 2
    latin = segments(transliterate(text))
    assert latin.encoding == "GSM-7" and latin.segments == 1


def test_every_russian_letter_becomes_gsm7():
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    assert segments(transliterate(alphabet + alphabet.upper())).encoding == "GSM-7"


@given(
    st.text(
        alphabet=st.sampled_from(
            _DEFAULT.replace("\x1b", "") + "".join(_EXTENSION.values()) + "яЖ€😀éΩ\u00a0"
        )
    )
)
def test_segments_never_under_count(text):
    length = segments(text)
    septets = gsm7_septets(text)
    if septets is not None:
        assert length.encoding == "GSM-7" and length.characters == septets
        units = septets
        single, per_part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        assert length.encoding == "UCS-2" and length.characters == units
        single, per_part = 70, 67
    at_least = 0 if units == 0 else 1 if units <= single else math.ceil(units / per_part)
    assert length.segments >= at_least
    assert length.segments * length.per_segment >= units
    # and not wildly over: a 2-unit character wastes at most one unit per part
    if units > single:
        assert length.segments <= math.ceil(units / (per_part - 1))


@given(st.text())
def test_transliteration_only_touches_russian_letters_and_marks(text):
    latin = transliterate(text)
    kept = [
        ch
        for ch in text
        if not ("\u0400" <= ch <= "\u04ff") and ch not in "«»“”„‘’—–…№₽\u00a0\u202f"
    ]
    assert all(ch in latin for ch in kept)
    assert not any(ch in latin for ch in "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЯЩ")
