"""The cart fold: adds, removals and orders from every channel make one cart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omniweave.commerce.cart_model import CartEvent, fold, total

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)


def ev(n, event, channel="site", **props):
    return CartEvent(n, event, T0 + timedelta(minutes=n), props, channel)


def test_app_site_and_till_share_one_cart():
    cart = fold(
        [
            ev(1, "Product Added", "app", sku="pepperoni-30", price=599, quantity=2, name="P"),
            ev(2, "Product Added", "site", product_id="cola-05", price=149),
            ev(3, "Product Added", "site", sku="pepperoni-30", quantity=1),
            ev(4, "Product Removed", "pos", sku="pepperoni-30", quantity=1),
            ev(5, "Cart Viewed", "pos"),
        ]
    )
    assert cart.status == "open"
    assert [(ln["sku"], ln["quantity"]) for ln in cart.as_lines()] == [
        ("pepperoni-30", 2.0),
        ("cola-05", 1.0),
    ]
    assert cart.channels == ["app", "site"]
    assert total(cart.as_lines()) == 599 * 2 + 149
    assert cart.last_event_id == 5


def test_an_order_takes_off_what_it_bought_wherever_it_was_bought():
    events = [
        ev(1, "Product Added", "app", sku="pepperoni-30", price=599),
        ev(2, "Product Added", "app", sku="cola-05", price=149),
        ev(3, "Checkout Started", "site"),
    ]
    assert fold(events).status == "checkout"
    coffee = ev(4, "Order Completed", "pos", products=[{"sku": "latte", "quantity": 1}])
    assert fold([*events, coffee]).status == "checkout"
    assert len(fold([*events, coffee]).lines) == 2
    pizza = ev(5, "Order Completed", "site", products=[{"sku": "pepperoni-30", "quantity": 1}])
    assert [ln["sku"] for ln in fold([*events, pizza]).as_lines()] == ["cola-05"]
    both = ev(6, "Order Completed", "site", products=[{"sku": "pepperoni-30"}, {"sku": "cola-05"}])
    emptied = fold([*events, both])
    assert emptied.status == "ordered" and emptied.lines == {} and emptied.channels == []


def test_a_removal_without_quantity_removes_the_line_and_clear_empties():
    cart = fold([ev(1, "Product Added", sku="a", quantity=3), ev(2, "Product Removed", sku="a")])
    assert cart.status == "empty" and not cart.lines
    cleared = fold([ev(1, "Product Added", sku="a"), ev(2, "Cart Cleared")])
    assert cleared.status == "empty"


def test_junk_quantities_count_as_one_and_unnamed_products_are_ignored():
    cart = fold(
        [
            ev(1, "Product Added", sku="a", quantity="lots"),
            ev(2, "Product Added", sku="a", quantity=-4),
            ev(3, "Product Added", name="no sku"),
        ]
    )
    assert [(ln["sku"], ln["quantity"]) for ln in cart.as_lines()] == [("a", 2.0)]


adds = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(1, 5), st.booleans()), max_size=30
)


@given(adds)
def test_the_fold_does_not_depend_on_arrival_order(steps):
    events = [
        ev(i + 1, "Product Added" if add else "Product Removed", sku=sku, quantity=q)
        for i, (sku, q, add) in enumerate(steps)
    ]
    assert fold(events).as_lines() == fold(list(reversed(events))).as_lines()
    assert all(ln["quantity"] > 0 for ln in fold(events).as_lines())
