"""Tests of safety_case/evidence/_staleness.py on a real requirement export.

Covers the foundation slice's promise: evidence written for a requirement
goes stale when the function that implements it changes or when the
requirement's text changes, and stays fresh when an unrelated function or
only a comment changes. Each reason says precisely what happened: the
unit's file removed, the unit removed or renamed, only its ``Implements:``
tag removed, its tag naming another requirement, or its content changed;
without the project root the reason names the possibilities. A function
without a trace that a record rests on is judged from its file: fresh
while unchanged, stale once edited.
"""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_case.evidence import (
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
    record_from_test,
    stale_reasons,
)
from safety_case.fingerprint import code_unit_fingerprint
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.snapshot import take_snapshot

from ..conftest import write_project

REQUIREMENTS = {
    "reqs/index.rst": """
        Requirements
        ============

        .. swr:: Limit the thing
           :id: SWR_LIMIT_001
           :asil: D

           The thing shall stay below 4.25 V.
    """,
}
CODE = '''
def limit(value):
    """Implements: SWR_LIMIT_001"""
    return min(value, 4.25)


def unrelated():
    return 1
'''


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, EvidenceRecord]:
    """A project, its needs export and a record against it (built once: exports are slow)."""
    root = tmp_path_factory.mktemp("baseline")
    write_project(root, {**REQUIREMENTS, "pkg/__init__.py": "", "pkg/mod.py": CODE})
    policy = load_policy(root / "safety_case.toml")
    needs_json = export_needs(root / "reqs", root / "build")
    now = datetime.now(UTC)
    record = record_from_test(
        test_id="tests/test_mod.py::test_limit",
        outcome="passed",
        requirement_ids=["SWR_LIMIT_001"],
        method=Method.REQUIREMENTS_BASED_TEST,
        snapshot=take_snapshot(policy, needs_json),
        tool=ToolInfo(name="pytest", version="x"),
        started_at=now,
        finished_at=now,
        duration_s=0.0,
    )
    assert [s.qualified_name for s in record.subjects] == ["pkg.mod.limit"]
    assert record.requirement_fingerprints.keys() == {"SWR_LIMIT_001"}
    return root, needs_json, record


def _stale_after_edit(
    baseline: tuple[Path, Path, EvidenceRecord],
    tmp_path: Path,
    relative: str,
    old: str,
    new: str,
    *,
    precise: bool = False,
) -> list[str]:
    original, needs_json, record = baseline
    project = tmp_path / "project"
    shutil.copytree(original, project, ignore=shutil.ignore_patterns("build"))
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    policy = load_policy(project / "safety_case.toml")
    requirements_edited = relative.endswith(".rst")
    after = take_snapshot(policy, None if requirements_edited else needs_json)
    if not precise:
        return stale_reasons(record, after.code_fingerprints, after.requirement_fingerprints)
    return stale_reasons(
        record,
        after.code_fingerprints,
        after.requirement_fingerprints,
        root=project,
        implemented={u.qualified_name: u.requirement_ids for u in after.code_units},
    )


Baseline = tuple[Path, Path, EvidenceRecord]


def test_editing_the_implementing_function_makes_evidence_stale(
    baseline: Baseline, tmp_path: Path
) -> None:
    reasons = _stale_after_edit(
        baseline, tmp_path, "pkg/mod.py", "min(value, 4.25)", "min(value, 4.3)"
    )
    assert reasons == ["code unit pkg.mod.limit changed since the run"]


def test_editing_the_requirement_makes_evidence_stale(baseline: Baseline, tmp_path: Path) -> None:
    reasons = _stale_after_edit(baseline, tmp_path, "reqs/index.rst", "below 4.25 V", "below 4.3 V")
    assert reasons == ["requirement SWR_LIMIT_001 changed since the run"]


def test_removing_the_function_makes_evidence_stale(baseline: Baseline, tmp_path: Path) -> None:
    reasons = _stale_after_edit(baseline, tmp_path, "pkg/mod.py", "def limit(", "def renamed(")
    assert reasons == [
        "code unit pkg.mod.limit is no longer traced: removed, renamed, or its "
        "Implements: tag was removed (pkg/mod.py)"
    ]


def test_a_renamed_function_is_reported_as_gone_from_its_file(
    baseline: Baseline, tmp_path: Path
) -> None:
    reasons = _stale_after_edit(
        baseline, tmp_path, "pkg/mod.py", "def limit(", "def renamed(", precise=True
    )
    assert reasons == [
        "code unit pkg.mod.limit no longer exists: pkg/mod.py does not define it "
        "(removed or renamed)"
    ]


def test_a_removed_tag_is_not_reported_as_a_removed_unit(
    baseline: Baseline, tmp_path: Path
) -> None:
    reasons = _stale_after_edit(
        baseline,
        tmp_path,
        "pkg/mod.py",
        '"""Implements: SWR_LIMIT_001"""',
        '"""Limit."""',
        precise=True,
    )
    assert reasons == [
        "code unit pkg.mod.limit changed and traces to no requirement: it still exists in "
        "pkg/mod.py without an Implements: tag (removed, or never there)"
    ]


def test_a_changed_unit_whose_tag_names_another_requirement_says_which_it_lacks(
    baseline: Baseline, tmp_path: Path
) -> None:
    reasons = _stale_after_edit(
        baseline,
        tmp_path,
        "pkg/mod.py",
        "Implements: SWR_LIMIT_001",
        "Implements: SWR_OTHER_001",
        precise=True,
    )
    assert reasons == [
        "code unit pkg.mod.limit changed since the run, and its Implements: tag "
        "does not name SWR_LIMIT_001"
    ]


def test_a_content_change_is_reported_as_such_when_judged_precisely(
    baseline: Baseline, tmp_path: Path
) -> None:
    reasons = _stale_after_edit(
        baseline, tmp_path, "pkg/mod.py", "min(value, 4.25)", "min(value, 4.3)", precise=True
    )
    assert reasons == ["code unit pkg.mod.limit changed since the run"]


def test_a_removed_file_is_named(baseline: Baseline, tmp_path: Path) -> None:
    _, _, record = baseline
    reasons = stale_reasons(record, {}, dict(record.requirement_fingerprints), root=tmp_path)
    assert reasons == ["code unit pkg.mod.limit no longer exists: its file pkg/mod.py is gone"]


def test_a_unit_under_a_source_folder_is_found_by_the_tail_of_its_path(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "mod.py").write_text(
        CODE.replace('"""Implements: SWR_LIMIT_001"""', "")
    )
    now = datetime.now(UTC)
    record = EvidenceRecord(
        id="t",
        method=Method.REQUIREMENTS_BASED_TEST,
        requirement_ids=("SWR_LIMIT_001",),
        requirement_fingerprints={},
        subjects=(Subject(qualified_name="pkg.mod.limit", path="src/pkg/mod.py", fingerprint="x"),),
        verdict=Verdict.PASS,
        tool=ToolInfo(name="pytest", version="x"),
        started_at=now,
        finished_at=now,
    )
    assert stale_reasons(record, {}, {}, root=tmp_path) == [
        "code unit pkg.mod.limit changed and traces to no requirement: it still exists in "
        "src/pkg/mod.py without an Implements: tag (removed, or never there)"
    ]


def test_unrelated_edit_and_comments_keep_evidence_fresh(
    baseline: Baseline, tmp_path: Path
) -> None:
    reasons = _stale_after_edit(
        baseline, tmp_path, "pkg/mod.py", "    return 1\n", "    # a comment\n    return 2\n"
    )
    assert reasons == []


def test_an_untraced_function_a_record_rests_on_is_judged_from_its_file(
    baseline: Baseline, tmp_path: Path
) -> None:
    """A record may rest on functions without a trace (control flow, resource usage)."""
    original, _, traced = baseline
    project = tmp_path / "project"
    shutil.copytree(original, project, ignore=shutil.ignore_patterns("build"))
    path = project / "pkg" / "mod.py"
    fingerprint = code_unit_fingerprint(path, "pkg.mod.unrelated", "pkg.mod")
    assert fingerprint is not None
    subject = Subject(
        qualified_name="pkg.mod.unrelated", path="pkg/mod.py", fingerprint=fingerprint
    )
    record = traced.model_copy(update={"subjects": (subject,), "requirement_fingerprints": {}})
    assert stale_reasons(record, {}, {}, root=project) == []
    path.write_text(CODE.replace("return 1", "return 2"), encoding="utf-8")
    assert stale_reasons(record, {}, {}, root=project) == [
        "code unit pkg.mod.unrelated changed and traces to no requirement: it still exists in "
        "pkg/mod.py without an Implements: tag (removed, or never there)"
    ]
