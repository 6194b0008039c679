"""Tests of the ``safety-case`` command (safety_case/cli).

Covers: --version; no command and a missing policy are usage (2) and
configuration (3) errors without traceback; ``trace --json`` lists code
units and tests; ``evidence status`` exits 1 with no records, 0 when every
record is fresh and passing, 1 again once the implementing code changes.
"""

import json
import textwrap
from pathlib import Path

import pytest

from safety_case import __version__
from safety_case.cli import ExitCode, main
from safety_case.evidence import Method, ToolInfo, record_from_test, write_record
from safety_case.policy import load_policy
from safety_case.snapshot import take_snapshot

from ..conftest import MiniProject

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
    "tests/test_mod.py": """
        import pytest

        @pytest.mark.verifies("SWR_LIMIT_001")
        def test_limit():
            pass
    """,
}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == ExitCode.OK
    assert __version__ in capsys.readouterr().out


def test_usage_and_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == ExitCode.USAGE
    monkeypatch.chdir(tmp_path)
    assert main(["trace"]) == ExitCode.CONFIG
    assert "no safety_case.toml" in capsys.readouterr().err


def test_trace_and_evidence_status(
    mini_project: MiniProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(FILES)
    monkeypatch.chdir(root)
    assert main(["trace", "--json"]) == ExitCode.OK
    rows = json.loads(capsys.readouterr().out)
    assert {(r["kind"], r["name"]) for r in rows} == {
        ("code", "pkg.mod.limit"),
        ("test", "tests.test_mod.test_limit"),
    }
    assert main(["evidence", "status"]) == ExitCode.GATE_FAILED

    policy = load_policy(root / "safety_case.toml")
    snapshot = take_snapshot(policy)
    from datetime import UTC, datetime  # noqa: PLC0415

    now = datetime.now(UTC)
    write_record(
        policy.path(policy.evidence_dir),
        record_from_test(
            test_id="tests/test_mod.py::test_limit",
            outcome="passed",
            requirement_ids=["SWR_LIMIT_001"],
            method=Method.REQUIREMENTS_BASED_TEST,
            snapshot=snapshot,
            tool=ToolInfo(name="pytest", version="x"),
            started_at=now,
            finished_at=now,
            duration_s=0.0,
        ),
    )
    assert main(["evidence", "status"]) == ExitCode.OK
    (root / "pkg" / "mod.py").write_text(
        textwrap.dedent(FILES["pkg/mod.py"]).replace("4.25", "4.3"), encoding="utf-8"
    )
    assert main(["evidence", "status"]) == ExitCode.GATE_FAILED
    assert "STALE: code unit pkg.mod.limit changed" in capsys.readouterr().out
