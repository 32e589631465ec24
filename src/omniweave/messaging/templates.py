"""Message rendering: a template's fields in a sandboxed Jinja2, refused at save if they would fail.

Fields render in an immutable sandbox with ``StrictUndefined`` (only email ``html`` autoescaped;
filters ``money``, ``first_name_or``); ``validate_template`` checks each against
``sample_context()`` so a mistake is an ``InvalidInput`` at save, not a ``TemplateError`` at
send. It re-exports ``template_model`` and ``template_context``: callers import from here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from omniweave.core.errors import FieldError, InvalidInput, OmniweaveError
from omniweave.messaging import sms_text
from omniweave.messaging.links import URL_PATTERN, LinkRewriter
from omniweave.messaging.template_context import (
    ROOTS,
    RenderContext,
    _Open,
    build_context,
    sample_context,
)
from omniweave.messaging.template_model import (
    CHANNELS,
    Button,
    Channels,
    Email,
    Push,
    Sms,
    Telegram,
    Template,
    Text,
    Viber,
    WebPush,
    Whatsapp,
    load_template,
    parse_template,
    template_as_dict,
)

__all__ = [
    "CHANNELS",
    "ROOTS",
    "Button",
    "Channels",
    "Email",
    "Push",
    "Sms",
    "Telegram",
    "Template",
    "TemplateError",
    "Text",
    "Viber",
    "WebPush",
    "Whatsapp",
    "build_context",
    "first_name_or",
    "html_to_text",
    "load_template",
    "money",
    "parse_template",
    "render",
    "render_dedup_key",
    "render_products",
    "sample_context",
    "template_as_dict",
    "validate_template",
]


@dataclass
class TemplateError(OmniweaveError):
    """A field failed to render at send time."""

    field: str
    message: str
    code = "template_error"

    def __post_init__(self) -> None:
        super().__init__(f"{self.field}: {self.message}")


# --- the sandbox ------------------------------------------------------------------------------

_CURRENCIES = {  # symbol, before the amount, thousands separator, decimal point
    "RUB": ("₽", False, " ", ","),
    "EUR": ("€", False, " ", ","),
    "USD": ("$", True, ",", "."),
    "GBP": ("£", True, ",", "."),
}


def money(value: Any, currency: Any = "RUB") -> str:
    """1290 RUB → "1 290 ₽", 12.9 USD → "$12.90"; kopecks only when there are some; blank → ""."""
    if value is None or value == "" or isinstance(value, bool | Undefined):
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    code = str(currency or "RUB").upper()
    symbol, before, thousands, point = _CURRENCIES.get(code, (code, False, " ", ","))
    cents = before or amount != amount.to_integral_value()
    digits = f"{abs(amount):,.2f}" if cents else f"{abs(amount):,.0f}"
    digits = digits.replace(",", "\0").replace(".", point).replace("\0", thousands)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{digits}" if before else f"{sign}{digits} {symbol}"


def first_name_or(value: Any, default: str = "") -> str:
    """The first name (of a profile, or the string itself), or ``default`` when it is blank."""
    name = value.get("first_name") if isinstance(value, Mapping) else value
    return default if name is None or isinstance(name, Undefined) else str(name).strip() or default


class _Sandbox(ImmutableSandboxedEnvironment):
    """Data before methods (``cart.items`` is the cart's items, not ``dict.items``), and no
    gigabyte strings from ``'x' * 10**9``."""

    intercepted_binops = frozenset({"*", "**"})
    _MAX_ITEMS = 100_000

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        if isinstance(obj, _Open) and not hasattr(dict, attribute):
            return ""
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                sized_ok = isinstance(sized, str | list | tuple) and isinstance(count, int)
                if sized_ok and len(sized) * count > self._MAX_ITEMS:
                    raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


@functools.cache
def _environment(html: bool) -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True)
    env.filters.update(money=money, first_name_or=first_name_or)
    return env


@functools.lru_cache(maxsize=1024)
def _compiled(source: str, html: bool) -> Any:
    return _environment(html).from_string(source)


def _render(path: str, source: str, context: Mapping[str, Any], html: bool = False) -> str:
    try:
        return _compiled(source, html).render(context)
    except Exception as exc:  # any failure of a field is that field's TemplateError
        raise TemplateError(path, _reason(exc)) from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, SecurityError):
        return f"unsafe: {exc}"
    if isinstance(exc, TemplateSyntaxError):
        return f"line {exc.lineno}: {exc.message}"
    return str(exc) or type(exc).__name__


# --- checks at save time ------------------------------------------------------------------


def validate_template(t: Template) -> list[FieldError]:
    """Refuse (``InvalidInput``) what would fail or be unsafe at send; return the warnings."""
    sample = sample_context()
    errors = [e for p, source, html in _fields(t) for e in _field_errors(p, source, html, sample)]
    if errors:
        raise InvalidInput(errors)
    warnings = []
    if t.channels.sms is not None:
        sms = render(t, "sms", sample)
        if sms["segments"] > t.channels.sms.max_segments:
            raise InvalidInput.one(
                "channels.sms.text",
                f"the sample renders as {sms['segments']} {sms['encoding']} parts, "
                f"more than max_segments {t.channels.sms.max_segments}",
            )
        latin = sms_text.segments(sms_text.transliterate(sms["text"]))
        if sms["encoding"] == "UCS-2" and latin.encoding == "GSM-7":
            warnings.append(
                FieldError(
                    "channels.sms.text",
                    f"goes as UCS-2 in {sms['segments']} parts; with transliterate: true "
                    f"it goes as GSM-7 in {latin.segments}",
                )
            )
        if URL_PATTERN.search(sms["text"]):
            warnings.append(FieldError("channels.sms.text", "a tracked link makes it longer"))
    email = t.channels.email
    if email is not None and t.topic != "transactional" and "unsubscribe_url" not in email.html:
        warnings.append(FieldError("channels.email.html", "no {{ message.unsubscribe_url }} link"))
    return warnings


def _fields(t: Template) -> Iterator[tuple[str, str, bool]]:
    """Every templated field: (path, source, autoescaped)."""
    for name in ("dedup_key", "products"):
        if getattr(t, name) is not None:
            yield name, getattr(t, name), False
    for channel in t.channel_names:
        for key, value in getattr(t.channels, channel):
            path = f"channels.{channel}.{key}"
            if isinstance(value, str) and key not in ("transliterate", "max_segments"):
                yield path, value, (channel, key) == ("email", "html")
            elif key == "buttons":
                for i, button in enumerate(value):
                    yield f"{path}[{i}].text", button.text, False
                    yield f"{path}[{i}].url", button.url, False


def _field_errors(path: str, source: str, html: bool, sample: Mapping) -> list[FieldError]:
    env = _environment(html)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [FieldError(path, _reason(exc))]
    unknown = sorted(meta.find_undeclared_variables(tree) - set(ROOTS) - set(env.globals))
    problems = [
        f"unknown variable {name!r} (the context has {', '.join(ROOTS)})" for name in unknown
    ]
    problems += _unsafe_names(tree) + _unknown_fields(tree, sample)
    if not problems:
        try:
            _compiled(source, html).render(sample)
        except Exception as exc:  # whatever the sample meets, a send would meet
            problems.append(_reason(exc))
    return [FieldError(path, p) for p in dict.fromkeys(problems)]


def _unsafe_names(tree: nodes.Template) -> list[str]:
    """Private attributes, even in a branch the sample does not take."""
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem):
            name = node.arg.value if isinstance(node.arg, nodes.Const) else None
        else:
            first = node.args[0] if node.name == "attr" and node.args else None
            name = first.value if isinstance(first, nodes.Const) else None
        if isinstance(name, str) and name.startswith("_"):
            found.append(f"unsafe: access to attribute {name!r}")
    return found


def _unknown_fields(tree: nodes.Template, sample: Mapping[str, Any]) -> list[str]:
    """``profile.frist_name`` and the like, even in a branch the sample does not take."""
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        path: list[Any] = []
        while isinstance(node, nodes.Getattr | nodes.Getitem):
            if isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const):
                break
            path.insert(0, node.attr if isinstance(node, nodes.Getattr) else node.arg.value)
            node = node.node
        else:
            if isinstance(node, nodes.Name) and node.name in ROOTS and node.name not in assigned:
                value: Any = sample[node.name]
                for i, part in enumerate(path):
                    if isinstance(value, _Open) or not isinstance(value, Mapping):
                        break
                    if part not in value and not hasattr(dict, str(part)):
                        found.append(
                            f"unknown field {'.'.join(map(str, [node.name, *path[: i + 1]]))}"
                        )
                        break
                    value = value.get(part)
    return found


# --- rendering ----------------------------------------------------------------------------


def _complete(context: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(context, RenderContext):
        return context
    return build_context(**{k: context[k] for k in ROOTS if k in context})


_OUTPUT = {
    "push": ("title", "body", "deep_link"),
    "web_push": ("title", "body", "url"),
    "viber": ("text", "button_text", "button_url"),
    "whatsapp": ("text",),
}


def render(
    t: Template, channel: str, context: Mapping[str, Any], links: LinkRewriter | None = None
) -> dict[str, Any]:
    """The content of ``channel`` for its adapter; links tracked when ``links`` is given."""
    content = getattr(t.channels, channel) if channel in CHANNELS else None
    if content is None:
        raise TemplateError(f"channels.{channel}", "the template has no content for this channel")
    ctx = _complete(context)
    at = f"channels.{channel}"
    track = links.with_defaults(medium=channel, campaign=t.name) if links else None

    def field(key: str) -> str | None:
        source = getattr(content, key)
        return None if source is None else _render(f"{at}.{key}", source, ctx)

    if channel == "email":
        html = _render(f"{at}.html", content.html, ctx, html=True)
        text = field("text") if content.text is not None else html_to_text(html)
        if track:
            html, text = track.open_pixel(track.rewrite_html(html)), track.rewrite_text(text)
        return {"subject": field("subject"), "html": html, "text": text}
    tracked = track.rewrite_text if track else (lambda text: text)
    if channel == "sms":
        text = tracked(field("text") or "")
        if content.transliterate:
            text = _outside_urls(text, sms_text.transliterate)
        length = sms_text.segments(text)
        return {"text": text, "segments": length.segments, "encoding": length.encoding}
    if channel == "telegram":
        buttons = [
            {
                "text": _render(f"{at}.buttons[{i}].text", b.text, ctx),
                "url": tracked(_render(f"{at}.buttons[{i}].url", b.url, ctx)),
            }
            for i, b in enumerate(content.buttons)
        ]
        return {"text": tracked(field("text") or ""), "buttons": buttons}
    rendered = {key: field(key) for key in _OUTPUT[channel]}
    return {k: tracked(v) if v is not None else None for k, v in rendered.items()}


def render_dedup_key(t: Template, context: Mapping[str, Any]) -> str | None:
    if t.dedup_key is None:
        return None
    return _render("dedup_key", t.dedup_key, _complete(context)).strip() or None


def render_products(t: Template, context: Mapping[str, Any]) -> tuple[str, ...]:
    """The advertised product ids (comma-separated in the rendering)."""
    if t.products is None:
        return ()
    rendered = _render("products", t.products, _complete(context))
    return tuple(p.strip() for p in rendered.split(",") if p.strip())


def _outside_urls(text: str, change: Any) -> str:
    """``change`` applied to the text between URLs, which must stay as they are."""
    out, last = [], 0
    for match in URL_PATTERN.finditer(text):
        out += [change(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join(out) + change(text[last:])


class _PlainText(HTMLParser):
    _HIDDEN = frozenset({"script", "style", "head", "title"})
    _BLOCKS = frozenset({"p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.anchors: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in self._HIDDEN
        if tag == "br" or tag in self._BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            self.anchors.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.anchors:
            href, start = self.anchors.pop()
            label = "".join(self.parts[start:]).strip()
            if URL_PATTERN.fullmatch(href) and href != label:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


@functools.lru_cache(maxsize=256)
def html_to_text(markup: str) -> str:
    """The text part of an email whose template has only html: the words, a link's URL after
    its label, a line per block."""
    parser = _PlainText()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
