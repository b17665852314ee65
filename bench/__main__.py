"""``python -m bench``: run the benchmark scenarios and write JSON and Markdown reports."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from pathlib import Path

from bench.options import Options
from bench.report import ScenarioResult, write_reports

SCENARIOS = {
    "pipeline": "bench.scenarios.pipeline",
    "rebuild": "bench.scenarios.rebuild",
    "burst": "bench.scenarios.burst",
    "serving": "bench.scenarios.serving",
    "memory": "bench.scenarios.memory",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS), help=f"any of {', '.join(SCENARIOS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the CI smoke run)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per measurement (default 5, quick 2)")
    parser.add_argument("--database", default="sqlite", help="sqlite, or a PostgreSQL URL to run against")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="folder for the reports")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    opts = Options(quick=args.quick, repeats=args.repeats or (2 if args.quick else 5), database=args.database)
    os.environ.setdefault("SYNDICATE_LOG_LEVEL", "WARNING")
    results: list[ScenarioResult] = []
    failed = False
    for name in args.scenarios:
        print(f"== {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(SCENARIOS[name])
        try:
            results.append(module.run(opts))
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results.append(ScenarioResult(name, "failed", {}, skipped=f"error: {exc!r}"))
    json_path, md_path = write_reports(results, args.out, args.quick)
    print(md_path.read_text())
    print(f"reports: {json_path} {md_path}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
