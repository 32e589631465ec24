"""Customer and order records: validation and the events they become (pure)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from omniweave.ingest.records import CustomerRecord, OrderRecord, customer_event, order_event

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_phone_formats_a_cashier_types_are_accepted():
    for phone in ("8 (916) 123-45-67", "+7 916 123 4567", "89161234567"):
        assert CustomerRecord(customerId="c", phone=phone).phone == phone.strip()


def test_customer_event_is_content_addressed():
    one = CustomerRecord(customerId="c", email="a@b.ru", traits={"x": 1})
    same = CustomerRecord(customerId="c", traits={"x": 1}, email="a@b.ru")
    other = CustomerRecord(customerId="c", email="a@b.ru", traits={"x": 2})
    assert customer_event(one, NOW)["messageId"] == customer_event(same, NOW)["messageId"]
    assert customer_event(one, NOW)["messageId"] != customer_event(other, NOW)["messageId"]


def order(**changes):
    base = {
        "orderId": "o",
        "customer": {"email": "a@b.ru"},
        "channel": "site",
        "lines": [{"sku": "a", "quantity": "1.5", "price": "100"}],
        "discount": "10",
        "shipping": "99",
    }
    return OrderRecord.model_validate({**base, **changes})


def test_total_is_lines_minus_discount_plus_shipping():
    assert order().computed_total() == Decimal("239.0")
    assert order(total="239.00").total == Decimal("239.00")
    with pytest.raises(ValidationError, match="total"):
        order(total="240")


def test_order_event_names_follow_the_status():
    assert order_event(order(), True, NOW)["event"] == "Order Completed"
    assert order_event(order(), False, NOW)["event"] == "Order Updated"
    assert order_event(order(status="cancelled"), False, NOW)["event"] == "Order Cancelled"
    assert order_event(order(status="returned"), True, NOW)["event"] == "Order Refunded"
