"""Attribution models: worked examples by hand, and properties every model must keep."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniweave.analytics.attribution import MODELS, attribute
from omniweave.analytics.markov import states_of
from omniweave.analytics.model import Path, parse_path, paths_from_rows
from omniweave.analytics.shapley import (
    coalition_worth,
    shapley_closed_form,
    shapley_from_worth,
)
from omniweave.core.errors import InvalidInput

ALL = [(m, 1) for m in MODELS if m != "markov"] + [("markov", o) for o in (1, 2, 3)]


def test_parse_trims_touches_like_channel_attribution():
    assert parse_path(" a >b>  c d  > ") == ("a", "b", "c d")


def test_bad_paths_name_the_field():
    with pytest.raises(InvalidInput) as e:
        paths_from_rows([("a > b", "1", "2", "0"), ("", "1", "0", "0")])
    assert e.value.errors[0].field == "paths[1]"
    with pytest.raises(InvalidInput) as e:
        Path(("a",), conversions=-1)
    assert e.value.errors[0].field == "conversions"


def test_states_are_windows_with_repeats_folded():
    assert states_of([1, 1, 2, 2, 1], 1) == [(1,), (2,), (1,)]
    assert states_of([1, 2, 3, 4], 2) == [(1, 2), (2, 3), (3, 4)]
    assert states_of([1, 2], 3) == [(1, 2)]
    assert states_of([5, 5, 5, 5], 2) == [(5, 5)]


def test_markov_removal_effects_by_hand():
    # start -> a -> b -> conv (1 path) ; start -> b -> null (1 path).
    # P(conv) = 1/2 * 1/2 + 1/2 * 1/2 = 1/2; without a: 1/4; without b: 0.
    paths = [Path(("a", "b"), conversions=1, value=30), Path(("b",), nulls=1)]
    result = attribute(paths, "markov")
    assert result.explain["p_conversion"] == pytest.approx(0.5)
    assert result.explain["removal_effects"] == pytest.approx({"a": 0.5, "b": 1.0})
    assert result.conversions() == pytest.approx({"a": 1 / 3, "b": 2 / 3})
    assert result.values() == pytest.approx({"a": 10.0, "b": 20.0})


def test_rules_by_hand():
    path = [Path(("a", "b", "c", "b"), conversions=10, value=100)]
    assert attribute(path, "position_based").conversions() == pytest.approx(
        {"a": 4.0, "b": 1.0 + 4.0, "c": 1.0}
    )
    assert attribute(path, "linear").conversions() == pytest.approx({"a": 2.5, "b": 5, "c": 2.5})
    decay = attribute(path, "time_decay").conversions()
    assert decay["b"] > decay["c"] > decay["a"]
    direct = [Path(("email", "direct", "(direct)"), conversions=1)]
    assert attribute(direct, "last_non_direct").conversions()["email"] == 1
    ages = [Path(("a", "b"), conversions=1, ages=(7.0, 0.0))]
    assert attribute(ages, "time_decay").conversions() == pytest.approx({"a": 1 / 3, "b": 2 / 3})


def test_unknown_model_and_order_are_400s():
    paths = [Path(("a",), conversions=1)]
    with pytest.raises(InvalidInput, match="model"):
        attribute(paths, "magic")
    with pytest.raises(InvalidInput, match="order"):
        attribute(paths, "markov", order=9)


names = st.sampled_from(["email", "sms", "push", "web", "direct", "ads"])


def _path(channels: list[str], conversions: int, value: int, nulls: int) -> Path:
    return Path(tuple(channels), float(conversions), float(value if conversions else 0), nulls)


paths_strategy = st.lists(
    st.builds(
        _path,
        st.lists(names, min_size=1, max_size=6),
        st.integers(0, 5),
        st.integers(0, 500),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(paths=paths_strategy)
def test_every_model_hands_out_exactly_the_conversions_and_revenue(paths):
    total = sum(p.conversions for p in paths)
    revenue = sum(p.value for p in paths)
    for model, order in ALL:
        result = attribute(paths, model, order=order)
        assert sum(result.conversions().values()) == pytest.approx(total, abs=1e-7), model
        assert sum(result.values().values()) == pytest.approx(revenue, abs=1e-6), model
        assert all(v >= -1e-9 for v in result.conversions().values()), model


@settings(max_examples=30, deadline=None)
@given(paths=paths_strategy, data=st.data())
def test_renaming_channels_renames_the_credit(paths, data):
    old = sorted({c for p in paths for c in p.channels} - {"direct"})
    new = data.draw(st.permutations([f"ch{i}" for i in range(len(old))]))
    rename = dict(zip(old, new, strict=True)) | {"direct": "direct"}  # direct means direct
    renamed = [
        Path(tuple(rename[c] for c in p.channels), p.conversions, p.value, p.nulls) for p in paths
    ]
    for model, order in ALL:
        before = attribute(paths, model, order=order).conversions()
        after = attribute(renamed, model, order=order).conversions()
        assert {rename[c]: v for c, v in before.items()} == pytest.approx(after, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(paths=paths_strategy)
def test_a_channel_that_never_appears_gets_nothing(paths):
    for model, order in ALL:
        result = attribute(paths, model, order=order, channels=["email", "never"])
        assert result.conversions()["never"] == 0 and result.values()["never"] == 0


@settings(max_examples=40, deadline=None)
@given(paths=paths_strategy)
def test_shapley_over_all_coalitions_equals_its_closed_form(paths):
    channels = sorted({c for p in paths for c in p.channels})
    worth, _ = coalition_worth(paths, channels)
    phi = shapley_from_worth(worth, len(channels))
    closed, _ = shapley_closed_form(paths)
    assert dict(zip(channels, phi, strict=True)) == pytest.approx(closed, abs=1e-9)
