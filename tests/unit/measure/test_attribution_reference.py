"""Our attribution against ChannelAttribution 2.2.5, pinned on 300 of its sample paths.

The CSV is the first 300 rows of ChannelAttribution's ``cypack/data/Data.csv``. The pins were
made once with ChannelAttribution installed (``uv sync --group bench``) by:

    .venv/bin/python bench/attribution.py --orders 1 --nsim 10000000 --pins \
        --data tests/unit/measure/data/channel_attribution_300.csv \
        > tests/unit/measure/data/channel_attribution_300_pins.json

so this test does not need ChannelAttribution. Its Markov model simulates (10,000,000 paths,
the result of one fold of 1,000,000), so our exact removal effects can only agree to its
sampling noise; its first, last and linear rules are deterministic and agree to rounding.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from omniweave.analytics.attribution import attribute
from omniweave.analytics.model import paths_from_rows

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def paths():
    with (DATA / "channel_attribution_300.csv").open(newline="") as f:
        return paths_from_rows(list(csv.reader(f, delimiter=";"))[1:])


@pytest.fixture(scope="module")
def pins():
    return json.loads((DATA / "channel_attribution_300_pins.json").read_text())


def test_the_slice_is_what_the_pins_were_made_on(paths, pins):
    assert len(paths) == 300
    assert sum(p.conversions for p in paths) == 382
    assert pins["nsim"] == 1e7
    assert set(pins["markov_1"]) == {c for p in paths for c in p.channels}


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear"])
def test_rules_match_channel_attribution_heuristics_to_1e9(paths, pins, model):
    ours = attribute(paths, model)
    for channel, (conversions, value) in pins[model].items():
        assert ours.conversions()[channel] == pytest.approx(conversions, abs=1e-9)
        assert ours.values()[channel] == pytest.approx(value, abs=1e-9)


def test_exact_markov_order_1_matches_its_simulation_within_0_002_of_share(paths, pins):
    ours = attribute(paths, "markov", order=1)
    total_conv, total_value = ours.total_conversions, ours.total_value
    for channel, (conversions, value) in pins["markov_1"].items():
        assert abs(ours.conversions()[channel] - conversions) / total_conv < 0.002, channel
        assert abs(ours.values()[channel] - value) / total_value < 0.004, channel
    assert sum(ours.conversions().values()) == pytest.approx(total_conv)
