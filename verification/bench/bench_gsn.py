"""Benchmark: the generated safety case, on this project and on a generated large one.

Prints one JSON object with wall and CPU seconds:

* ``project``: this repository's case after its evidence exists: the
  snapshot (sphinx-needs export and traces), the generation and checks of
  the GSN argument, and the rendering of every module to SVG with ``dot``
  (target: generation and rendering under 30 s);
* ``large``: a generated project of 10,000 needs and 50,000 evidence
  records (``--needs``, ``--records``): ``safety-case report`` and
  ``safety-case gate`` end to end, each with its own export of the needs
  as the commands do (target: both together under 60 s), and the same
  work without the exports (the toolkit's own share).

Run with ``python verification/bench/bench_gsn.py [--needs N] [--records M]
[--skip-project] [--skip-large]``. CPU time is reported because the
machine is shared; the wall time is what a user waits.
"""

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safety_case.cli import main as safety_case
from safety_case.evidence import EvidenceRecord, Method, Subject, ToolInfo, Verdict
from safety_case.fingerprint import code_unit_fingerprint
from safety_case.gsn import render_svg, to_dot
from safety_case.policy import load_policy
from safety_case.report import build_case, gate_reasons, write_reports
from safety_case.snapshot import take_snapshot

ROOT = Path(__file__).resolve().parents[2]
_PER_FILE = 100
_POLICY = """[safety_case]
requirements = "reqs"
code = ["pkg"]
tests = ["tests"]
"""


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(action: Callable[[], object]) -> tuple[dict[str, float], object]:
    wall, cpu = time.perf_counter(), _cpu()
    result = action()
    return {
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(_cpu() - cpu, 2),
    }, result


def _need(directive: str, need_id: str, fields: dict[str, str]) -> str:
    options = "".join(f"   :{k}: {v}\n" for k, v in fields.items())
    return f".. {directive}:: Generated {need_id}\n   :id: {need_id}\n{options}\n   Text.\n\n"


def generate_project(root: Path, total: int) -> list[tuple[str, str, Path]]:
    """Write ``total`` needs, one code unit and one test per SWR; return (swr, unit, file)."""
    counts = {"hazard": total // 100, "safety_goal": total // 100, "fsr": total // 20}
    counts["tsr"] = total // 5
    counts["swr"] = total - sum(counts.values())
    prefixes = {"hazard": "HAZ", "safety_goal": "SG", "fsr": "FSR", "tsr": "TSR", "swr": "SWR"}
    parent = {"safety_goal": "hazard", "fsr": "safety_goal", "tsr": "fsr", "swr": "tsr"}
    for folder in ("reqs", "pkg", "tests"):
        (root / folder).mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "safety_case.toml").write_text(_POLICY, encoding="utf-8")
    docs: list[str] = []
    units: list[tuple[str, str, Path]] = []
    for directive, count in counts.items():
        for start in range(0, count, _PER_FILE):
            text = f"{directive} {start}\n{'=' * 20}\n\n"
            code, tests = "", "import pytest\n\n"
            module = root / "pkg" / f"m_{start:05d}.py"
            for index in range(start, min(start + _PER_FILE, count)):
                need_id = f"{prefixes[directive]}_{index:05d}"
                fields = {"asil": "D"}
                if directive == "hazard":
                    fields.update(severity="S3", exposure="E4", controllability="C3")
                elif directive == "safety_goal":
                    fields.update(safe_state="off", ftti_ms="1000")
                if directive in parent:
                    up = parent[directive]
                    link = "mitigates" if directive == "safety_goal" else "satisfies"
                    fields[link] = f"{prefixes[up]}_{index % counts[up]:05d}"
                if directive == "swr":
                    code += f'def f_{index}():\n    """Implements: {need_id}"""\n\n\n'
                    tests += (
                        f'@pytest.mark.verifies("{need_id}")\ndef test_{index}():\n    pass\n\n\n'
                    )
                    units.append((need_id, f"pkg.m_{start:05d}.f_{index}", module))
                text += _need(directive, need_id, fields)
            name = f"{directive}_{start:05d}"
            (root / "reqs" / f"{name}.rst").write_text(text, encoding="utf-8")
            docs.append(name)
            if directive == "swr":
                module.write_text(code, encoding="utf-8")
                (root / "tests" / f"test_{start:05d}.py").write_text(tests, encoding="utf-8")
    index_text = "Generated\n=========\n\n.. toctree::\n\n" + "".join(f"   {d}\n" for d in docs)
    (root / "reqs" / "index.rst").write_text(index_text, encoding="utf-8")
    return units


def write_records(folder: Path, units: list[tuple[str, str, Path]], total: int) -> None:
    """``total`` records over the SWRs: mostly fresh passes, 1 % stale, 0.5 % failing."""
    folder.mkdir(parents=True)
    now = datetime.now(UTC)
    methods = (Method.REQUIREMENTS_BASED_TEST, Method.FAULT_INJECTION)
    prints: dict[str, str] = {}
    for number in range(total):
        need_id, unit, path = units[number % len(units)]
        if unit not in prints:
            prints[unit] = code_unit_fingerprint(path, unit, unit.rsplit(".", 1)[0]) or ""
        stale = number % 100 == 7
        record = EvidenceRecord(
            id=f"tests/test_gen.py::test_{number}",
            method=methods[(number // len(units)) % 2],
            requirement_ids=(need_id,),
            requirement_fingerprints={},
            subjects=(
                Subject(
                    qualified_name=unit,
                    path=path.name,
                    fingerprint="0" * 64 if stale else prints[unit],
                ),
            ),
            verdict=Verdict.FAIL if number % 200 == 3 else Verdict.PASS,
            tool=ToolInfo(name="pytest", version="8"),
            started_at=now,
            finished_at=now,
        )
        (folder / f"r{number:06d}.json").write_text(record.model_dump_json(), encoding="utf-8")


def _quiet(argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return safety_case(argv)


def bench_project() -> dict[str, Any]:
    """This repository's case: snapshot, generation with checks, rendering."""
    policy = load_policy(ROOT / "safety_case.toml")
    snapshot_time, snapshot = _timed(lambda: take_snapshot(policy))
    generation_time, case = _timed(lambda: build_case(policy, snapshot))  # type: ignore[arg-type]
    modules = case.argument.modules  # type: ignore[attr-defined]
    render_time, _ = _timed(lambda: [render_svg(to_dot(m)) for m in modules])
    return {
        "modules": len(modules),
        "elements": sum(len(m.elements) for m in modules),
        "records": len(case.evidence),  # type: ignore[attr-defined]
        "snapshot_export_and_traces": snapshot_time,
        "generation_and_checks": generation_time,
        "rendering_all_svgs": render_time,
        "generation_and_rendering_s": round(generation_time["wall_s"] + render_time["wall_s"], 2),
        "with_snapshot_s": round(
            snapshot_time["wall_s"] + generation_time["wall_s"] + render_time["wall_s"], 2
        ),
        "target_s": 30.0,
    }


def bench_large(needs: int, records: int) -> dict[str, Any]:
    """A generated project: report and gate end to end, and without the exports."""
    work = Path(tempfile.mkdtemp(prefix="bench_gsn_"))
    try:
        root = work / "project"
        units = generate_project(root, needs)
        write_records(root / "build" / "evidence", units, records)
        policy_file = str(root / "safety_case.toml")
        report_time, report_code = _timed(lambda: _quiet(["--policy", policy_file, "report"]))
        gate_time, gate_code = _timed(
            lambda: _quiet(["--policy", policy_file, "gate", "--max-reasons", "10"])
        )
        policy = load_policy(root / "safety_case.toml")
        snapshot_time, snapshot = _timed(lambda: take_snapshot(policy))
        case_time, case = _timed(lambda: build_case(policy, snapshot))  # type: ignore[arg-type]
        write_time, _ = _timed(lambda: write_reports(case, work / "out"))  # type: ignore[arg-type]
        reasons_time, reasons = _timed(lambda: gate_reasons(case))  # type: ignore[arg-type]
        return {
            "needs": len(case.needs),  # type: ignore[attr-defined]
            "records": len(case.evidence),  # type: ignore[attr-defined]
            "report_cli": {**report_time, "exit": report_code},
            "gate_cli": {**gate_time, "exit": gate_code},
            "report_and_gate_s": round(report_time["wall_s"] + gate_time["wall_s"], 2),
            "target_s": 60.0,
            "breakdown": {
                "snapshot_export_and_traces": snapshot_time,
                "read_judge_generate_check": case_time,
                "write_reports": write_time,
                "gate_reasons": reasons_time,
                "gate_reasons_count": len(reasons),  # type: ignore[arg-type]
            },
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Measure and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--skip-project", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
    }
    if not args.skip_project:
        result["project"] = bench_project()
    if not args.skip_large:
        result["large"] = bench_large(args.needs, args.records)
    result["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
