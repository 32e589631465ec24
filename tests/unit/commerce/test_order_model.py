"""The order status machine: every pair of statuses has one answer, with its reason."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniweave.commerce.order_model import ALLOWED, HOLDING, STATUSES, move

status = st.sampled_from(STATUSES)


def test_the_usual_paths_are_allowed():
    for path in (
        ["created", "paid", "ready_for_pickup", "delivered", "returned"],
        ["created", "paid", "shipped", "delivered"],
        ["created", "ready_for_pickup", "paid", "delivered"],
        ["paid", "returned"],
        ["created", "cancelled"],
    ):
        for before, after in zip(path, path[1:], strict=False):
            assert move(before, after, pickup=False).allowed, (before, after)


def test_a_refusal_names_both_statuses_and_the_way_out():
    refused = move("delivered", "paid", pickup=False)
    assert not refused.allowed
    assert refused.reason == (
        "an order cannot go from delivered to paid: from delivered it can become returned"
    )
    final = move("cancelled", "paid", pickup=True)
    assert "nothing (it is final)" in final.reason


@given(before=status, after=status, pickup=st.booleans())
def test_every_pair_has_a_consistent_answer(before, after, pickup):
    decided = move(before, after, pickup)
    if before == after:
        assert decided.allowed and not decided.changed and decided.stock is None
    else:
        assert decided.allowed == (after in ALLOWED[before])
        assert decided.changed == decided.allowed
        assert before in decided.reason and after in decided.reason
    if decided.stock is not None:
        assert pickup and before in HOLDING
        assert decided.stock == {"cancelled": "release", "delivered": "convert"}[after]


@given(after=status, pickup=st.booleans())
def test_a_new_order_may_start_anywhere_and_holds_only_while_open(after, pickup):
    decided = move(None, after, pickup)
    assert decided.allowed and decided.changed
    assert (decided.stock == "hold") == (pickup and after in HOLDING)


def test_final_statuses_go_nowhere_and_nothing_goes_back_to_created():
    assert all(not move(s, "created", False).allowed for s in STATUSES if s != "created")
    assert ALLOWED["cancelled"] == () and ALLOWED["returned"] == ()
    assert not move("paid", "bogus", False).allowed
