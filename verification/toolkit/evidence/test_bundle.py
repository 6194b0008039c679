"""Tests of safety_case/evidence/_bundle.py and _manifest.py: collect, then verify.

Covers: a fresh bundle verifies; altering any byte of any record is detected
(hypothesis over files, byte positions and values); a deleted or added
record, an altered artefact or needs.json, and an edited manifest (when its
SHA-256 is pinned) are detected; editing one function makes exactly the
records resting on it stale and nothing else, and the file is named as
changed; editing a requirement makes exactly its records stale; a
comment-only edit changes a source hash but makes nothing stale; a missing
manifest is a clear problem.
"""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safety_case.evidence import (
    Artefact,
    Manifest,
    Method,
    ToolInfo,
    check_integrity,
    collect_bundle,
    record_from_test,
    verify_bundle,
    write_record,
)
from safety_case.fingerprint import file_sha256
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.snapshot import take_snapshot
from verification.hypothesis_profiles import examples

from ..conftest import write_project

REQUIREMENTS = {
    "reqs/index.rst": """
        Requirements
        ============

        .. swr:: Limit high
           :id: SWR_HIGH_001
           :asil: D

           The value shall stay below 4.25 V.

        .. swr:: Limit low
           :id: SWR_LOW_001
           :asil: D

           The value shall stay above 2.5 V.
    """,
}
CODE = '''
def high(value):
    """Implements: SWR_HIGH_001"""
    return min(value, 4.25)


def low(value):
    """Implements: SWR_LOW_001"""
    return max(value, 2.5)
'''
TESTS = {
    "tests/__init__.py": "",
    "tests/test_mod.py": "def test_placeholder():\n    pass\n",
}
RECORDS = {"t::test_high": "SWR_HIGH_001", "t::test_low": "SWR_LOW_001", "t::test_both": "both"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with two functions, three records and a collected bundle (built once)."""
    root = tmp_path_factory.mktemp("bundle")
    write_project(root, {**REQUIREMENTS, **TESTS, "pkg/__init__.py": "", "pkg/mod.py": CODE})
    policy = load_policy(root / "safety_case.toml")
    needs_json = export_needs(root / "reqs", root / "build")
    snapshot = take_snapshot(policy, needs_json)
    now = datetime.now(UTC)
    evidence = root / "build" / "evidence"
    (evidence / "artefacts").mkdir(parents=True)
    (evidence / "artefacts" / "log.txt").write_text("run log\n", encoding="utf-8")
    for test_id, requirement in RECORDS.items():
        ids = ["SWR_HIGH_001", "SWR_LOW_001"] if requirement == "both" else [requirement]
        record = record_from_test(
            test_id=test_id,
            outcome="passed",
            requirement_ids=ids,
            method=Method.REQUIREMENTS_BASED_TEST,
            snapshot=snapshot,
            tool=ToolInfo(name="pytest", version="x"),
            started_at=now,
            finished_at=now,
            duration_s=0.0,
        )
        artefact = Artefact(path="artefacts/log.txt", sha256="0" * 64)
        write_record(evidence, record.model_copy(update={"artefacts": (artefact,)}))
    collect_bundle(policy, snapshot, needs_json, root / "bundle", evidence)
    return root


def _copy(project: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    return copy


def _verify(
    root: Path, needs_changed: bool = False
) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    policy = load_policy(root / "safety_case.toml")
    needs_json = (
        export_needs(root / "reqs", root / "build2")
        if needs_changed
        else root / "build" / "needs.json"
    )
    report = verify_bundle(root / "bundle", policy, take_snapshot(policy, needs_json))
    return report.lines(), report.stale


def test_a_fresh_bundle_verifies(project: Path) -> None:
    manifest = Manifest.model_validate_json((project / "bundle" / "manifest.json").read_bytes())
    assert len(manifest.records) == 3
    assert set(manifest.sources) == {
        "pkg/__init__.py",
        "pkg/mod.py",
        "reqs/index.rst",
        "tests/__init__.py",
        "tests/test_mod.py",
    }
    assert set(manifest.requirements) == {"SWR_HIGH_001", "SWR_LOW_001"}
    assert manifest.artefacts.keys() == {"artefacts/log.txt"}
    assert manifest.tools["pytest"] != "not installed"
    lines, stale = _verify(project)
    assert [line for line in lines if not line.startswith("note:")] == []
    assert stale == {}


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_altered_byte_of_any_record_is_detected(
    project: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    bundle = tmp_path_factory.mktemp("tamper") / "bundle"
    shutil.copytree(project / "bundle", bundle)
    records = sorted((bundle / "records").glob("*.json"))
    target = data.draw(st.sampled_from(records), label="record")
    content = bytearray(target.read_bytes())
    position = data.draw(st.integers(0, len(content) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != content[position]), label="value")
    content[position] = value
    target.write_bytes(bytes(content))
    report = check_integrity(bundle)
    assert not report.ok
    assert report.records.changed == (f"records/{target.name}",)


def test_deleted_and_added_records_are_detected(project: Path, tmp_path: Path) -> None:
    root = _copy(project, tmp_path)
    records = sorted((root / "bundle" / "records").glob("*.json"))
    records[0].unlink()
    (root / "bundle" / "records" / "extra.json").write_text("{}", encoding="utf-8")
    report = check_integrity(root / "bundle")
    assert report.records.deleted == (f"records/{records[0].name}",)
    assert report.records.added == ("records/extra.json",)


def test_altered_artefact_and_needs_export_are_detected(project: Path, tmp_path: Path) -> None:
    root = _copy(project, tmp_path)
    (root / "bundle" / "artefacts" / "log.txt").write_text("forged\n", encoding="utf-8")
    with (root / "bundle" / "needs.json").open("a", encoding="utf-8") as handle:
        handle.write(" ")
    report = check_integrity(root / "bundle")
    assert report.artefacts.changed == ("artefacts/log.txt",)
    assert report.needs_json_changed


def test_an_edited_manifest_is_detected_when_its_hash_is_pinned(
    project: Path, tmp_path: Path
) -> None:
    root = _copy(project, tmp_path)
    manifest = root / "bundle" / "manifest.json"
    pinned = file_sha256(manifest)
    assert check_integrity(root / "bundle", pinned).ok
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("pytest", "pytesT", 1))
    report = check_integrity(root / "bundle", pinned)
    assert not report.ok
    assert "is not the pinned" in report.problems[0]


def test_editing_one_function_makes_exactly_its_records_stale(
    project: Path, tmp_path: Path
) -> None:
    root = _copy(project, tmp_path)
    mod = root / "pkg" / "mod.py"
    mod.write_text(mod.read_text(encoding="utf-8").replace("min(value, 4.25)", "min(value, 4.3)"))
    lines, stale = _verify(root)
    assert set(stale) == {"t::test_high", "t::test_both"}
    assert stale["t::test_high"] == ("code unit pkg.mod.high changed since the run",)
    assert "source changed: pkg/mod.py" in lines
    assert not any(line.startswith("record") for line in lines)


def test_editing_a_requirement_makes_exactly_its_records_stale(
    project: Path, tmp_path: Path
) -> None:
    root = _copy(project, tmp_path)
    reqs = root / "reqs" / "index.rst"
    reqs.write_text(reqs.read_text(encoding="utf-8").replace("above 2.5 V", "above 2.6 V"))
    lines, stale = _verify(root, needs_changed=True)
    assert set(stale) == {"t::test_low", "t::test_both"}
    assert "requirement changed: SWR_LOW_001" in lines
    assert "source changed: reqs/index.rst" in lines


def test_a_comment_edit_changes_a_source_but_nothing_goes_stale(
    project: Path, tmp_path: Path
) -> None:
    root = _copy(project, tmp_path)
    mod = root / "pkg" / "mod.py"
    mod.write_text(mod.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    lines, stale = _verify(root)
    assert stale == {}
    assert "source changed: pkg/mod.py" in lines


def test_a_missing_manifest_is_a_clear_problem(tmp_path: Path) -> None:
    report = check_integrity(tmp_path)
    assert not report.ok
    assert "no manifest" in report.problems[0]
