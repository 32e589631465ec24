"""How touches split into paths at conversions (pure), and what counts as a touch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omniweave.analytics.touches import (
    NO_TOUCH,
    Conversion,
    Touch,
    message_touches,
    path_labels,
    paths,
    store_order_touch,
    visit_touch,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_visits_with_utm_store_visits_and_messages_are_touches():
    utm = {"campaign": {"source": "google", "medium": " CPC ", "name": "spring"}}
    touch = visit_touch(1, T0, "page", None, utm, None)
    assert (touch.kind, touch.channel, touch.campaign) == ("visit", "cpc", "spring")
    assert visit_touch(2, T0, "page", None, {"campaign": {"name": "x"}}, None) is None
    assert visit_touch(3, T0, "identify", None, utm, None) is None
    store = visit_touch(4, T0, "track", "Store Visited", None, {"store": "s-7"})
    assert (store.kind, store.channel, store.campaign) == ("store_visit", "store", "s-7")
    row = {
        "id": 9,
        "sent_at": T0,
        "opened_at": T0 + timedelta(hours=1),
        "clicked_at": None,
        "channel": "email",
        "origin_name": "promo",
        "origin": "campaign",
        "step": None,
    }
    assert [t.kind for t in message_touches(row)] == ["message", "opened"]
    assert message_touches({**row, "sent_at": None}) == []
    order = {"channel": "pos", "store": "s-1", "placed_at": T0, "order_id": "o"}
    assert store_order_touch(order, 1).label("campaign") == "s-1"
    assert store_order_touch({**order, "channel": "site"}, 1) is None
    assert Touch(T0, "visit", "a>b", None, 1).label("channel") == "a›b"
    assert path_labels([], "channel") == (NO_TOUCH,)


moments = st.integers(0, 100).map(lambda h: T0 + timedelta(hours=h))


@given(
    st.lists(st.tuples(moments, st.sampled_from(["email", "sms", "cpc"])), max_size=15),
    st.lists(moments, max_size=5),
)
def test_every_touch_lands_in_exactly_one_path_before_its_conversion(touches, orders):
    ts = [Touch(at, "visit", ch, None, i) for i, (at, ch) in enumerate(touches)]
    cs = [Conversion(at, f"o{i}", 10.0, "site", i) for i, at in enumerate(orders)]
    found = paths(ts, cs)
    placed = [t for p in found for t in p["touches"]]
    assert sorted(placed, key=lambda t: t.seq) == sorted(ts, key=lambda t: t.seq)
    assert [p["conversion"] for p in found if p["conversion"]] == sorted(
        cs, key=lambda c: (c.at, c.seq)
    )
    previous = None
    for p in found:
        end = p["conversion"].at if p["conversion"] else None
        for t in p["touches"]:
            assert end is None or t.at <= end
            assert previous is None or t.at > previous
        previous = end if end is not None else previous
    assert sum(1 for p in found if p["conversion"] is None) <= 1
