"""The mixed-load benchmark still runs: a tiny run, checked for what it proves (nothing lost,
nothing doubled, each recipient once), never for its speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "bench" / "load.py"


def test_the_load_benchmark_runs_and_loses_nothing(postgres_base: str):
    env = {**os.environ, "OMNIWEAVE_BENCH_POSTGRES_URL": postgres_base}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--seconds", "3", "--baseline", "2", "--people", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["bench"] == "load" and result["failures"] == []
    assert set(result["kinds"]) == {"ingest_alone", "ingest", "profile_read", "pricing"}
    assert result["accepted_events"] > 0
    assert (result["lost"], result["doubled"], result["campaign_received_twice"]) == (0, 0, 0)
    assert result["campaign"] == "done"
    assert result["campaign_received"] == result["campaign_recipients"] == 60
