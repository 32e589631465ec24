"""The pricing benchmark still runs: a tiny run, checked for its output, never for its speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "bench" / "pricing.py"


def test_the_pricing_benchmark_runs_and_agrees_with_itself(postgres_base: str):
    env = {**os.environ, "OMNIWEAVE_BENCH_POSTGRES_URL": postgres_base}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--carts", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["bench"] == "pricing" and result["backend"] == "postgresql"
    assert (result["carts"], result["lines_per_cart"], result["active_promotions"]) == (60, 10, 50)
    assert result["same_totals_http_and_inprocess"] is True
    assert result["http_per_s"] > 0 and result["inprocess_per_s"] > 0
    assert result["ratio"] == pytest.approx(
        result["http_p50_ms"] / result["inprocess_p50_ms"], rel=0.05
    )
