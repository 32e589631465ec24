"""Cart tokens: readable until they expire, refused when altered, with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omniweave.commerce.cart_tokens import BadToken, cart_key, issue, qr_svg, read

KEY = cart_key(b"k" * 32)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_a_token_names_the_cart_until_it_expires():
    token, expires = issue(KEY, 7, "p_abc", NOW, timedelta(minutes=10))
    assert expires == NOW + timedelta(minutes=10)
    ticket = read(KEY, token, NOW + timedelta(minutes=9))
    assert (ticket.workspace_id, ticket.profile_id) == (7, "p_abc")
    with pytest.raises(BadToken, match="expired at 2026-11-25T12:10:00"):
        read(KEY, token, NOW + timedelta(minutes=10))


def test_an_altered_token_or_another_key_is_refused():
    token, _ = issue(KEY, 7, "p_abc", NOW, timedelta(minutes=10))
    version, body, mac = token.split(".")
    forged, _ = issue(KEY, 7, "p_other", NOW, timedelta(minutes=10))
    with pytest.raises(BadToken, match="signature"):
        read(KEY, f"{version}.{forged.split('.')[1]}.{mac}", NOW)
    with pytest.raises(BadToken, match="signature"):
        read(cart_key(b"other"), token, NOW)
    for junk in ("", "ct1", "ct2.a.b", "ct1.!!!.???", f"ct1.{body}"):
        with pytest.raises(BadToken):
            read(KEY, junk, NOW)


def test_the_qr_code_is_an_svg():
    token, _ = issue(KEY, 7, "p_abc", NOW, timedelta(minutes=10))
    svg = qr_svg(token)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
