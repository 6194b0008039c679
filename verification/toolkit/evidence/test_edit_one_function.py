"""End to end: editing one function makes exactly the evidence resting on it stale.

Covers the property across record kinds, each made by its real producer on
a miniature project: test records from the pytest plugin
(``--safety-evidence``), structural-coverage records from an MC/DC report
measured by the same run (``--mcdc``, whose import hook fingerprints each
module as it instruments it) with coverage.py's statement and branch
figures, and static-analysis records from the subset checker, ruff
and the complexity check (mypy's records are built the same way and are
left out to keep this test fast; ``verification/toolkit/runners/test_units.py``
covers them); all collected into a bundle, then verified after an edit.
Editing the traced function ``high`` makes its tests' records and its
module's static and coverage records stale and nothing else; editing an
untraced helper of the same module makes the module's static and coverage
records stale (the tests' records rest on the traced units only); editing
``low`` in another module touches only its own evidence; editing one test
makes its own record stale and no other; a comment edit makes nothing stale.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from safety_case.evidence import collect_bundle, read_records, verify_bundle
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.runners.mcdc import coverage_records, read_report
from safety_case.runners.static import run_static
from safety_case.snapshot import take_snapshot

from .._limits_project import HIGH, LOW, REQUIREMENTS
from ..conftest import write_project

TESTS = """
import pytest

from pkg.high import high
from pkg.low import low


@pytest.mark.verifies("SWR_HIGH_001")
def test_high():
    assert high(5.0, True) == 4.25
    assert high(1.0, True) == 1.0
    assert high(5.0, False) == 5.0


@pytest.mark.verifies("SWR_LOW_001")
def test_low():
    assert low(1.0, True) == 2.5


@pytest.mark.verifies("SWR_HIGH_001", "SWR_LOW_001")
def test_both():
    assert high(3.0, True) == low(3.0, True)
"""
STATIC = ("safety-case-subset", "ruff", "ruff-mccabe")


def _module_evidence(name: str) -> set[str]:
    return {f"static:{tool}:pkg/{name}.py" for tool in STATIC} | {f"coverage:pkg/{name}.py"}


def _test_evidence(*names: str) -> set[str]:
    return {f"tests/test_pkg.py::test_{name}" for name in names}


def _run(command: list[str], root: Path) -> None:
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with every kind of record and a collected bundle (built once: it is slow)."""
    root = tmp_path_factory.mktemp("edit_one")
    write_project(
        root,
        {
            "reqs/index.rst": REQUIREMENTS,
            "pkg/__init__.py": '"""Package."""\n',
            "pkg/high.py": HIGH,
            "pkg/low.py": LOW,
            "tests/__init__.py": "",
            "tests/test_pkg.py": TESTS,
        },
    )
    pytest_run = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--safety-evidence=evidence"]
    mcdc = ["--mcdc=pkg", "--mcdc-report=build/mcdc.json", "tests"]
    coverage = [sys.executable, "-m", "coverage"]
    _run([*coverage, "run", "--branch", "--source=pkg", *pytest_run, *mcdc], root)
    _run([*coverage, "json", "-q", "-o", "build/coverage.json"], root)
    policy = load_policy(root / "safety_case.toml")
    needs_json = _needs_json(root)
    snapshot = take_snapshot(policy, needs_json)
    coverage_json = json.loads((root / "build" / "coverage.json").read_text(encoding="utf-8"))
    coverage_records(
        snapshot,
        read_report(root / "build" / "mcdc.json"),
        root / "evidence",
        coverage_json=coverage_json,
    )
    run_static(policy, snapshot, root / "evidence", tools=("subset", "ruff", "complexity"))
    collect_bundle(policy, snapshot, needs_json, root / "bundle", root / "evidence")
    return root


def _needs_json(root: Path) -> Path:
    """The requirement export (where the plugin's run left its build, so it is reused)."""
    policy = load_policy(root / "safety_case.toml")
    return export_needs(policy.path(policy.requirements), policy.path(policy.build_dir))


def _stale_after(project: Path, tmp_path: Path, relative: str, old: str, new: str) -> set[str]:
    root = tmp_path / "project"
    shutil.copytree(project, root)
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    policy = load_policy(root / "safety_case.toml")
    snapshot = take_snapshot(policy, _needs_json(root))
    report = verify_bundle(root / "bundle", policy, snapshot)
    assert report.sources.changed == (relative,)
    return set(report.stale)


def test_every_kind_of_record_is_made_and_fresh(project: Path) -> None:
    records, problems = read_records(project / "evidence")
    assert problems == []
    assert {r.id for r in records} == (
        _module_evidence("high") | _module_evidence("low") | _test_evidence("high", "low", "both")
    )
    coverage = next(r for r in records if r.id == "coverage:pkg/high.py")
    assert coverage.figures["statement_pct"] == 100.0
    measured = read_report(project / "build" / "mcdc.json")["modules"]["pkg.high"]
    assert coverage.subjects[0].qualified_name == "pkg.high"
    assert coverage.subjects[0].fingerprint == measured["fingerprint"]  # as instrumented
    policy = load_policy(project / "safety_case.toml")
    snapshot = take_snapshot(policy, _needs_json(project))
    assert verify_bundle(project / "bundle", policy, snapshot).stale == {}


def test_editing_a_traced_function_makes_exactly_its_evidence_stale(
    project: Path, tmp_path: Path
) -> None:
    stale = _stale_after(project, tmp_path, "pkg/high.py", "return value\n", "return -value\n")
    assert stale == _module_evidence("high") | _test_evidence("high", "both")


def test_editing_an_untraced_helper_makes_its_module_evidence_stale(
    project: Path, tmp_path: Path
) -> None:
    stale = _stale_after(project, tmp_path, "pkg/high.py", "enabled and value", "enabled or value")
    assert stale == _module_evidence("high")


def test_editing_a_function_of_another_module_leaves_this_one_fresh(
    project: Path, tmp_path: Path
) -> None:
    stale = _stale_after(project, tmp_path, "pkg/low.py", "value < 2.5", "value < 2.6")
    assert stale == _module_evidence("low") | _test_evidence("low", "both")


def test_editing_a_test_makes_exactly_its_own_record_stale(project: Path, tmp_path: Path) -> None:
    stale = _stale_after(
        project, tmp_path, "tests/test_pkg.py", "low(1.0, True) == 2.5", "low(1.0, True) >= 2.5"
    )
    assert stale == _test_evidence("low")


def test_a_comment_edit_makes_nothing_stale(project: Path, tmp_path: Path) -> None:
    stale = _stale_after(
        project, tmp_path, "pkg/high.py", "    return value\n", "    # as read\n    return value\n"
    )
    assert stale == set()
