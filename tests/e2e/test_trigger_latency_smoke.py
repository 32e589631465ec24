"""The trigger-latency benchmark still runs: a tiny run on SQLite (20 events at 20 a second),
checked for its output and that every event's email arrived, never for its speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "bench" / "trigger_latency.py"


def test_the_trigger_latency_benchmark_delivers_every_event():
    arguments = ["--sqlite", "--rate", "20", "--seconds", "1", "--people", "20"]
    arguments += ["--baseline", "10", "--timeout", "30"]
    done = subprocess.run(
        [sys.executable, str(BENCH), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["bench"] == "trigger_latency" and result["backend"] == "sqlite"
    assert result["events"] == result["accepted"] == result["delivered"] == 20
    assert result["message_statuses"] == {"sent": 20}
    assert result["skipped"] == {"unattributed": 0, "no_message": 0, "not_reached": 0}
    assert result["server_errors"] == 0
    for figure in ("p50_s", "p99_s", "max_s", "baseline_smtp_p50_s", "baseline_smtp_per_s"):
        assert result[figure] is not None and result[figure] > 0, figure
    assert result["ratio_p99_to_goal"] == pytest.approx(
        result["p99_s"] / result["goal_p99_s"], rel=1e-3
    )
    assert result["dominant_stage"] in result["stages"]
