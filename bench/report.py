"""Benchmark reports: machine description, versions, parameters, min/median/max, ratios.

Absolute times drift on a shared machine, so every figure that matters is a
ratio against a baseline measured in the same run.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("celery", "kombu", "redis", "sqlalchemy", "feedgen", "lxml", "babel", "fastapi", "uvicorn", "psycopg")


@dataclass
class Stat:
    """Repeated measurements of one quantity."""

    unit: str
    values: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "min": self.min, "median": self.median, "max": self.max, "runs": self.values}


@dataclass
class ScenarioResult:
    name: str
    description: str
    parameters: dict[str, Any]
    stats: dict[str, Stat] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)  # the figures that matter
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {target, value, met}
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    def stat(self, key: str, unit: str) -> Stat:
        return self.stats.setdefault(key, Stat(unit))

    def target(self, name: str, value: float, *, at_least: float | None = None, at_most: float | None = None) -> None:
        met = (at_least is None or value >= at_least) and (at_most is None or value <= at_most)
        bound = f">= {at_least}" if at_least is not None else f"<= {at_most}"
        self.targets[name] = {"target": bound, "value": round(value, 3), "met": met}

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["stats"] = {k: v.as_dict() for k, v in self.stats.items()}
        return out


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _tool_version(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


def machine() -> dict[str, Any]:
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_mib": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "redis_server": _tool_version(["redis-server", "--version"]),
        "postgresql": _tool_version(["psql", "--version"]),
        "nginx": _tool_version(["nginx", "-v"]),
        "wrk": _tool_version(["wrk", "--version"]),
        "packages": versions,
    }


def write_reports(results: list[ScenarioResult], out_dir: Path, quick: bool) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    data = {"when": stamp, "quick": quick, "machine": machine(), "scenarios": [r.as_dict() for r in results]}
    json_path = out_dir / f"bench-{stamp}.json"
    md_path = out_dir / f"bench-{stamp}.md"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    md_path.write_text(markdown(data))
    return json_path, md_path


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    lines = [
        f"# syndicate benchmarks ({data['when']}{', quick' if data['quick'] else ''})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mib']} MiB, Linux {m['kernel']}, Python {m['python']}.",
        f"Services: {m['redis_server']}; {m['postgresql']}; {m['nginx']}; {m['wrk']}.",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".",
        "",
    ]
    for sc in data["scenarios"]:
        lines += [f"## {sc['name']}", "", sc["description"], ""]
        if sc["skipped"]:
            lines += [f"Skipped: {sc['skipped']}", ""]
            continue
        lines.append("Parameters: " + ", ".join(f"{k}={v}" for k, v in sc["parameters"].items()))
        lines.append("")
        if sc["targets"]:
            lines += ["| target | value | required | met |", "|---|---|---|---|"]
            for name, t in sc["targets"].items():
                lines.append(f"| {name} | {t['value']} | {t['target']} | {'yes' if t['met'] else 'NO'} |")
            lines.append("")
        if sc["ratios"]:
            lines += ["| ratio | value |", "|---|---|"]
            lines += [f"| {k} | {_fmt(v)} |" for k, v in sc["ratios"].items()]
            lines.append("")
        if sc["stats"]:
            lines += ["| measure | unit | min | median | max | runs |", "|---|---|---|---|---|---|"]
            for k, s in sc["stats"].items():
                lines.append(
                    f"| {k} | {s['unit']} | {_fmt(s['min'])} | {_fmt(s['median'])} | {_fmt(s['max'])} "
                    f"| {len(s['runs'])} |"
                )
            lines.append("")
        lines += [f"- {n}" for n in sc["notes"]]
        lines.append("")
    return "\n".join(lines)
