"""Benchmark: the overhead of the MC/DC measurement on the BMS test suite.

Runs the BMS's tests (``verification/bms`` by default, or the paths given)
four ways, one process each, on a frozen copy of ``bms/`` and its tests (so
that edits made meanwhile do not skew the comparison): plain, with
``--mcdc=bms``, under coverage.py (branch), and under both. Prints JSON:
wall and CPU time of each run (the child's CPU time is less sensitive to a
loaded machine), the overhead ratios, the MC/DC figures, and whether
coverage.py's statement and branch totals are the same with and without the
MC/DC instrumentation (they must be: the rewrite keeps line numbers). The
JSON records the load average at the start so a reader can judge the timings.

Usage::

    .venv/bin/python verification/bench/bench_mcdc.py [TEST_PATHS ...]
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _run(arguments: list[str], out: Path, name: str) -> dict[str, Any]:
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        arguments, cwd=out / "tree", capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    (out / f"{name}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    summary = [line for line in result.stdout.splitlines() if " passed" in line or "failed" in line]
    return {
        "mode": name,
        "wall_s": round(elapsed, 2),
        "cpu_s": round(cpu_s, 2),
        "exit_code": result.returncode,
        "pytest_summary": summary[-1] if summary else result.stdout[-300:],
        "log": str(out / f"{name}.log"),
    }


def _coverage_totals(data_file: Path) -> dict[str, int]:
    report = data_file.with_suffix(".json")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "json",
            f"--data-file={data_file}",
            "-q",
            "-o",
            str(report),
        ],
        cwd=data_file.parent / "tree",
        check=True,
    )
    totals = json.loads(report.read_text(encoding="utf-8"))["totals"]
    keys = ("num_statements", "covered_lines", "num_branches", "covered_branches")
    return {key: int(totals[key]) for key in keys}


def _frozen_copy(out: Path) -> Path:
    """A copy of the code and its tests, so that edits made meanwhile do not skew the runs."""
    copy = out / "tree"
    shutil.copytree(ROOT / "bms", copy / "bms", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "verification").mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "verification").glob("*.*"):  # conftest, profiles, justifications
        if path.is_file():
            shutil.copy2(path, copy / "verification" / path.name)
    shutil.copytree(
        ROOT / "verification" / "bms",
        copy / "verification" / "bms",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "docs" / "_schemas", copy / "docs" / "_schemas")  # published schemas
    for name in ("pyproject.toml", "safety_case.toml"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


def main(paths: list[str]) -> dict[str, Any]:
    """Run the four modes on a frozen copy of the tree and return the figures."""
    tests = paths or ["verification/bms"]
    out = Path(tempfile.mkdtemp(prefix="bench-mcdc-"))
    tree = _frozen_copy(out)
    # A fixed hypothesis seed: every mode runs the same examples, so coverage can be compared.
    pytest = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0",
        *tests,
    ]  # fmt: skip
    mcdc = ["--mcdc=bms", f"--mcdc-report={out / 'mcdc.json'}"]

    def coverage(name: str) -> list[str]:
        data = f"--data-file={out / f'{name}.coverage'}"
        return [sys.executable, "-m", "coverage", "run", data, "--branch", "--source=bms", "-m"]

    load = os.getloadavg()[0]
    runs = [
        _run(pytest, out, "plain"),
        _run([*pytest, *mcdc], out, "mcdc"),
        _run([*coverage("coverage"), *pytest[2:]], out, "coverage"),
        _run([*coverage("both"), *pytest[2:], *mcdc], out, "coverage_and_mcdc"),
    ]
    broken = [f"{run['mode']}: see {run['log']}" for run in runs if run["exit_code"] != 0]
    if broken:
        raise SystemExit("bench_mcdc: a test run failed, no figures: " + "; ".join(broken))
    wall = {run["mode"]: run["wall_s"] for run in runs}
    cpu = {run["mode"]: run["cpu_s"] for run in runs}
    mcdc_report = json.loads((out / "mcdc.json").read_text(encoding="utf-8"))
    with_mcdc = _coverage_totals(out / "both.coverage")
    without = _coverage_totals(out / "coverage.coverage")
    return {
        "tests": tests,
        "tree": str(tree),
        "load_average_1min_at_start": round(load, 2),
        "cpu_count": os.cpu_count(),
        "runs": runs,
        "cpu_overhead": {
            "mcdc_vs_plain": round(cpu["mcdc"] / cpu["plain"], 2),
            "coverage_vs_plain": round(cpu["coverage"] / cpu["plain"], 2),
            "coverage_and_mcdc_vs_coverage": round(cpu["coverage_and_mcdc"] / cpu["coverage"], 2),
        },
        "wall_overhead": {
            "mcdc_vs_plain": round(wall["mcdc"] / wall["plain"], 2),
            "coverage_vs_plain": round(wall["coverage"] / wall["plain"], 2),
            "coverage_and_mcdc_vs_coverage": round(wall["coverage_and_mcdc"] / wall["coverage"], 2),
        },
        "mcdc_figures": mcdc_report["figures"],
        "coverage_totals_without_mcdc": without,
        "coverage_totals_with_mcdc": with_mcdc,
        "coverage_structure_unchanged_by_instrumentation": all(
            with_mcdc[key] == without[key] for key in ("num_statements", "num_branches")
        ),
        "coverage_unchanged_by_instrumentation": with_mcdc == without,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
