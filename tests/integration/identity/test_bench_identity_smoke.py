"""bench/identity_stream.py runs end to end (tiny; no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "identity_stream.py"


def test_identity_stream_bench_prints_one_json_line(postgres_url):
    base = postgres_url.split("?")[0]  # the bench makes its own scratch schema
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--identifiers",
            "3000",
            "--events",
            "500",
            "--single",
            "20",
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
    assert result["bench"] == "identity_stream" and result["events"] == 500
    assert result["p99_ms"] >= result["p50_ms"] > 0
