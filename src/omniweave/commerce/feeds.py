"""Catalog feeds to ``CatalogIn``: the YML format (Yandex Market Language) Russian shops
publish for marketplaces, and a plain CSV. Pure: bytes in, the catalog and the offers that
were skipped (each with the reason, naming the offer) out.

YML: ``yml_catalog/shop/categories/category`` (``id``, ``parentId``) make the tree; each
``offers/offer`` is a sku (``id``) with ``name`` (or ``typePrefix vendor model``), ``price``,
``oldprice``, ``currencyId`` (``RUR`` is ``RUB``), ``categoryId``, ``vendor`` (the brand),
``url``, ``picture``, ``param`` (attributes, ``unit`` kept), ``group_id`` (variants of one
product share it: the parent sku is ``group:<group_id>``). ``available="false"`` and ``count``
set the stock at the location given to the import (``available`` alone, without ``count``,
only says "not in stock": 0 units; "in stock" without a count leaves the level as it is).

CSV: a header row with ``sku`` and ``name``, and any of ``parent_sku``, ``category`` (a path,
"Pizza > Meat"), ``brand``, ``price``, ``old_price``, ``currency``, ``active``, ``url``,
``image``, ``stock`` and ``attr:<name>`` columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from pydantic import ValidationError

from omniweave.commerce.catalog_input import (
    CatalogIn,
    CategoryIn,
    PriceIn,
    PriceListIn,
    ProductIn,
    StockIn,
)
from omniweave.core.errors import FieldError, InvalidInput
from omniweave.ingest.segment import pydantic_errors

CURRENCIES = {"RUR": "RUB"}  # YML's old code for the rouble


@dataclass(frozen=True)
class FeedOptions:
    price_list: str = "base"  # the list the feed's prices go to (created if missing)
    location: str | None = None  # where ``count``/``available``/``stock`` set stock
    replace: bool = False  # the feed is the whole catalog: products absent from it go inactive


@dataclass
class Parsed:
    catalog: CatalogIn
    skipped: list[FieldError] = field(default_factory=list)
    named: set[str] = field(default_factory=set)  # every sku the feed names, skipped or not


@dataclass
class _Builder:
    options: FeedOptions
    categories: dict[str, CategoryIn] = field(default_factory=dict)
    products: dict[str, ProductIn] = field(default_factory=dict)
    prices: dict[str, PriceIn] = field(default_factory=dict)
    stock: dict[str, StockIn] = field(default_factory=dict)
    currency: str | None = None
    skipped: list[FieldError] = field(default_factory=list)
    named: set[str] = field(default_factory=set)

    def build(self) -> Parsed:
        lists = []
        if self.prices:
            lists = [
                PriceListIn(
                    id=self.options.price_list,
                    name=self.options.price_list,
                    currency=self.currency or "RUB",
                )
            ]
        stock = {self.options.location: list(self.stock.values())} if self.stock else {}
        catalog = CatalogIn(
            categories=list(self.categories.values()),
            products=list(self.products.values()),
            priceLists=lists,
            prices={self.options.price_list: list(self.prices.values())} if self.prices else {},
            stock=stock,
        )
        return Parsed(catalog, self.skipped, self.named | set(self.products))


def parse_yml(data: bytes, options: FeedOptions | None = None) -> Parsed:
    """A YML feed's categories, offers, prices and (with a location) stock."""
    options = options or FeedOptions()
    try:
        root = ElementTree.fromstring(data)
    except Exception as exc:  # defusedxml raises its own errors for entity tricks too
        raise InvalidInput.one("file", f"not well-formed XML: {exc}") from None
    shop = root.find("shop") if root.tag == "yml_catalog" else None
    if shop is None:
        raise InvalidInput.one("file", "not a YML feed: expected <yml_catalog><shop>")
    b = _Builder(options)
    for i, el in enumerate(shop.iterfind("categories/category")):
        where = f"categories[{i}]"
        try:
            item = CategoryIn(
                id=el.get("id", ""), name=(el.text or "").strip(), parentId=el.get("parentId")
            )
        except ValidationError as exc:
            b.skipped += _named(where, exc)
            continue
        b.categories[item.id] = item
    for i, el in enumerate(shop.iterfind("offers/offer")):
        _offer(b, el, f"offers[{i}] (id {el.get('id')!r})")
    return b.build()


def _offer(b: _Builder, el: Element, where: str) -> None:
    b.named.add(el.get("id", ""))
    text = {child.tag: (child.text or "").strip() for child in el}
    name = text.get("name") or " ".join(
        part for part in (text.get("typePrefix"), text.get("vendor"), text.get("model")) if part
    )
    attributes: dict[str, Any] = {}
    for param in el.iterfind("param"):
        key = param.get("name")
        if key:
            value = (param.text or "").strip()
            attributes[key] = f"{value} {param.get('unit')}" if param.get("unit") else value
    group = el.get("group_id")
    currency = CURRENCIES.get(text.get("currencyId", ""), text.get("currencyId") or None)
    try:
        product = ProductIn(
            sku=el.get("id", ""),
            name=name,
            parentSku=f"group:{group}" if group else None,
            categoryId=text.get("categoryId") or None,
            brand=text.get("vendor") or None,
            attributes=attributes,
            url=text.get("url") or None,
            image=text.get("picture") or None,
        )
        price = None
        if "price" in text:
            price = PriceIn(
                sku=product.sku,
                amount=_decimal(text["price"], "price"),
                compareAt=_decimal(text["oldprice"], "oldprice") if text.get("oldprice") else None,
            )
        units = _stock(el.get("available"), text.get("count"))
    except ValidationError as exc:
        b.skipped += _named(where, exc)
        return
    except ValueError as exc:
        b.skipped.append(FieldError(where, str(exc)))
        return
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        b.skipped.append(FieldError(f"{where}.currencyId", f"{currency!r} is not a currency code"))
        return
    if currency and b.currency and currency != b.currency and price is not None:
        b.skipped.append(
            FieldError(f"{where}.currencyId", f"{currency}: the feed's prices are {b.currency}")
        )
        return
    if group and f"group:{group}" not in b.products:
        b.products[f"group:{group}"] = ProductIn(
            sku=f"group:{group}", name=name, categoryId=product.categoryId, brand=product.brand
        )
    b.products[product.sku] = product
    if price is not None:
        b.currency = b.currency or currency
        b.prices[product.sku] = price
    if units is not None and b.options.location:
        b.stock[product.sku] = StockIn(sku=product.sku, onHand=units)


def _stock(available: str | None, count: str | None) -> int | None:
    if count:
        try:
            units = int(count)
        except ValueError:
            raise ValueError(f"count: {count!r} is not a whole number") from None
        if units < 0:
            raise ValueError(f"count: {units} is negative")
        return units
    if available is not None and available.strip().lower() == "false":
        return 0
    return None


def _decimal(value: str, name: str) -> Decimal:
    try:
        found = Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValueError(f"{name}: {value!r} is not a number") from None
    if not found.is_finite() or found < 0:
        raise ValueError(f"{name}: {value!r} is not a price")
    return found.quantize(Decimal("0.01"))


def _named(where: str, exc: ValidationError) -> list[FieldError]:
    return [FieldError(f"{where}.{e.field}", e.message) for e in pydantic_errors(exc)]


_CSV_KNOWN = {
    "sku",
    "name",
    "parent_sku",
    "category",
    "brand",
    "price",
    "old_price",
    "currency",
    "active",
    "url",
    "image",
    "stock",
}


def parse_csv(data: bytes, options: FeedOptions | None = None) -> Parsed:
    """A CSV catalog (UTF-8, with or without a BOM; comma or semicolon separated)."""
    options = options or FeedOptions()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.one("file", f"not UTF-8 text: {exc}") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [h for h in ("sku", "name") if h not in header]
    if missing:
        raise InvalidInput.one("file", f"the header lacks {', '.join(missing)}")
    unknown = [h for h in header if h not in _CSV_KNOWN and not h.startswith("attr:")]
    if unknown:
        raise InvalidInput.one("file", f"unknown columns {unknown}: use attr:<name> for others")
    b = _Builder(options)
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        _csv_row(b, row, f"line {i} (sku {row.get('sku')!r})")
    return b.build()


def _csv_row(b: _Builder, row: dict[str, str], where: str) -> None:
    b.named.add(row.get("sku", ""))
    path = [p.strip() for p in row.get("category", "").replace(">", "/").split("/") if p.strip()]
    try:
        for depth in range(len(path)):
            ident = "/".join(path[: depth + 1])
            if ident not in b.categories:
                parent = "/".join(path[:depth]) or None
                b.categories[ident] = CategoryIn(id=ident, name=path[depth], parentId=parent)
        product = ProductIn(
            sku=row["sku"],
            name=row["name"],
            parentSku=row.get("parent_sku") or None,
            categoryId="/".join(path) or None,
            brand=row.get("brand") or None,
            attributes={k[5:]: v for k, v in row.items() if k.startswith("attr:") and v},
            active=_flag(row.get("active", "")),
            url=row.get("url") or None,
            image=row.get("image") or None,
        )
        price = None
        if row.get("price"):
            old = row.get("old_price")
            price = PriceIn(
                sku=product.sku,
                amount=_decimal(row["price"], "price"),
                compareAt=_decimal(old, "old_price") if old else None,
            )
        units = None
        if row.get("stock"):
            units = _stock(None, row["stock"])
    except ValidationError as exc:
        b.skipped += _named(where, exc)
        return
    except ValueError as exc:
        b.skipped.append(FieldError(where, str(exc)))
        return
    currency = row.get("currency") or None
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        b.skipped.append(FieldError(f"{where}.currency", f"{currency!r} is not a currency code"))
        return
    if price is not None and currency and b.currency and currency != b.currency:
        b.skipped.append(FieldError(f"{where}.currency", f"{currency}: the feed's is {b.currency}"))
        return
    b.products[product.sku] = product
    if price is not None:
        b.currency = b.currency or currency
        b.prices[product.sku] = price
    if units is not None and b.options.location:
        b.stock[product.sku] = StockIn(sku=product.sku, onHand=units)


def _flag(value: str) -> bool:
    if value.lower() in ("", "1", "true", "yes", "y"):
        return True
    if value.lower() in ("0", "false", "no", "n"):
        return False
    raise ValueError(f"active: {value!r} is not true or false")
