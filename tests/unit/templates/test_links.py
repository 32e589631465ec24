"""Tracked links and the open pixel: signed, self-contained tokens; the HTML kept as it was."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniweave.messaging.links import BadToken, LinkRewriter, LinkTarget, read_token, with_utm

BASE = "https://go.pizza.example"
SECRET = "test-secret"
UTM = {"utm_source": "omniweave", "utm_medium": "email", "utm_campaign": "cart-reminder"}


def rewriter(**utm: str) -> LinkRewriter:
    return LinkRewriter(
        BASE, SECRET, "msg-42", {"medium": "email", "campaign": "cart-reminder", **utm}
    )


def tokens(markup: str, kind: str = "r") -> list[str]:
    return re.findall(rf"{re.escape(BASE)}/{kind}/([A-Za-z0-9_-]+)", markup)


def test_a_link_round_trips_with_utm_parameters():
    html = '<p>Hi <a href="https://pizza.example/menu?id=7">menu</a></p>'
    out = rewriter().rewrite_html(html)
    (token,) = tokens(out)
    assert out == f'<p>Hi <a href="{BASE}/r/{token}">menu</a></p>'
    target = read_token(SECRET, token)
    assert target == LinkTarget("msg-42", with_utm("https://pizza.example/menu?id=7", UTM))
    assert target.url == (
        "https://pizza.example/menu?id=7&utm_source=omniweave&utm_medium=email"
        "&utm_campaign=cart-reminder"
    )


def test_utm_parameters_already_in_the_link_win():
    url = "https://pizza.example/?utm_campaign=spring&x=1#top"
    target = read_token(SECRET, tokens(rewriter().rewrite_html(f'<a href="{url}">x</a>'))[0])
    assert target.url == (
        "https://pizza.example/?utm_campaign=spring&x=1&utm_source=omniweave&utm_medium=email#top"
    )


def test_utm_content_comes_from_the_rewriter():
    target = read_token(
        SECRET, tokens(rewriter(content="hero").rewrite_html('<a href="http://a.b/">x</a>'))[0]
    )
    assert parse_qs(urlsplit(target.url).query)["utm_content"] == ["hero"]


@pytest.mark.parametrize(
    "tag",
    [
        '<a href="mailto:help@pizza.example">mail</a>',
        '<a href="tel:+74951234567">call</a>',
        '<a href="#menu">menu</a>',
        '<a href="/relative">rel</a>',
        '<a data-no-track href="https://pizza.example/">x</a>',
        '<a href="https://pizza.example/" data-no-track="1">x</a>',
        f'<a href="{BASE}/u/1.abc.def">unsubscribe</a>',
        "<A HREF=javascript:alert(1)>x</A>",
    ],
)
def test_links_that_are_not_tracked_stay_byte_identical(tag):
    html = f"<body>\n  {tag}\n</body>"
    assert rewriter().rewrite_html(html) == html


def test_everything_but_the_href_values_stays_byte_identical():
    html = (
        "<!doctype html><body style='x'>\n<a class=\"btn\"  HREF='https://a.example/x?q=1&amp;r=2'"
        ' title="a > b">Go</a> <a href=https://b.example/>B</a><img src="https://c.example/i.png">'
    )
    out = rewriter().rewrite_html(html)
    first, second = tokens(out)
    expected = html.replace("https://a.example/x?q=1&amp;r=2", f"{BASE}/r/{first}").replace(
        "https://b.example/", f"{BASE}/r/{second}"
    )
    assert out == expected
    assert read_token(SECRET, first).url.startswith("https://a.example/x?q=1&r=2&utm_source=")


def test_unicode_urls_and_queries_survive():
    url = "https://пицца.рф/меню/пепперони?начинка=сыр&q=a%20b"
    (token,) = tokens(rewriter().rewrite_html(f'<a href="{url}">x</a>'))
    assert read_token(SECRET, token).url.startswith(url + "&utm_source=omniweave")


def test_a_tampered_token_is_refused():
    (token,) = tokens(rewriter().rewrite_html('<a href="https://pizza.example/">x</a>'))
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    for bad in (flipped, token[:-2], token + "AA", "", "!!!", "AQ"):
        with pytest.raises(BadToken):
            read_token(SECRET, bad)
    with pytest.raises(BadToken):
        read_token("another-secret", token)


def test_text_links_are_rewritten_keeping_punctuation():
    text = "Your cart: https://pizza.example/cart. Or call tel:+7495, see https://a.example/x?q=1!"
    out = rewriter().rewrite_text(text)
    first, second = tokens(out)
    assert out == f"Your cart: {BASE}/r/{first}. Or call tel:+7495, see {BASE}/r/{second}!"
    assert read_token(SECRET, second).url.startswith("https://a.example/x?q=1&utm_")


def test_the_open_pixel_goes_before_body_end_once():
    html = "<html><body><p>Hi</p></body></html>"
    once = rewriter().open_pixel(html)
    (token,) = tokens(once, "o")
    pixel = f'<img src="{BASE}/o/{token}.gif" width="1" height="1" alt="">'
    assert once == f"<html><body><p>Hi</p>{pixel}</body></html>"
    assert rewriter().open_pixel(once) == once
    assert read_token(SECRET, token) == LinkTarget("msg-42", "")


def test_the_pixel_is_appended_without_a_body():
    out = rewriter().open_pixel("<p>Hi</p>")
    assert out.startswith("<p>Hi</p><img src=") and out.endswith('alt="">')


_hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}\.(ru|com|рф)", fullmatch=True)
_segments = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs"), blacklist_characters="?#\"'<>&=%"),
    max_size=10,
)
_utm_names = st.sampled_from(["utm_source", "utm_campaign", "a", "b"])
_params = st.lists(st.tuples(_utm_names | _segments.filter(bool), _segments), max_size=4)


@given(st.sampled_from(["http", "https"]), _hosts, st.lists(_segments, max_size=3), _params)
def test_read_token_returns_the_url_with_utm_for_any_http_url(scheme, host, path, params):
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{host}/{'/'.join(path)}" + (f"?{query}" if query else "")
    out = rewriter().rewrite_html(f'<a href="{url}">x</a>')
    (token,) = tokens(out)
    target = read_token(SECRET, token)
    assert target.url == with_utm(url, UTM)
    assert target.url.startswith(url)
    present = {k for k, _ in parse_qsl(query, keep_blank_values=True)}
    found = parse_qs(urlsplit(target.url).query, keep_blank_values=True)
    for name, value in UTM.items():
        if name not in present:
            assert found[name] == [value]
