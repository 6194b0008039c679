"""Tests of safety_case/runners/_units.py: static and coverage records rest on their module.

Covers: every static-analysis record (subset checker, mypy --strict, ruff,
complexity) and every structural-coverage record (MC/DC with coverage.py's
figures) carries a subject for the whole module it judges, with the
fingerprint :func:`safety_case.fingerprint.code_unit_fingerprint` gives the
module, beside the module's traced units; editing one function (traced or
an untraced helper) or a module-level constant makes exactly the records of
that module stale, naming the module, and leaves the other module's records
fresh; a comment-only edit makes nothing stale; a removed module file is
named; without the project root a module subject cannot be judged and says
so; an edit in place is seen at once (no cache hides it); a coverage record
rests on the source the run measured, so code edited between the
measurement and the conversion gives a record stale at once.
"""

import ast
import shutil
from pathlib import Path
from typing import Any

import pytest

from safety_case.evidence import EvidenceRecord, Method, stale_reasons
from safety_case.fingerprint import code_unit_fingerprint
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.runners.mcdc import Measurement, build_report, coverage_records, instrument
from safety_case.runners.static import run_static
from safety_case.snapshot import take_snapshot

from .._limits_project import HIGH, LOW, REQUIREMENTS
from ..conftest import write_project

T, F = True, False
HIGH_RECORDS = {
    "static:safety-case-subset:pkg/high.py",
    "static:mypy:pkg/high.py",
    "static:ruff:pkg/high.py",
    "static:ruff-mccabe:pkg/high.py",
    "coverage:pkg/high.py",
}
LOW_RECORDS = {r.replace("high", "low") for r in HIGH_RECORDS}

Project = tuple[Path, Path, list[EvidenceRecord]]


def _mcdc_report(root: Path) -> dict[str, Any]:
    """Instrument both modules and call them, as the import hook does under pytest."""
    measurement = Measurement()
    calls = {"high": ("high", [(5.0, T), (1.0, T), (5.0, F)]), "low": ("low", [(1.0, T)])}
    for module, (function, arguments) in calls.items():
        path = root / "pkg" / f"{module}.py"
        name = f"pkg.{module}"
        fingerprint = code_unit_fingerprint(path, name, name)
        tree, decisions = instrument(ast.parse(path.read_text(encoding="utf-8")), name)
        data = measurement.add_module(name, str(path), decisions, fingerprint)
        namespace: dict[str, Any] = dict(measurement.helpers(data))
        exec(compile(tree, str(path), "exec"), namespace)
        for argument in arguments:
            namespace[function](*argument)
    return build_report(measurement)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A two-module project with its static and coverage records (built once: tools are slow)."""
    root = tmp_path_factory.mktemp("units")
    write_project(
        root,
        {
            "reqs/index.rst": REQUIREMENTS,
            "pkg/__init__.py": '"""Package."""\n',
            "pkg/high.py": HIGH,
            "pkg/low.py": LOW,
            "tests/__init__.py": "",
        },
    )
    policy = load_policy(root / "safety_case.toml")
    needs_json = export_needs(root / "reqs", root / "build")
    snapshot = take_snapshot(policy, needs_json)
    static = run_static(policy, snapshot, root / "evidence")
    coverage = coverage_records(snapshot, _mcdc_report(root), root / "evidence")
    return root, needs_json, [*static.records, *coverage.records]


def _stale_after(
    project: Project, tmp_path: Path, edits: dict[str, tuple[str, str]]
) -> dict[str, list[str]]:
    """Copy the project, apply ``{file: (old, new)}`` and judge every record against it."""
    original, needs_json, records = project
    root = tmp_path / "project"
    shutil.copytree(original, root, ignore=shutil.ignore_patterns("build", "evidence"))
    for relative, (old, new) in edits.items():
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    after = take_snapshot(load_policy(root / "safety_case.toml"), needs_json)
    implemented = {u.qualified_name: u.requirement_ids for u in after.code_units}
    judged = {
        r.id: stale_reasons(
            r,
            after.code_fingerprints,
            after.requirement_fingerprints,
            root=root,
            implemented=implemented,
        )
        for r in records
    }
    return {record_id: reasons for record_id, reasons in judged.items() if reasons}


def test_records_rest_on_the_whole_module_and_its_traced_units(project: Project) -> None:
    root, _, records = project
    assert {r.id for r in records} == HIGH_RECORDS | LOW_RECORDS
    module_fingerprint = code_unit_fingerprint(root / "pkg" / "high.py", "pkg.high", "pkg.high")
    assert module_fingerprint is not None
    for record in records:
        name = "high" if "high" in record.id else "low"
        assert [(s.qualified_name, s.path) for s in record.subjects] == [
            (f"pkg.{name}", f"pkg/{name}.py"),
            (f"pkg.{name}.{name}", f"pkg/{name}.py"),
        ]
        assert all(len(s.fingerprint) == 64 for s in record.subjects)
        assert record.method in {Method.STATIC_ANALYSIS, Method.STRUCTURAL_COVERAGE}
    coverage = next(r for r in records if r.id == "coverage:pkg/high.py")
    assert coverage.subjects[0].fingerprint == module_fingerprint


def test_fresh_records_stay_fresh(project: Project, tmp_path: Path) -> None:
    assert _stale_after(project, tmp_path, {}) == {}


def test_editing_a_traced_function_makes_exactly_its_module_records_stale(
    project: Project, tmp_path: Path
) -> None:
    stale = _stale_after(project, tmp_path, {"pkg/high.py": ("return value\n", "return -value\n")})
    assert set(stale) == HIGH_RECORDS
    for reasons in stale.values():
        assert reasons == [
            "module pkg.high changed since the run",
            "code unit pkg.high.high changed since the run",
        ]


def test_editing_an_untraced_helper_makes_its_module_records_stale(
    project: Project, tmp_path: Path
) -> None:
    stale = _stale_after(
        project, tmp_path, {"pkg/high.py": ("enabled and value >", "enabled or value >")}
    )
    assert set(stale) == HIGH_RECORDS
    assert {tuple(r) for r in stale.values()} == {("module pkg.high changed since the run",)}


def test_editing_a_module_constant_makes_its_module_records_stale(
    project: Project, tmp_path: Path
) -> None:
    stale = _stale_after(project, tmp_path, {"pkg/high.py": ("LIMIT_V = 4.25", "LIMIT_V = 4.3")})
    assert set(stale) == HIGH_RECORDS


def test_editing_the_other_module_leaves_these_records_fresh(
    project: Project, tmp_path: Path
) -> None:
    stale = _stale_after(project, tmp_path, {"pkg/low.py": ("< 2.5", "< 2.6")})
    assert set(stale) == LOW_RECORDS


def test_a_comment_or_blank_line_changes_nothing(project: Project, tmp_path: Path) -> None:
    edit = ("    return value\n", "    # the value as read\n\n    return value\n")
    assert _stale_after(project, tmp_path, {"pkg/high.py": edit, "pkg/low.py": edit}) == {}


def test_a_removed_module_file_is_named(project: Project, tmp_path: Path) -> None:
    _, _, records = project
    record = next(r for r in records if r.id == "static:ruff:pkg/low.py")
    reasons = stale_reasons(record, {}, dict(record.requirement_fingerprints), root=tmp_path)
    assert reasons[0] == "module pkg.low no longer exists: its file pkg/low.py is gone"


def test_without_the_root_a_module_cannot_be_judged(project: Project) -> None:
    _, _, records = project
    record = next(r for r in records if r.id == "coverage:pkg/low.py")
    fingerprints = {s.qualified_name: s.fingerprint for s in record.subjects[1:]}
    reasons = stale_reasons(record, fingerprints, dict(record.requirement_fingerprints))
    assert reasons == ["module pkg.low cannot be judged without the project root (pkg/low.py)"]


def test_an_edit_in_place_is_seen_at_once(project: Project, tmp_path: Path) -> None:
    """Judging, editing the same file (same size, same second) and judging again: stale."""
    original, needs_json, records = project
    root = tmp_path / "project"
    shutil.copytree(original, root, ignore=shutil.ignore_patterns("build", "evidence"))
    after = take_snapshot(load_policy(root / "safety_case.toml"), needs_json)
    record = next(r for r in records if r.id == "static:ruff:pkg/high.py")

    def judge() -> list[str]:
        return stale_reasons(
            record, after.code_fingerprints, after.requirement_fingerprints, root=root
        )

    assert judge() == []
    path = root / "pkg" / "high.py"
    path.write_text(HIGH.replace("LIMIT_V = 4.25", "LIMIT_V = 4.35"), encoding="utf-8")
    assert judge() == ["module pkg.high changed since the run"]


def test_a_coverage_record_rests_on_the_code_that_was_measured(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_project(
        root,
        {
            "reqs/index.rst": REQUIREMENTS,
            "pkg/__init__.py": "",
            "pkg/high.py": HIGH,
            "pkg/low.py": LOW,
        },
    )
    report = _mcdc_report(root)
    assert report["modules"]["pkg.low"]["fingerprint"] == code_unit_fingerprint(
        root / "pkg" / "low.py", "pkg.low", "pkg.low"
    )
    path = root / "pkg" / "high.py"
    path.write_text(HIGH.replace("return value\n", "return -value\n"), encoding="utf-8")
    snapshot = take_snapshot(
        load_policy(root / "safety_case.toml"), export_needs(root / "reqs", root / "build")
    )
    outcome = coverage_records(snapshot, report, tmp_path / "evidence")
    stale = {
        r.id: stale_reasons(
            r, snapshot.code_fingerprints, snapshot.requirement_fingerprints, root=root
        )
        for r in outcome.records
    }
    assert stale == {
        "coverage:pkg/high.py": ["module pkg.high changed since the run"],
        "coverage:pkg/low.py": [],
    }
