"""Tests of safety_case/runners/mcdc/_evidence.py: MC/DC and coverage.py figures as records.

Covers: one structural_coverage record per measured module with traced
units (none for an untraced one); an ASIL D module with an uncovered
condition fails and lists the gap; the same module passes when the gap has
a written justification (keyed by function and condition text); an
unused justification is reported; a QM module passes with its gap
unlisted; a module tracing to an unknown requirement is judged as
required (fail-safe); masking as the criterion; coverage.py's statement and branch
figures land in the record; a malformed justification file gives a message
naming the file, the entry and the field.
"""

import ast
from pathlib import Path
from typing import Any

import pytest

from safety_case.evidence import Method, Verdict
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.runners.mcdc import (
    UNKNOWN_ASIL,
    Criterion,
    Justification,
    Measurement,
    build_report,
    coverage_records,
    instrument,
    load_justifications,
)
from safety_case.snapshot import Snapshot, take_snapshot

from ...conftest import write_project

REQUIREMENTS = """
Requirements
============

.. swr:: Decide
   :id: SWR_DECIDE_001
   :asil: D

   Decide.

.. swr:: Comfort
   :id: SWR_COMFORT_001
   :asil: QM

   Comfort.
"""
DECIDE = '''
def decide(a, b, c):
    """Implements: SWR_DECIDE_001"""
    return (a and b) or c
'''
COMFORT = '''
def comfort(a, b):
    """Implements: SWR_COMFORT_001"""
    return a or b
'''
ORPHAN = '''
def orphan(a, b):
    """Implements: SWR_GHOST_001"""
    return a and not b
'''
HELPER = """
def helper(a, b):
    return a and b
"""
T, F = True, False


def _measure(root: Path) -> dict[str, Any]:
    measurement = Measurement()
    calls: dict[str, tuple[str, list[tuple[bool, ...]]]] = {
        "pkg.decide": ("decide", [(T, F, T), (F, T, F)]),  # only c shown, and only by masking
        "pkg.comfort": ("comfort", [(T, F)]),
        "pkg.helper": ("helper", [(T, T)]),
        "pkg.orphan": ("orphan", [(T, T)]),
    }
    for module, (function, vectors) in calls.items():
        path = root / "pkg" / f"{module.split('.')[1]}.py"
        tree, decisions = instrument(ast.parse(path.read_text(encoding="utf-8")), module)
        data = measurement.add_module(module, str(path), decisions)
        namespace: dict[str, Any] = dict(measurement.helpers(data))
        exec(compile(tree, str(path), "exec"), namespace)
        for vector in vectors:
            namespace[function](*vector)
    return build_report(measurement)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot, dict[str, Any]]:
    root = tmp_path_factory.mktemp("coverage")
    write_project(
        root,
        {
            "reqs/index.rst": REQUIREMENTS,
            "pkg/__init__.py": "",
            "pkg/decide.py": DECIDE,
            "pkg/comfort.py": COMFORT,
            "pkg/helper.py": HELPER,
            "pkg/orphan.py": ORPHAN,
            "tests/__init__.py": "",
        },
    )
    policy = load_policy(root / "safety_case.toml")
    snapshot = take_snapshot(policy, export_needs(root / "reqs", root / "build"))
    return root, snapshot, _measure(root)


COVERAGE_JSON = {
    "files": {
        "pkg/decide.py": {
            "summary": {
                "num_statements": 4,
                "covered_lines": 3,
                "num_branches": 2,
                "covered_branches": 1,
            }
        }
    }
}


def test_asil_d_gap_fails_and_is_listed(
    project: tuple[Path, Snapshot, dict[str, Any]], tmp_path: Path
) -> None:
    _, snapshot, report = project
    outcome = coverage_records(snapshot, report, tmp_path, coverage_json=COVERAGE_JSON)
    by_id = {r.id: r for r in outcome.records}
    assert set(by_id) == {
        "coverage:pkg/decide.py",
        "coverage:pkg/comfort.py",
        "coverage:pkg/orphan.py",
    }
    decide = by_id["coverage:pkg/decide.py"]
    assert (decide.method, decide.verdict) == (Method.STRUCTURAL_COVERAGE, Verdict.FAIL)
    assert decide.figures["asil"] == "D"
    assert decide.figures["unjustified_conditions"] == 3
    assert decide.figures["statement_pct"] == 75.0
    assert decide.figures["branch_pct"] == 50.0
    assert [(g.function, g.condition, g.justification) for g in outcome.gaps] == [
        ("pkg.decide.decide", "a", None),
        ("pkg.decide.decide", "b", None),
        ("pkg.decide.decide", "c", None),
        ("pkg.orphan.orphan", "a", None),
        ("pkg.orphan.orphan", "b", None),
    ]
    orphan = by_id["coverage:pkg/orphan.py"]
    assert (orphan.verdict, orphan.figures["asil"]) == (Verdict.FAIL, UNKNOWN_ASIL)
    comfort = by_id["coverage:pkg/comfort.py"]
    assert (comfort.verdict, comfort.figures["asil"], comfort.figures["mcdc_required"]) == (
        Verdict.PASS,
        "QM",
        0,
    )
    assert outcome.untraced == ("pkg/helper.py",)


def test_masking_and_justifications_close_the_gaps(
    project: tuple[Path, Snapshot, dict[str, Any]], tmp_path: Path
) -> None:
    _, snapshot, report = project
    reason = "a and b are exercised together by the interface tests of the caller"
    justifications = [
        Justification(function="pkg.decide.decide", condition="a", reason=reason),
        Justification(function="pkg.decide.decide", condition="b", reason=reason),
        Justification(function="pkg.decide.decide", condition="gone", reason=reason),
    ]
    outcome = coverage_records(
        snapshot, report, tmp_path, justifications=justifications, criterion=Criterion.MASKING
    )
    decide = next(r for r in outcome.records if r.id == "coverage:pkg/decide.py")
    assert decide.verdict is Verdict.PASS
    assert decide.figures["justified_conditions"] == 2
    assert [g.condition for g in outcome.gaps] == ["a", "b", "a", "b"]
    assert [j.condition for j in outcome.unused_justifications] == ["gone"]


def test_justification_file_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "j.toml"
    path.write_text('[[justification]]\nfunction = "m.f"\ncondition = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"j\.toml: justification\.0\.reason: Field required"):
        load_justifications(path)
    path.write_text(
        '[[justification]]\nfunction = "m.f"\ncondition = "x"\nreason = "long enough reason"\n',
        encoding="utf-8",
    )
    assert load_justifications(path)[0].condition == "x"
