"""The campaign benchmark still runs: a tiny audience, checked for its output, never its speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "bench" / "campaign.py"


def test_the_campaign_benchmark_decides_for_everyone(postgres_base: str):
    env = {**os.environ, "OMNIWEAVE_BENCH_POSTGRES_URL": postgres_base}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--profiles", "600"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "campaign" and result["profiles"] == 600
    assert result["audience"] == 600
    assert sum(result["by_status"].values()) == 600
    assert set(result["by_channel"]) <= {"push", "email", "sms"}
    assert result["ratio"] == pytest.approx(result["campaign_s"] / result["scan_s"], rel=0.25)
