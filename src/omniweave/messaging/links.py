"""Tracked links and the open pixel: every outgoing link goes through ``{base_url}/r/{token}``.

The token is self-contained, so the redirect needs no lookup: the URL-safe base64 of a version
byte, the message key, a newline and the target URL (with its UTM parameters), followed by an
HMAC-SHA256 of those bytes truncated to 16. A changed byte fails the signature (``BadToken``).
The pixel's token is the same with an empty URL. Pure: the secret is passed in.

Rewriting changes only the ``href`` values it replaces, so the HTML stays otherwise
byte-identical. Left alone: ``mailto:``, ``tel:``, anchors, anything that is not http(s),
links marked ``data-no-track`` and links already on ``base_url`` (unsubscribe, preferences).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, urlsplit

from omniweave.core.errors import OmniweaveError

_VERSION = b"\x01"
_MAC_BYTES = 16

_A_TAG = re.compile(r"""<a\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_HREF = re.compile(r"""(\shref\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_NO_TRACK = re.compile(r"""\sdata-no-track(?:\s|=|/|>)""", re.IGNORECASE)
URL_PATTERN = re.compile(r"""https?://[^\s<>"'«»]+""", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


class BadToken(OmniweaveError):
    """A link or pixel token that is malformed or not signed by us."""

    status = 404
    code = "bad_token"


@dataclass(frozen=True)
class LinkTarget:
    message_key: str
    url: str  # "" for the open pixel


@dataclass(frozen=True)
class LinkRewriter:
    """Rewrites one message's links; ``utm`` names take or omit the ``utm_`` prefix."""

    base_url: str
    secret: str | bytes
    message_key: str
    utm: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "\n" in self.message_key:
            raise ValueError("message_key: no newlines")

    def with_defaults(self, **utm: str) -> LinkRewriter:
        """A copy that adds ``utm`` parameters unless this rewriter already names them."""
        return replace(self, utm={**_utm_names(utm), **_utm_names(self.utm)})

    @property
    def parameters(self) -> dict[str, str]:
        found = {"utm_source": "omniweave", **_utm_names(self.utm)}
        return {k: v for k, v in found.items() if v}

    def tracked(self, url: str) -> str:
        """The redirect for ``url``, or ``url`` itself when it is not to be tracked."""
        if not _trackable(url) or url.startswith(self.base_url.rstrip("/") + "/"):
            return url
        target = with_utm(url, self.parameters)
        return f"{self.base_url.rstrip('/')}/r/{make_token(self.secret, self.message_key, target)}"

    def rewrite_html(self, markup: str) -> str:
        pieces, links = _html_links(markup)
        out = [pieces[0]]
        for (raw, quote_char, url), after in zip(links, pieces[1:], strict=True):
            tracked = self.tracked(url)
            if tracked == url:
                out.append(raw)
            else:
                out.append(f"{quote_char}{html.escape(tracked, quote=True)}{quote_char}")
            out.append(after)
        return "".join(out)

    def rewrite_text(self, text: str) -> str:
        """Bare http(s) URLs in a plain text (sms, push, messengers), trailing punctuation kept."""

        def one(match: re.Match[str]) -> str:
            url = match.group(0)
            core = url.rstrip(_TRAILING)
            return self.tracked(core) + url[len(core) :]

        return URL_PATTERN.sub(one, text)

    def open_pixel(self, markup: str) -> str:
        """``markup`` with a 1x1 open pixel before ``</body>`` (appended without one); once."""
        src = f"{self.base_url.rstrip('/')}/o/{make_token(self.secret, self.message_key, '')}.gif"
        if src in markup:
            return markup
        pixel = f'<img src="{src}" width="1" height="1" alt="">'
        ends = list(_BODY_END.finditer(markup))
        if not ends:
            return markup + pixel
        at = ends[-1].start()
        return markup[:at] + pixel + markup[at:]


@functools.lru_cache(maxsize=256)
def _html_links(markup: str) -> tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]:
    """``markup`` cut around the href values of its ``<a>`` tags that may be tracked: the
    pieces between them and each value as written, its quote and its URL. Every recipient of
    a campaign whose html is not personalised shares one parse."""
    pieces: list[str] = []
    links: list[tuple[str, str, str]] = []
    done = 0
    for tag in _A_TAG.finditer(markup):
        if _NO_TRACK.search(tag.group(0)):
            continue
        found = _HREF.search(tag.group(0))
        if not found:
            continue
        raw = found.group(2)
        quote_char = raw[0] if raw[0] in "\"'" else ""
        url = html.unescape(raw[1:-1] if quote_char else raw).strip()
        start, end = tag.start() + found.start(2), tag.start() + found.end(2)
        pieces.append(markup[done:start])
        links.append((raw, quote_char, url))
        done = end
    pieces.append(markup[done:])
    return tuple(pieces), tuple(links)


def with_utm(url: str, parameters: Mapping[str, str]) -> str:
    """``url`` with the ``parameters`` it does not already carry appended to its query; the
    existing query string is kept exactly as written."""
    base, hash_mark, fragment = url.partition("#")
    path, _, query = base.partition("?")
    present = {name for name, _ in parse_qsl(query, keep_blank_values=True)}
    missing = [(k, v) for k, v in parameters.items() if k not in present]
    added = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in missing)
    if not added:
        return url
    joined = f"{query}&{added}" if query and not query.endswith("&") else query + added
    return f"{path}?{joined}{hash_mark}{fragment}"


def make_token(secret: str | bytes, message_key: str, url: str) -> str:
    payload = _VERSION + message_key.encode() + b"\n" + url.encode()
    return _b64(payload + _mac(secret, payload))


def read_token(secret: str | bytes, token: str) -> LinkTarget:
    """The message and target a token names; ``BadToken`` unless it is ours and unchanged."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise BadToken("not a token") from None
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, payload)):
        raise BadToken("signature does not match")
    if payload[:1] != _VERSION or b"\n" not in payload:
        raise BadToken("unknown token version")
    key, _, url = payload[1:].partition(b"\n")
    try:
        return LinkTarget(key.decode(), url.decode())
    except UnicodeDecodeError:
        raise BadToken("not UTF-8") from None


def _mac(secret: str | bytes, payload: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _trackable(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _utm_names(utm: Mapping[str, str]) -> dict[str, str]:
    return {(k if k.startswith("utm_") else f"utm_{k}"): v for k, v in utm.items()}
