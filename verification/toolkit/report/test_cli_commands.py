"""Tests of ``safety-case report``, ``gate`` and ``impact`` on a miniature project.

Covers: with a complete argument (every required method has a fresh passing
record, the tool classification confirmed) the gate exits 0 and says where
the reports are; with an evidence bundle it judges the bundled records and
fails, naming the altered record, once one is tampered with; after the
implementing code changes it exits 1 naming the stale record; ``report``
writes its files; ``impact REV`` (a git repository made for the test) lists
the changed code unit, module and requirement, the requirements below the
changed one and the evidence resting on them (an edit outside every traced
unit still touches the records on the whole module); an edited test makes
its record stale and touches it, and so does an edited helper of the test;
an unknown revision is a
configuration error. Needs exports are cached per requirement text.
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import safety_case.needs
import safety_case.report._impact
import safety_case.snapshot
from safety_case.cli import ExitCode, main
from safety_case.evidence import (
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
    procedures_of_tests,
    record_from_test,
    write_record,
)
from safety_case.fingerprint import code_unit_fingerprint
from safety_case.policy import load_policy
from safety_case.snapshot import take_snapshot

from ..conftest import write_project
from ._fixtures import COMPLETE_POLICY, PROJECT


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def cached_exports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Export each distinct requirement text once: a Sphinx run costs seconds on a busy machine."""
    cache: dict[str, str] = {}

    def _key(source_dir: Path) -> str:
        return "".join(
            f"{p.relative_to(source_dir)}:{p.read_text(encoding='utf-8')}"
            for p in sorted(source_dir.rglob("*.rst"))
        )

    def export(source_dir: Path, out_dir: Path) -> Path:
        key = _key(source_dir)
        if key not in cache:
            cache[key] = real_export(source_dir, out_dir).read_text(encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "needs.json").write_text(cache[key], encoding="utf-8")
        return out_dir / "needs.json"

    def export_data(source_dir: Path, out_dir: Path) -> dict[str, dict[str, Any]]:
        return safety_case.needs.load_needs(export(source_dir, out_dir))

    real_export = safety_case.needs.export_needs
    monkeypatch.setattr(safety_case.snapshot, "export_needs_data", export_data)
    monkeypatch.setattr(safety_case.report._impact, "export_needs", export)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached_exports: None) -> Path:
    del cached_exports
    root = write_project(tmp_path, PROJECT)
    (root / "safety_case.toml").write_text(COMPLETE_POLICY, encoding="utf-8")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    _write_test_record(root)
    monkeypatch.chdir(root)
    return root


def _write_test_record(root: Path) -> None:
    """The record of ``tests/test_mod.py::test_limit`` against the sources as they are."""
    policy = load_policy(root / "safety_case.toml")
    now = datetime.now(UTC)
    snapshot = take_snapshot(policy)
    test_id = "tests/test_mod.py::test_limit"
    write_record(
        policy.path(policy.evidence_dir),
        record_from_test(
            test_id=test_id,
            outcome="passed",
            requirement_ids=["SWR_PUMP_LIMIT"],
            method=Method.REQUIREMENTS_BASED_TEST,
            snapshot=snapshot,
            tool=ToolInfo(name="pytest", version="8"),
            started_at=now,
            finished_at=now,
            duration_s=0.01,
            procedure=procedures_of_tests([test_id], root, snapshot)[test_id],
        ),
    )


def test_gate_report_and_impact(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == ExitCode.OK
    assert (project / "build/safety_case/report/traceability.json").is_file()
    capsys.readouterr()
    assert main(["gate"]) == ExitCode.OK, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "GATE PASSED" in out
    assert "reports: " in out

    # With a bundle, the gate judges the bundled records and fails when one is altered.
    assert main(["evidence", "collect"]) == ExitCode.OK
    assert main(["gate", "--require-bundle"]) == ExitCode.OK
    assert "evidence: the bundle" in capsys.readouterr().out
    bundled = next((project / "build/safety_case/bundle/records").glob("*.json"))
    bundled.write_text(bundled.read_text(encoding="utf-8").replace('"pass"', '"fail"'), "utf-8")
    assert main(["gate"]) == ExitCode.GATE_FAILED
    out = capsys.readouterr().out
    assert "record changed: records/" in out
    assert "failing evidence tests/test_mod.py::test_limit (verdict fail)" in out
    shutil.rmtree(project / "build/safety_case/bundle")

    # a record that judges the whole module, as static analysis and coverage do
    policy = load_policy(project / "safety_case.toml")
    module_print = code_unit_fingerprint(project / "pkg/mod.py", "pkg.mod", "pkg.mod")
    write_record(
        policy.path(policy.evidence_dir),
        EvidenceRecord(
            id="static:pkg/mod.py",
            method=Method.STATIC_ANALYSIS,
            requirement_ids=("SWR_PUMP_LIMIT",),
            requirement_fingerprints={},
            subjects=(
                Subject(
                    qualified_name="pkg.mod", path="pkg/mod.py", fingerprint=module_print or ""
                ),
            ),
            verdict=Verdict.PASS,
            tool=ToolInfo(name="ruff", version="0"),
            started_at=datetime.now(UTC),
            finished_at=datetime.now(UTC),
        ),
    )
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "base")
    code = project / "pkg/mod.py"
    code.write_text(code.read_text(encoding="utf-8").replace("80.0", "85.0"), encoding="utf-8")
    requirements = project / "reqs/index.rst"
    text = requirements.read_text(encoding="utf-8")
    requirements.write_text(text.replace("Stop within 100 ms.", "Stop within 50 ms."), "utf-8")

    assert main(["gate"]) == ExitCode.GATE_FAILED
    out = capsys.readouterr().out
    assert "stale evidence tests/test_mod.py::test_limit" in out
    assert "code unit pkg.mod.limit changed since the run" in out

    assert main(["impact", "HEAD", "--json"]) == ExitCode.OK
    found = json.loads(capsys.readouterr().out)
    assert found["changed_files"] == ["pkg/mod.py", "reqs/index.rst"]
    assert found["changed_units"] == ["pkg.mod", "pkg.mod.limit"]
    assert found["changed_requirements"] == ["TSR_PUMP_STOP"]
    assert found["touched_requirements"] == ["SWR_PUMP_LIMIT", "TSR_PUMP_STOP"]
    assert found["touched_evidence"] == ["static:pkg/mod.py", "tests/test_mod.py::test_limit"]

    # an edit outside every traced unit still touches the records on the whole module
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "edit")
    code.write_text(code.read_text(encoding="utf-8") + "\nMARGIN = 1.0\n", encoding="utf-8")
    assert main(["impact", "HEAD", "--json"]) == ExitCode.OK
    found = json.loads(capsys.readouterr().out)
    assert found["changed_units"] == ["pkg.mod"]
    assert found["touched_evidence"] == ["static:pkg/mod.py"]

    assert main(["impact", "no-such-revision"]) == ExitCode.CONFIG
    assert "no-such-revision" in capsys.readouterr().err


EDITS = {
    "test": ("", "pass", "assert True", ["tests.test_mod", "tests.test_mod.test_limit"]),
    # the test function is unchanged: its helper, in its module or in a helper module, is not
    "helper": ("tests/test_mod.py", "90.0", "95.0", ["tests.test_mod"]),
    "helper module": ("tests/limits.py", "90.0", "95.0", ["tests.limits"]),
    "removed helper module": ("tests/limits.py", "", None, ["tests.limits"]),  # None: removed
}


@pytest.mark.parametrize("edit", EDITS)
def test_an_edited_test_or_helper_makes_the_record_stale_and_touched(
    project: Path, capsys: pytest.CaptureFixture[str], edit: str
) -> None:
    edited, old, new, units = EDITS[edit]
    test = project / "tests/test_mod.py"
    text = test.read_text(encoding="utf-8")
    if edited == "tests/test_mod.py":
        text = (
            text.replace("    pass", "    assert _hot() > 80.0")
            + "\n\ndef _hot():\n    return 90.0\n"
        )
    elif edited:
        (project / edited).write_text("def hot():\n    return 90.0\n", encoding="utf-8")
        text = "from tests.limits import hot\n" + text.replace(
            "    pass", "    assert hot() > 80.0"
        )
    if edited:
        test.write_text(text, encoding="utf-8")
        _write_test_record(project)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "base")
    assert main(["gate"]) == ExitCode.OK
    capsys.readouterr()
    target = project / (edited or "tests/test_mod.py")
    if new is None:
        target.unlink()
    else:
        target.write_text(target.read_text(encoding="utf-8").replace(old, new), "utf-8")
    assert main(["gate"]) == ExitCode.GATE_FAILED
    out = capsys.readouterr().out
    assert "test tests.test_mod.test_limit or a helper or fixture it uses changed" in out
    assert main(["impact", "HEAD", "--json"]) == ExitCode.OK
    found = json.loads(capsys.readouterr().out)
    assert found["changed_units"] == units
    assert found["touched_evidence"] == ["tests/test_mod.py::test_limit"]
