"""Load generation with ``wrk``: requests/s and latency percentiles of one URL (or a set of them)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_LATENCY = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int  # non-2xx/3xx answers and socket errors: a run with any measures nothing


def available() -> str | None:
    """Why wrk cannot run here, or None."""
    return None if shutil.which("wrk") else "wrk is not installed (apt-get install wrk)"


def _script(paths: list[str], headers: dict[str, str]) -> str:
    """Lua that cycles through ``paths`` (one request each), with ``headers``."""
    quoted = ", ".join(f'"{p}"' for p in paths)
    hdrs = ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items())
    return (
        f"local paths = {{{quoted}}}\nlocal headers = {{{hdrs}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i], headers)\nend\n'
    )


def load(
    base: str, paths: list[str], *, connections: int, seconds: float, headers: dict[str, str] | None = None
) -> Load:
    """Run wrk against ``base`` + each of ``paths`` in turn for ``seconds``."""
    threads = max(1, min(2, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_script(paths, headers or {}))
        script = Path(fh.name)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                # A slow answer is measured in the latency figures, not counted as a failure.
                "--timeout",
                "30s",
                "-s",
                str(script),
                base + paths[0],
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        script.unlink(missing_ok=True)
    latency = {p: float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(out)}
    rps = _RPS.search(out)
    if rps is None or "50" not in latency or "99" not in latency:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    bad = int(m.group(1)) if (m := _BAD.search(out)) else 0
    if (e := _ERRORS.search(out)) is not None:
        bad += sum(int(x) for x in e.groups())
    return Load(float(rps.group(1)), latency["50"], latency["99"], bad)
