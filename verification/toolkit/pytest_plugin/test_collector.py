"""Tests of safety_case/pytest_plugin/_collector.py: the evidence collector as a pytest plugin.

Covers: the collector is hashable (pluggy keeps plugins in sets), so a
serial run with ``--safety-evidence`` over two folders with different
conftests (each registered as a plugin while the collector is registered)
runs every test and writes one record per traced test of both folders;
two collectors are equal only when they are the same object.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_case.evidence import EvidenceRecord, Verdict
from safety_case.pytest_plugin._collector import EvidenceCollector
from safety_case.snapshot import Snapshot
from verification.toolkit.pytest_plugin._project import CODE, POLICY, REQUIREMENT

CONFTEST = """
import pytest

@pytest.fixture
def ceiling():
    return {ceiling}

def pytest_report_header(config):
    return "conftest of {folder}"
"""
TEST = """
import pytest
from pkg.mod import limit

@pytest.mark.verifies("SWR_LIMIT_001")
def test_limit_{folder}(ceiling):
    assert limit(9.0) == ceiling
"""


def test_serial_run_over_folders_with_their_own_conftests(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", safety_case=POLICY)
    for folder, files in {
        "reqs": {"index.rst": REQUIREMENT},
        "pkg": {"__init__.py": "", "mod.py": CODE},
        "alpha": {"conftest.py": CONFTEST.format(ceiling=4.25, folder="alpha")},
        "beta": {"conftest.py": CONFTEST.format(ceiling=4.25, folder="beta")},
    }.items():
        (pytester.path / folder).mkdir()
        for name, text in files.items():
            (pytester.path / folder / name).write_text(text, encoding="utf-8")
    for folder in ("alpha", "beta"):
        test = pytester.path / folder / f"test_{folder}.py"
        test.write_text(TEST.format(folder=folder), encoding="utf-8")
    pytester.syspathinsert(pytester.path)
    result = pytester.runpytest(
        "--safety-evidence=evidence", "-p", "no:cacheprovider", "-p", "no:xdist", "alpha", "beta"
    )
    assert "unhashable" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*safety-case: 2 evidence records written to*"])
    records = [
        EvidenceRecord.model_validate(json.loads(p.read_text(encoding="utf-8")))
        for p in (pytester.path / "evidence").glob("*.json")
    ]
    assert sorted(r.id.split("::")[-1] for r in records) == ["test_limit_alpha", "test_limit_beta"]
    assert all(r.verdict is Verdict.PASS for r in records)


def test_collectors_are_hashable_and_equal_only_to_themselves(tmp_path: Path) -> None:
    snapshot = Snapshot.__new__(Snapshot)  # not read: only identity matters here
    now = datetime.now(UTC)
    first = EvidenceCollector(tmp_path, snapshot, now, tmp_path)
    second = EvidenceCollector(tmp_path, snapshot, now, tmp_path)
    assert len({first, second, first}) == 2
    assert first == first  # noqa: PLR0124 - identity is the point
    assert first != second
