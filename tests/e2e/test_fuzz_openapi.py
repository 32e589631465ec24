"""Schemathesis over the whole OpenAPI of the real server: no 5xx, whatever comes in.

Bounded (a few examples per operation) so it fits in ``make test``; the ``server`` fixture
also fails the test if the server logged an error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_no_operation_answers_a_server_error(server, tenant):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    done = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{server.url}/openapi.json",
            "-H",
            f"Authorization: Bearer {tenant.admin_key}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "generated" in done.stdout and " passed" in done.stdout
