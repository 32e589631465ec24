"""bench/segments.py and bench/segments_realtime.py run end to end (tiny; no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "segments.py"


def test_segments_bench_prints_one_json_line():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--profiles", "3000", "--events", "30000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (line,) = done.stdout.strip().splitlines()
    result = json.loads(line)
    assert result["bench"] == "segments" and result["events"] == 30000
    assert len(result["segments"]) == 5
    assert all(r["ours_s"] > 0 and r["hand_s"] > 0 for r in result["segments"].values())
    assert result["ratio_max"] >= result["ratio_geomean"] > 0


def test_realtime_segments_bench_prints_one_json_line(postgres_url):
    base = postgres_url.split("?")[0]  # the bench makes its own scratch schema
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH.with_name("segments_realtime.py")),
            "--customers",
            "100",
            "--events",
            "300",
            "--postgres-url",
            base,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (line,) = done.stdout.strip().splitlines()
    result = json.loads(line)
    assert result["bench"] == "segments_realtime" and result["segments"] == 20
    assert result["events"] == 300 and result["membership_per_s"] > 0
    assert result["entered"] > 0
