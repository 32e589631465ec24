"""The ingest benchmark still runs: a tiny run, checked for its output, never for its speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "bench" / "ingest.py"


def test_the_ingest_benchmark_runs_and_counts_every_event(postgres_base: str):
    env = {**os.environ, "OMNIWEAVE_BENCH_POSTGRES_URL": postgres_base}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--events", "2000", "--workers", "1", "--clients", "4"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["bench"] == "ingest" and result["backend"] == "postgresql"
    assert result["events"] == result["stored"] == result["copied"] == 2000
    assert (result["workers"], result["clients"]) == (1, 4)
    assert result["ingest_per_s"] > 0 and result["copy_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["ingest_per_s"] / result["copy_per_s"], rel=0.01)
