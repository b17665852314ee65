"""The benchmarks never rot: every scenario runs at tiny sizes and writes both reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import SCENARIOS
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_every_scenario_runs_at_tiny_sizes(tmp_path: Path) -> None:
    missing = [
        tool
        for tool in ("wrk", "nginx", "redis-server")
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists()
    ]
    if missing:
        message = f"the benchmarks need {', '.join(missing)} (.ci/run installs them)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_") or k.startswith("SYNDICATE_TEST")}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--repeats", "1", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    reports = sorted(tmp_path.glob("bench-*.json"))
    assert len(reports) == 1 and reports[0].with_suffix(".md").exists()
    data = json.loads(reports[0].read_text())
    assert data["quick"] is True and data["machine"]["cores"]
    scenarios = {s["name"]: s for s in data["scenarios"]}
    assert set(scenarios) == {"pipeline", "feed-rebuild", "burst", "serving", "memory"} and len(SCENARIOS) == 5
    for name, scenario in scenarios.items():
        assert scenario["skipped"] is None, f"{name}: {scenario['skipped']}"
        assert scenario["ratios"], f"{name} reported no ratio"
        for key, stat in scenario["stats"].items():
            assert stat["runs"] and all(v >= 0 for v in stat["runs"]), f"{name}: {key}"
    assert scenarios["pipeline"]["ratios"]["celery / inprocess×2 @ 60"] > 0
    markdown = reports[0].with_suffix(".md").read_text()
    assert all(f"## {name}" in markdown for name in scenarios)
