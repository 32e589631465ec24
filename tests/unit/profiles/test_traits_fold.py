"""Each shipped computed trait, pinned on a hand-made history (the pure fold, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omniweave.profiles.traits_fold import channel_of, compute, compute_all, history_of
from omniweave.profiles.traits_model import load_catalog, parse_catalog

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
CATALOG = load_catalog()
DEFS = {d.name: d for d in CATALOG.definitions}


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


class Log:
    """A profile's events as the repo reads them, in the order they are written here."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, event, at, source="site", kind="site", **properties):
        self.rows.append(
            {
                "id": len(self.rows) + 1,
                "event": event,
                "timestamp": at,
                "properties": properties,
                "context": {},
                "source": source,
                "source_kind": kind,
            }
        )
        return self

    def order(
        self,
        order_id,
        at,
        channel,
        lines,
        event="Order Completed",
        status="delivered",
        store=None,
        source=None,
        kind=None,
    ):
        revenue = sum(q * p for _, _, q, p in lines)
        products = [
            {"sku": sku, "name": sku.title(), "category": cat, "quantity": q, "price": p}
            for sku, cat, q, p in lines
        ]
        return self.add(
            event,
            at,
            source or channel,
            kind or channel,
            order_id=order_id,
            channel=channel,
            status=status,
            store=store,
            total=revenue,
            revenue=revenue,
            currency="RUB",
            products=products,
        )


def kolya() -> Log:
    """Site orders, a till order at pos-001, one cancelled, one refunded, opens and clicks."""
    log = Log()
    log.order("s-1", ago(200), "site", [("pepperoni", "pizza", 2, 500), ("cola", "drinks", 1, 100)])
    log.order("s-2", ago(100), "site", [("margherita", "pizza", 1, 400)])
    log.order(
        "p-1",
        ago(30),
        "pos",
        [("pepperoni", "pizza", 1, 500)],
        status="paid",
        store="pos-001",
        source="pos-001",
        kind="pos",
    )
    # a site order cancelled: two versions in the log
    log.order("s-3", ago(20), "site", [("hawaii", "pizza", 5, 450)], status="paid")
    log.order(
        "s-3",
        ago(19.9),
        "site",
        [("hawaii", "pizza", 5, 450)],
        event="Order Cancelled",
        status="cancelled",
    )
    # an app order, refunded the next day
    log.order("a-1", ago(10), "app", [("veggie", "pizza", 4, 450)])
    log.order(
        "a-1",
        ago(9),
        "app",
        [("veggie", "pizza", 4, 450)],
        event="Order Refunded",
        status="returned",
    )
    log.add("Email Opened", ago(40), "crm", "crm", campaign_name="weekly")
    log.add("Email Opened", ago(200), "crm", "crm", campaign_name="old")  # out of 90 days
    log.add("Push Opened", ago(5), "app", "app")
    log.add("Push Clicked", ago(5), "app", "app")
    log.add("Push Opened", ago(3), "app", "app")
    log.add("Product Viewed", ago(1), sku="pepperoni")  # read by no default trait
    return log


def values(log: Log) -> dict:
    return {k: v.value for k, v in compute_all(CATALOG, history_of(log.rows), NOW).items()}


def test_order_counts_revenue_and_check_leave_out_cancelled_and_refunded():
    found = values(kolya())
    assert found["order_count"] == 3  # s-1, s-2, the till order p-1
    assert found["revenue"] == 1100 + 400 + 500
    assert found["average_check"] == round(2000 / 3, 2)


def test_the_till_order_counts_and_names_the_favourite_store():
    found = values(kolya())
    assert found["last_order_channel"] == "pos"
    assert found["favourite_store"] == "pos-001"
    assert found["days_since_last_purchase"] == "2026-10-02T12:00:00Z"  # the till order


def test_favourites_weigh_quantities_over_the_last_year():
    found = values(kolya())
    assert found["favourite_product"] == "Pepperoni"  # 3 pepperoni; hawaii x5 was cancelled
    assert found["favourite_category"] == "pizza"
    basis = compute(DEFS["favourite_product"], history_of(kolya().rows), NOW).basis
    assert basis["tally"] == {"Pepperoni": 3.0, "Cola": 1.0, "Margherita": 1.0}
    assert basis["orders"] == 3 and basis["items"] == 4


def test_engagement_and_preferred_channel_count_opens_clicks_and_orders_in_90_days():
    found = values(kolya())
    assert found["engagement"] == {"email": 1, "push": 3}
    # in 90 days: push 3, email 1, pos 1 (site orders are older; cancelled ones do not count)
    assert found["preferred_channel"] == "push"


def test_rfm_inputs_are_the_orders_of_the_last_year():
    found = values(kolya())
    assert found["rfm"] == {
        "last_order_at": "2026-10-02T12:00:00Z",
        "frequency": 3,
        "monetary": 2000.0,
    }


def test_an_empty_history_has_empty_values():
    found = values(Log())
    assert found["order_count"] == 0 and found["revenue"] == 0
    assert found["average_check"] is None and found["favourite_product"] is None
    assert found["days_since_last_purchase"] is None and found["rfm"] is None
    assert found["engagement"] == {}


def test_an_order_is_its_latest_version_and_placed_at_its_first():
    log = Log()
    log.order("o-1", ago(50), "site", [("pepperoni", "pizza", 1, 500)], status="paid")
    log.order(
        "o-1",
        ago(49),
        "site",
        [("pepperoni", "pizza", 1, 500)],
        event="Order Updated",
        status="delivered",
    )
    history = history_of(log.rows)
    (order,) = history.orders
    assert order.at == ago(50) and order.event_id == 2 and not order.cancelled
    assert values(log)["order_count"] == 1


def test_ties_go_to_the_latest_unless_told_otherwise():
    log = Log()
    log.order("o-1", ago(5), "pos", [("a", "pizza", 1, 1)], store="pos-002")
    log.order("o-2", ago(4), "pos", [("b", "pizza", 1, 1)], store="pos-001")
    assert values(log)["favourite_store"] == "pos-001"
    earliest = DEFS["favourite_store"].model_copy(update={"tie_break": "earliest"})
    assert compute(earliest, history_of(log.rows), NOW).value == "pos-002"


def test_channels_of_touches():
    assert channel_of("Email Link Clicked", {}, "crm") == "email"
    assert channel_of("Push Opened", {}, "app") == "push"
    assert channel_of("Order Completed", {"channel": "pos"}, "pos") == "pos"
    assert channel_of("Product Viewed", {}, "app") == "app"


def test_custom_definitions_filter_and_aggregate():
    catalog = parse_catalog(
        {
            "traits": [
                {
                    "name": "big_pizza_max",
                    "aggregation": "max",
                    "source": {"orders": True},
                    "each": "properties.products",
                    "value": "price",
                },
                {
                    "name": "skus",
                    "aggregation": "distinct_count",
                    "source": {"orders": True, "include_cancelled": True},
                    "each": "properties.products",
                    "value": "sku",
                },
                {
                    "name": "first_channel",
                    "aggregation": "first",
                    "source": {"orders": True, "where": {"channel": ["site", "app"]}},
                    "value": "channel",
                },
                {
                    "name": "revenue_by_channel",
                    "aggregation": "sum",
                    "source": {"orders": True},
                    "value": "properties.revenue",
                    "group_by": "channel",
                },
            ]
        }
    )
    found = {k: v.value for k, v in compute_all(catalog, history_of(kolya().rows), NOW).items()}
    assert found["big_pizza_max"] == 500
    assert found["skus"] == 5  # cancelled and refunded orders included on request
    assert found["first_channel"] == "site"
    assert found["revenue_by_channel"] == {"pos": 500.0, "site": 1500.0}
