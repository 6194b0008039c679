"""Benchmark: ``safety-case check`` on a generated project of 10,000 needs.

Prints one JSON object: the time of sphinx-needs' own ``needs`` builder on
the generated sources (fresh, ``sphinx-build -b needs`` in a new process),
the time of the toolkit's export alone (fresh, in this process), the time
of a full ``check`` (fresh: export, schema validation, traces, rules),
the ratio of the check to the needs builder (target <= 1.2), and the
time of a re-check after editing one requirement file (target < 3 s), with
Sphinx's persistent environment making the export incremental (the build
runs in the calling process; sphinx-needs' schema validation and the export
of the needs are redone only for the needs the edit can affect), and after
editing one code file (the export is skipped: no requirement source changed;
the traces of the unchanged Python files come from the last check's cache).
The same one-file re-check is also timed as a ``safety-case check`` command
in a new process (``recheck_after_one_edit_cli``: interpreter start-up and
imports included).
The check takes the needs in memory; ``needs_json_lazy_write`` is what the
first later ``export_needs`` pays to write ``needs.json`` from the kept export.

The watch mode (``safety-case check --watch``, :class:`safety_case.rules.Checker`
keeping the Sphinx application and environment in memory) is timed last:
``watch_first_check`` (start and load, nothing changed), two re-checks after
editing one requirement file each (``watch_recheck_after_one_edit`` is the
slower of the two, both are listed) and one after editing a code file. Every
check runs every rule over the whole project. What the watch loop does while
it waits (``watch_idle_settle_after_each_check``: a garbage collection) and
when it stops (``watch_close_saving_environment``: the deferred environment
save) is timed apart.
Wall and CPU times are both given: CPU time stays meaningful when the
machine is shared. Run with
``nox -s bench_needs`` or ``python verification/bench/bench_needs.py [--needs N]``.

The generated project: hazards, goals, FSRs, TSRs and SWRs in files of 100
needs each (a chain in which every level satisfies the one above), one code
module and one test module per SWR file with a traced function and test
per SWR.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safety_case.needs import export_needs
from safety_case.policy import Policy, load_policy
from safety_case.rules import Checker, CheckReport, check_project

_PER_FILE = 100
_POLICY = """[safety_case]
requirements = "reqs"
code = ["pkg"]
tests = ["tests"]
"""


def _need(directive: str, need_id: str, fields: dict[str, str]) -> str:
    options = "".join(f"   :{k}: {v}\n" for k, v in fields.items())
    head = f".. {directive}:: Generated {need_id}\n   :id: {need_id}\n"
    return f"{head}{options}\n   Text of {need_id}.\n\n"


def generate(root: Path, total: int) -> Path:
    """Write a project of ``total`` needs under ``root``; return the SWR file to edit."""
    counts = {"hazard": total // 100, "safety_goal": total // 100}
    counts["fsr"] = total // 20
    counts["tsr"] = total // 5
    counts["swr"] = total - sum(counts.values())
    prefixes = {"hazard": "HAZ", "safety_goal": "SG", "fsr": "FSR", "tsr": "TSR", "swr": "SWR"}
    parent = {"safety_goal": "hazard", "fsr": "safety_goal", "tsr": "fsr", "swr": "tsr"}
    (root / "reqs").mkdir(parents=True)
    (root / "pkg").mkdir()
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "safety_case.toml").write_text(_POLICY, encoding="utf-8")
    docs: list[str] = []
    for directive, count in counts.items():
        for start in range(0, count, _PER_FILE):
            text = f"{directive} {start}\n{'=' * 20}\n\n"
            code, tests = "", "import pytest\n\n"
            for index in range(start, min(start + _PER_FILE, count)):
                need_id = f"{prefixes[directive]}_{index:05d}"
                fields = {"asil": "B"}
                if directive == "hazard":
                    fields.update(severity="S2", exposure="E4", controllability="C2")
                elif directive == "safety_goal":
                    fields.update(safe_state="off", ftti_ms="1000")
                if directive in parent:
                    up = parent[directive]
                    link = "mitigates" if directive == "safety_goal" else "satisfies"
                    fields[link] = f"{prefixes[up]}_{index % counts[up]:05d}"
                if directive == "swr":
                    fields["verification"] = "requirements_based_test"
                    code += f'def f_{index}():\n    """Implements: {need_id}"""\n\n\n'
                    tests += (
                        f'@pytest.mark.verifies("{need_id}")\ndef test_{index}():\n    pass\n\n\n'
                    )
                text += _need(directive, need_id, fields)
            name = f"{directive}_{start:05d}"
            (root / "reqs" / f"{name}.rst").write_text(text, encoding="utf-8")
            docs.append(name)
            if directive == "swr":
                (root / "pkg" / f"m_{start:05d}.py").write_text(code, encoding="utf-8")
                (root / "tests" / f"test_{start:05d}.py").write_text(tests, encoding="utf-8")
    index_text = "Generated\n=========\n\n.. toctree::\n\n" + "".join(f"   {d}\n" for d in docs)
    (root / "reqs" / "index.rst").write_text(index_text, encoding="utf-8")
    return root / "reqs" / f"swr_{0:05d}.rst"


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(action: Callable[[], object]) -> tuple[float, float, object]:
    """Wall and CPU seconds of ``action`` (CPU time is robust when the machine is shared)."""
    wall, cpu = time.perf_counter(), _cpu()
    result = action()
    return time.perf_counter() - wall, _cpu() - cpu, result


def main() -> None:
    """Generate, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_needs_"))
    try:
        edited = generate(work / "project", args.needs)
        root = work / "project"
        policy = load_policy(root / "safety_case.toml")
        stock = [sys.executable, "-m", "sphinx", "-b", "needs", "-q", "-C", "-D"]
        stock += ["extensions=safety_case.sphinx", str(root / "reqs"), str(work / "stock")]
        builder = _timed(lambda: subprocess.run(stock, capture_output=True, check=True))
        export = _timed(lambda: export_needs(root / "reqs", work / "builder_only"))
        full = _timed(lambda: check_project(policy))
        unchanged = _timed(lambda: check_project(policy))
        text = edited.read_text(encoding="utf-8")
        edited.write_text(text.replace("Text of SWR_00000.", "Edited text."), encoding="utf-8")
        edit = _timed(lambda: check_project(policy))
        code_file = root / "pkg" / "m_00000.py"
        code_file.write_text(code_file.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
        code_edit = _timed(lambda: check_project(policy))
        edited.write_text(text.replace("Text of SWR_00001.", "Edited again."), encoding="utf-8")
        command = [sys.executable, "-m", "safety_case", "--policy", str(root / "safety_case.toml")]
        command.append("check")
        cli_edit = _timed(lambda: subprocess.run(command, capture_output=True, check=False))
        build_dir = policy.path(policy.build_dir)
        lazy = _timed(lambda: export_needs(root / "reqs", build_dir))
        watched = _watch(policy, edited, code_file)
        report = full[2]
        assert isinstance(report, CheckReport)
        result = {
            "needs": report.needs,
            "findings": len(report.findings),
            "needs_builder_fresh": {"wall_s": round(builder[0], 2), "cpu_s": round(builder[1], 2)},
            "export_needs_fresh": {"wall_s": round(export[0], 2), "cpu_s": round(export[1], 2)},
            "check_fresh": {"wall_s": round(full[0], 2), "cpu_s": round(full[1], 2)},
            "ratio_check_to_builder_wall": round(full[0] / builder[0], 3),
            "ratio_check_to_builder_cpu": round(full[1] / builder[1], 3),
            "ratio_target": 1.2,
            "recheck_unchanged": {
                "wall_s": round(unchanged[0], 2),
                "cpu_s": round(unchanged[1], 2),
            },
            "recheck_after_one_edit": {"wall_s": round(edit[0], 2), "cpu_s": round(edit[1], 2)},
            "recheck_after_one_code_edit": {
                "wall_s": round(code_edit[0], 2),
                "cpu_s": round(code_edit[1], 2),
            },
            "recheck_after_one_edit_cli": {
                "wall_s": round(cli_edit[0], 2),
                "cpu_s": round(cli_edit[1], 2),
            },
            "needs_json_lazy_write": {"wall_s": round(lazy[0], 2), "cpu_s": round(lazy[1], 2)},
            **watched,
            "recheck_target_s": 3.0,
            "python_startup_s": _startup(),
            "bytecode_cache": not os.environ.get("PYTHONDONTWRITEBYTECODE"),
            "cpus": os.cpu_count(),
            "load_average_1min": os.getloadavg()[0],
            "python": platform.python_version(),
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _watch(policy: Policy, edited: Path, code_file: Path) -> dict[str, Any]:
    """Times of the watch mode's checks: first, two after a requirement edit, one after code."""
    checker = Checker(policy)
    settles = []  # what the watch loop does while it waits, after each check (untimed there)
    try:
        first = _timed(checker.check)
        settles.append(_timed(checker.settle))
        edits = []
        for number in (2, 3):
            text = edited.read_text(encoding="utf-8")
            new = text.replace(f"Text of SWR_0000{number}.", f"Watched edit {number}.")
            edited.write_text(new, encoding="utf-8")
            edits.append(_timed(checker.check))
            settles.append(_timed(checker.settle))
        code_file.write_text(code_file.read_text(encoding="utf-8") + "\n# watched\n", "utf-8")
        code = _timed(checker.check)
        closing = _timed(checker.close)  # saves the environment and the export
    finally:
        checker.close()
    findings = {len(t[2].findings) for t in (first, *edits, code) if isinstance(t[2], CheckReport)}
    slowest = max(edits, key=lambda t: t[1])
    return {
        "watch_first_check": _figures(first),
        "watch_recheck_after_one_edit": _figures(slowest),
        "watch_recheck_after_one_edit_each": [_figures(t) for t in edits],
        "watch_recheck_after_one_code_edit": _figures(code),
        "watch_idle_settle_after_each_check": [_figures(t) for t in settles],
        "watch_close_saving_environment": _figures(closing),
        "watch_findings": sorted(findings),
    }


def _figures(timed: tuple[float, float, object]) -> dict[str, float]:
    return {"wall_s": round(timed[0], 2), "cpu_s": round(timed[1], 2)}


def _startup() -> dict[str, float]:
    """Seconds to start Python and import Sphinx with sphinx-needs (the export's fixed cost)."""
    wall, cpu, _ = _timed(
        lambda: subprocess.run(
            [sys.executable, "-c", "import sphinx.application, sphinx_needs.needs"], check=True
        )
    )
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


if __name__ == "__main__":
    main()
