"""Every bench runs in its short mode, prints its table, and its correctness checks pass.

Timings are never asserted: they belong to the machine. The intake bench runs on SQLite
always; the PostgreSQL benches run when OMSLINK_TEST_DATABASE_URL names a server (each bench
creates and drops its own scratch database there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("OMSLINK_TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="needs OMSLINK_TEST_DATABASE_URL")

pytestmark = pytest.mark.bench


def _bench(name: str, *args: str) -> str:
    # The bench sets up its own database and data dir; nothing of the test run leaks in.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OMSLINK_", "DJANGO_")) and key != "DATABASE_URL"
    }
    if POSTGRES:
        server = urlsplit(POSTGRES)._replace(path="/postgres")
        args = (*args, "--database-url", urlunsplit(server))
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--short", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def _assert_checks_passed(output: str) -> None:
    checks = [line for line in output.splitlines() if line.startswith("check [")]
    assert checks, output
    assert all(line.endswith(": ok") for line in checks), output
    assert "all correctness checks passed" in output


def test_intake_bench_on_sqlite() -> None:
    output = _bench("intake", "--database", "sqlite", "--clients", "1,4")
    assert "| mix | clients | omslink orders/s | p50 | p99 |" in output
    assert output.count("| spread") == 2 and output.count("| hot") == 2
    _assert_checks_passed(output)


@needs_postgres
def test_intake_bench_on_postgresql() -> None:
    output = _bench("intake", "--database", "postgres")
    assert "| mix | clients | omslink orders/s | p50 | p99 |" in output
    assert "check [after the reference] omslink stock check: ok" in output
    _assert_checks_passed(output)


@needs_postgres
def test_relay_bench() -> None:
    output = _bench("relay")
    assert "| measure | omslink | reference | ratio |" in output
    assert "receiver's own capacity" in output and "commit to receipt" in output
    assert "check [2 relay(s)] per-key order at the receiver" in output
    _assert_checks_passed(output)


@needs_postgres
def test_scale_bench() -> None:
    output = _bench("scale")
    assert "| query | p50 | p99 |" in output
    assert "deliveries page (HTML)" in output
    _assert_checks_passed(output)
