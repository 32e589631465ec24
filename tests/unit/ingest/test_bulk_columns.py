"""What the columns of an import CSV mean for each kind."""

from __future__ import annotations

import pytest

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.ingest.bulk_columns import (
    MAX_ORDER_LINES,
    camel_case,
    check_header,
    csv_payloads,
    customer_payload,
    event_message,
    order_groups,
    order_payload,
)
from omniweave.ingest.bulk_formats import ImportRow


def row(line: int, **cells: str) -> ImportRow:
    return ImportRow(line, cells, cells)


@pytest.mark.parametrize(
    ("column", "trait"),
    [
        ("first_name", "firstName"),
        ("favourite pizza", "favouritePizza"),
        ("last-name", "lastName"),
        ("firstName", "firstName"),
        ("VIP", "VIP"),
    ],
)
def test_traits_are_camel_cased(column, trait):
    assert camel_case(column) == trait


def test_a_customer_row_becomes_the_api_body():
    cells = {
        "customerId": "c-1",
        "Email": " kolya@example.com ",
        "phone": "",
        "loyalty_card": "LC-7",
        "CRM ID": "crm-9",
        "user_id": "u-1",
        "updated_at": "2024-05-01T10:00:00Z",
        "id:vk": "vk-42",
        "first_name": "Kolya",
        "city": "Perm",
    }
    assert customer_payload(cells) == {
        "customerId": "c-1",
        "email": "kolya@example.com",
        "loyaltyCard": "LC-7",
        "crmId": "crm-9",
        "userId": "u-1",
        "updatedAt": "2024-05-01T10:00:00Z",
        "identifiers": {"vk": "vk-42"},
        "traits": {"firstName": "Kolya", "city": "Perm"},
    }


def test_the_key_column_is_required_in_the_header():
    with pytest.raises(InvalidInput, match="no customer_id column, which every customer row needs"):
        check_header("customers", ["email"])
    with pytest.raises(InvalidInput, match="no order_id column"):
        check_header("orders", ["sku"])
    check_header("customers", ["Customer ID"])
    check_header("events", ["event"])
    check_header("orders", [])  # an empty file: nothing to import, nothing wrong


def test_adjacent_rows_of_one_order_are_grouped_and_a_later_repeat_is_a_new_version():
    rows = [
        row(2, order_id="o-1"),
        row(3, order_id="o-1"),
        row(4, order_id="o-2"),
        row(5, order_id="o-1"),
        row(6, order_id=""),
        row(7, order_id=""),
    ]
    assert [[r.line for r in g] for g in order_groups(rows)] == [[2, 3], [4], [5], [6], [7]]


def test_an_unreadable_row_stands_alone_but_a_misshapen_line_stays_with_its_order():
    unreadable = ImportRow(3, None, None, (FieldError("row", "not readable as CSV"),))
    misshapen = ImportRow(5, ["o-2"], {"order_id": "o-2"}, (FieldError("row", "has 1 columns"),))
    rows = [row(2, order_id="o-1"), unreadable, row(4, order_id="o-2"), misshapen]
    groups = list(order_groups(rows))
    assert [[r.line for r in g] for g in groups] == [[2], [3], [4, 5]]
    (_, _, order) = csv_payloads("orders", rows)
    assert order.line == 4 and order.value is None
    assert order.errors == (FieldError("row", "line 5: has 1 columns"),)
    assert order.raw == [{"order_id": "o-2"}, ["o-2"]]


def test_an_order_of_too_many_lines_keeps_only_enough_to_be_refused():
    rows = [row(n, order_id="o-1") for n in range(2, MAX_ORDER_LINES + 10)]
    (group,) = order_groups(rows)
    assert len(group) == MAX_ORDER_LINES + 1


def test_order_lines_become_one_body():
    first = {
        "order_id": "o-1",
        "channel": "pos",
        "store": "perm-1",
        "status": "paid",
        "payment_status": "paid",
        "currency": "RUB",
        "placed_at": "2024-05-01T10:00:00Z",
        "email": "kolya@example.com",
        "id:vk": "vk-42",
        "promo": "SPRING",
        "sku": "pepperoni-30",
        "name": "Pepperoni",
        "category": "pizza",
        "quantity": "2",
        "price": "549.00",
        "line_discount": "50",
    }
    second = {**dict.fromkeys(first, ""), "order_id": "o-1", "sku": "cola", "quantity": "1"}
    second["price"] = "99"
    assert order_payload([first, second]) == {
        "orderId": "o-1",
        "channel": "pos",
        "store": "perm-1",
        "status": "paid",
        "paymentStatus": "paid",
        "currency": "RUB",
        "placedAt": "2024-05-01T10:00:00Z",
        "customer": {"email": "kolya@example.com", "identifiers": {"vk": "vk-42"}},
        "properties": {"promo": "SPRING"},
        "lines": [
            {
                "sku": "pepperoni-30",
                "name": "Pepperoni",
                "category": "pizza",
                "quantity": "2",
                "price": "549.00",
                "discount": "50",
            },
            {"sku": "cola", "quantity": "1", "price": "99"},
        ],
    }


def test_order_columns_that_differ_between_lines_are_refused():
    with pytest.raises(InvalidInput) as caught:
        order_payload(
            [
                {"order_id": "o-1", "status": "paid", "sku": "a"},
                {"order_id": "o-1", "status": "paid", "sku": "b"},
                {"order_id": "o-1", "status": "created", "sku": "c"},
            ]
        )
    (error,) = caught.value.errors
    assert error.field == "status"
    assert (
        error.message == "is 'paid' on the order's first line but 'created' on line 3 of the order"
    )


def test_an_event_row_becomes_a_segment_message():
    cells = {
        "type": "",
        "event": "Order Completed",
        "user_id": "u-1",
        "message_id": "m-1",
        "timestamp": "2024-05-01T10:00:00Z",
        "properties": '{"total": 549, "sku": "old"}',
        "properties.sku": "pepperoni-30",
        "context": '{"ip": "10.0.0.1"}',
        "traits.email": "kolya@example.com",
        "store": "perm-1",
    }
    assert event_message(cells) == {
        "type": "track",
        "event": "Order Completed",
        "userId": "u-1",
        "messageId": "m-1",
        "timestamp": "2024-05-01T10:00:00Z",
        "properties": {"total": 549, "sku": "pepperoni-30", "store": "perm-1"},
        "context": {"ip": "10.0.0.1"},
        "traits": {"email": "kolya@example.com"},
    }


def test_a_json_cell_that_is_not_an_object_is_reported_by_its_column():
    with pytest.raises(InvalidInput) as caught:
        event_message({"event": "x", "properties": "{oops", "traits": "[1]"})
    fields = {e.field: e.message for e in caught.value.errors}
    assert fields["properties"].startswith("not valid JSON")
    assert fields["traits"] == "must be a JSON object"


def test_rows_that_could_not_be_read_pass_through_untouched():
    bad = ImportRow(3, ["x"], {"event": "x"}, (FieldError("row", "has 1 columns"),))
    good = row(4, event="Cart Viewed", user_id="u-1")
    out = list(csv_payloads("events", [bad, good]))
    assert out[0] is bad
    assert out[1].value == {"type": "track", "event": "Cart Viewed", "userId": "u-1"}
    assert out[1].raw == good.raw
