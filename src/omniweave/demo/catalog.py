"""Pizza Lenina's world: its menu, its twenty stores and the campaigns it ran that year.

Fixed data, not generated, so a product or a store means the same thing in every demo.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str  # pizza | drinks | desserts
    price: int  # whole roubles, as on the menu


@dataclass(frozen=True)
class City:
    name: str
    latin: str
    utc_offset: int  # hours; a lunch rush in Novosibirsk is 07:00 UTC


@dataclass(frozen=True)
class Store:
    code: str  # the till's source name, pos-001..pos-020
    city: City
    street: str


@dataclass(frozen=True)
class Campaign:
    """A UTM-tagged campaign; ``months`` are when it ran (1-12)."""

    name: str
    source: str
    medium: str
    months: tuple[int, ...]

    def context(self) -> dict[str, str]:
        return {"source": self.source, "medium": self.medium, "name": self.name}


_PIZZAS = (
    ("pepperoni", "Пепперони", 599),
    ("margherita", "Маргарита", 499),
    ("four-cheese", "Четыре сыра", 649),
    ("ham-mushrooms", "Ветчина и грибы", 579),
    ("hawaiian", "Гавайская", 589),
    ("meat-feast", "Мясная", 699),
    ("bbq-chicken", "Цыплёнок барбекю", 649),
    ("diablo", "Диабло", 629),
    ("caesar", "Цезарь", 619),
    ("veggie", "Овощная", 529),
)

PRODUCTS: tuple[Product, ...] = (
    *(Product(f"{sku}-30", f"{name} 30 см", "pizza", price) for sku, name, price in _PIZZAS),
    *(Product(f"{sku}-35", f"{name} 35 см", "pizza", price + 200) for sku, name, price in _PIZZAS),
    Product("cola-05", "Кола 0,5 л", "drinks", 149),
    Product("cola-1", "Кола 1 л", "drinks", 229),
    Product("mors-05", "Морс клюквенный 0,5 л", "drinks", 169),
    Product("tarkhun-05", "Лимонад «Тархун» 0,5 л", "drinks", 169),
    Product("orange-juice-1", "Сок апельсиновый 1 л", "drinks", 249),
    Product("water-05", "Вода 0,5 л", "drinks", 99),
    Product("kvass-05", "Квас 0,5 л", "drinks", 139),
    Product("ice-tea-05", "Холодный чай 0,5 л", "drinks", 159),
    Product("latte", "Латте", "drinks", 199),
    Product("cappuccino", "Капучино", "drinks", 189),
    Product("cheesecake", "Чизкейк", "desserts", 249),
    Product("tiramisu", "Тирамису", "desserts", 279),
    Product("brownie", "Брауни", "desserts", 199),
    Product("chocolate-muffin", "Шоколадный маффин", "desserts", 149),
    Product("syrniki", "Сырники", "desserts", 229),
    Product("medovik", "Медовик", "desserts", 259),
    Product("eclair", "Эклер", "desserts", 149),
    Product("donuts-4", "Пончики, 4 шт.", "desserts", 199),
    Product("plombir", "Пломбир", "desserts", 129),
    Product("strudel", "Яблочный штрудель", "desserts", 239),
)

PRODUCT_BY_SKU = {p.sku: p for p in PRODUCTS}
PIZZAS = tuple(p for p in PRODUCTS if p.category == "pizza")
SIDES = tuple(p for p in PRODUCTS if p.category != "pizza")

MOSCOW = City("Москва", "Moscow", 3)
PETERSBURG = City("Санкт-Петербург", "Saint Petersburg", 3)
KAZAN = City("Казань", "Kazan", 3)
YEKATERINBURG = City("Екатеринбург", "Yekaterinburg", 5)
NOVOSIBIRSK = City("Новосибирск", "Novosibirsk", 7)
NIZHNY = City("Нижний Новгород", "Nizhny Novgorod", 3)
SAMARA = City("Самара", "Samara", 4)

_STREETS = (
    (MOSCOW, "Ленинский проспект, 32"),
    (MOSCOW, "Тверская улица, 18"),
    (MOSCOW, "улица Арбат, 24"),
    (MOSCOW, "Профсоюзная улица, 56"),
    (MOSCOW, "Бауманская улица, 7"),
    (MOSCOW, "Кутузовский проспект, 14"),
    (MOSCOW, "Новослободская улица, 20"),
    (MOSCOW, "Варшавское шоссе, 87"),
    (PETERSBURG, "Невский проспект, 88"),
    (PETERSBURG, "Лиговский проспект, 30"),
    (PETERSBURG, "Московский проспект, 145"),
    (PETERSBURG, "улица Ленина, 9"),
    (KAZAN, "улица Баумана, 44"),
    (KAZAN, "проспект Победы, 91"),
    (YEKATERINBURG, "проспект Ленина, 50"),
    (YEKATERINBURG, "улица Малышева, 71"),
    (NOVOSIBIRSK, "Красный проспект, 101"),
    (NOVOSIBIRSK, "улица Ленина, 12"),
    (NIZHNY, "Большая Покровская улица, 32"),
    (SAMARA, "Ленинградская улица, 5"),
)

STORES: tuple[Store, ...] = tuple(
    Store(f"pos-{n:03d}", city, street) for n, (city, street) in enumerate(_STREETS, start=1)
)
STORE_BY_CODE = {s.code: s for s in STORES}
CITIES: tuple[City, ...] = tuple(dict.fromkeys(s.city for s in STORES))

_ALL_YEAR = tuple(range(1, 13))
AD_CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("pepperoni-week", "yandex", "cpc", (2, 3, 9)),
    Campaign("two-for-one", "vk", "social", _ALL_YEAR),
    Campaign("lunch-combo", "yandex", "cpc", (1, 4, 5, 10, 11)),
    Campaign("summer-terrace", "vk", "social", (6, 7, 8)),
    Campaign("new-year-party", "telegram", "social", (12, 1)),
    Campaign("app-install", "google", "cpc", _ALL_YEAR),
    Campaign("blogger-review", "youtube", "video", (3, 4, 10)),
)
EMAIL_CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("weekly-digest", "email", "email", _ALL_YEAR),
    Campaign("dessert-friday", "email", "email", _ALL_YEAR),
    Campaign("we-miss-you", "email", "email", _ALL_YEAR),
    Campaign("birthday-gift", "email", "email", _ALL_YEAR),
)
PUSH_CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("pizza-of-the-day", "push", "push", _ALL_YEAR),
    Campaign("free-delivery-tonight", "push", "push", _ALL_YEAR),
    Campaign("order-again", "push", "push", _ALL_YEAR),
)


def stores_in(city: City) -> tuple[Store, ...]:
    return tuple(s for s in STORES if s.city == city)


def running(campaigns: tuple[Campaign, ...], month: int) -> tuple[Campaign, ...]:
    """The campaigns live in a month (each tuple above has at least one every month)."""
    return tuple(c for c in campaigns if month in c.months)
