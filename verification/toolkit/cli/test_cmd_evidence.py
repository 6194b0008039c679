"""Tests of ``safety-case evidence`` collect, verify, coverage, static and schema actions.

Covers: ``collect`` then ``verify`` exit 0 on an untouched project and
print the manifest's SHA-256; after an edit of the implementing function
``verify`` exits 1 and names the stale record; ``verify
--manifest-sha256`` with a wrong value exits 1; ``verify`` without a bundle
exits 1 with a clear message; ``coverage`` with a missing report is a
configuration error (3) naming the file; ``static`` with an unknown tool
is a usage error (2) listing the valid ones; ``schema`` writes both schemas.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_case.cli import ExitCode, main
from safety_case.evidence import Method, ToolInfo, record_from_test, write_record
from safety_case.policy import load_policy
from safety_case.snapshot import take_snapshot

from ..conftest import write_project

FILES = {
    "reqs/index.rst": """
        Requirements
        ============

        .. swr:: Limit
           :id: SWR_LIMIT_001
           :asil: D

           Stay below 4.25 V.
    """,
    "pkg/__init__.py": "",
    "pkg/mod.py": '''
        def limit(value):
            """Implements: SWR_LIMIT_001"""
            return min(value, 4.25)
    ''',
    "tests/__init__.py": "",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_project(tmp_path, FILES)
    policy = load_policy(root / "safety_case.toml")
    now = datetime.now(UTC)
    record = record_from_test(
        test_id="tests/test_mod.py::test_limit",
        outcome="passed",
        requirement_ids=["SWR_LIMIT_001"],
        method=Method.REQUIREMENTS_BASED_TEST,
        snapshot=take_snapshot(policy),
        tool=ToolInfo(name="pytest", version="x"),
        started_at=now,
        finished_at=now,
        duration_s=0.0,
    )
    write_record(root / "build" / "evidence", record)
    monkeypatch.chdir(root)
    return root


def test_collect_verify_and_stale_after_edit(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evidence", "collect", "--out", "bundle"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "1 records" in out
    sha = out.split("manifest SHA-256: ")[1].strip()
    assert main(["evidence", "verify", "bundle", "--manifest-sha256", sha]) == ExitCode.OK
    assert "intact" in capsys.readouterr().out
    assert main(["evidence", "verify", "bundle", "--manifest-sha256", "0" * 64]) == 1
    capsys.readouterr()
    mod = project / "pkg" / "mod.py"
    mod.write_text(mod.read_text(encoding="utf-8").replace("4.25)", "4.3)"), encoding="utf-8")
    assert main(["evidence", "verify", "bundle"]) == ExitCode.GATE_FAILED
    out = capsys.readouterr().out
    assert "STALE tests/test_mod.py::test_limit: code unit pkg.mod.limit changed" in out
    assert "source changed: pkg/mod.py" in out


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_project(tmp_path, FILES)
    monkeypatch.chdir(root)
    return root


def test_verify_without_bundle(bare: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "verify", str(bare / "nothing")]) == ExitCode.GATE_FAILED
    assert "no manifest" in capsys.readouterr().out


def test_bad_inputs_are_usage_or_config_errors(
    bare: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del bare
    assert main(["evidence", "coverage", "--mcdc", "missing.json"]) == ExitCode.CONFIG
    assert "missing.json" in capsys.readouterr().err
    assert main(["evidence", "static", "--tools", "lint"]) == ExitCode.USAGE
    assert "valid tools: subset, mypy, ruff, complexity" in capsys.readouterr().err


def test_schema_writes_both_schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path, {})
    monkeypatch.chdir(root)
    assert main(["evidence", "schema", "--out", "schemas"]) == ExitCode.OK
    record = json.loads((root / "schemas" / "evidence-record.schema.json").read_text())
    assert record["title"] == "EvidenceRecord"
    assert (root / "schemas" / "evidence-manifest.schema.json").is_file()
