"""The attribution benchmark still runs: a tiny run, checked for its output, never its speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "bench" / "attribution.py"
SLICE = ROOT / "tests" / "unit" / "measure" / "data" / "channel_attribution_300.csv"


def test_the_attribution_benchmark_compares_with_channel_attribution():
    pytest.importorskip("ChannelAttribution", reason="the bench group is not installed")
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--data",
            str(SLICE),
            "--nsim",
            "100000",
            "--orders",
            "1",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["bench"] == "attribution"
    assert (result["paths"], result["channels"], result["conversions"]) == (300, 10, 382)
    assert set(result["markov_max_share_diff"]) == {"1", "2"}
    assert result["markov_max_share_diff"]["1"] < 0.02  # 100,000 simulations: noisy, not wrong
    assert result["heuristic_max_diff"] < 1e-9
    assert result["ratio"] == pytest.approx(result["ours_s"] / result["reference_s"], rel=0.05)
