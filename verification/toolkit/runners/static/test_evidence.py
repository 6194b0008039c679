"""Tests of safety_case/runners/static/_evidence.py and _tools.py on a miniature project.

Covers: one run of the subset checker, mypy --strict, ruff and the
complexity check over a project with a clean traced module, a traced module
with one defect for each tool, and an untraced module; one record per traced
module and tool, method static_analysis, the tool's name and version,
figures (findings, complexity), verdict fail exactly where the tool found
something; the artefact with every finding, pinned by its hash; the
untraced module listed; mypy, ruff and complexity findings per file.
"""

from pathlib import Path

import pytest

from safety_case.evidence import Method, Verdict, read_records
from safety_case.fingerprint import file_sha256
from safety_case.needs import export_needs
from safety_case.policy import load_policy
from safety_case.runners.static import StaticOutcome, run_static
from safety_case.snapshot import take_snapshot

from ...conftest import write_project

REQUIREMENTS = """
Requirements
============

.. swr:: Clean
   :id: SWR_CLEAN_001
   :asil: D

   Clean.

.. swr:: Dirty
   :id: SWR_DIRTY_001
   :asil: D

   Dirty.
"""
GOOD = '''"""Clean module."""


def clean(value: int) -> int:
    """Implements: SWR_CLEAN_001"""
    return value + 1
'''
BAD = '''"""Module with one defect per tool."""


def dirty(value: int) -> str:
    """Implements: SWR_DIRTY_001"""
    if value > 1:
        return "a"
    if value > 2:
        return "b"
    return eval("value")
'''


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StaticOutcome]:
    root = tmp_path_factory.mktemp("static")
    write_project(
        root,
        {
            "reqs/index.rst": REQUIREMENTS,
            "pkg/__init__.py": '"""Package."""\n',
            "pkg/good.py": GOOD,
            "pkg/bad.py": BAD,
            "pkg/helper.py": '"""Helper."""\n\nCACHE: list[int] = []\n',
            "tests/__init__.py": "",
        },
    )
    (root / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["S307"]\n', encoding="utf-8")
    policy = load_policy(root / "safety_case.toml")
    snapshot = take_snapshot(policy, export_needs(root / "reqs", root / "build"))
    return root, run_static(policy, snapshot, root / "evidence", complexity_limit=2)


def test_one_record_per_traced_module_and_tool(outcome: tuple[Path, StaticOutcome]) -> None:
    root, result = outcome
    records, problems = read_records(root / "evidence")
    assert problems == []
    verdicts = {r.id: r.verdict for r in records}
    assert verdicts == {
        "static:safety-case-subset:pkg/good.py": Verdict.PASS,
        "static:safety-case-subset:pkg/bad.py": Verdict.FAIL,
        "static:mypy:pkg/good.py": Verdict.PASS,
        "static:mypy:pkg/bad.py": Verdict.FAIL,
        "static:ruff:pkg/good.py": Verdict.PASS,
        "static:ruff:pkg/bad.py": Verdict.FAIL,
        "static:ruff-mccabe:pkg/good.py": Verdict.PASS,
        "static:ruff-mccabe:pkg/bad.py": Verdict.FAIL,
    }
    assert {r.method for r in records} == {Method.STATIC_ANALYSIS}
    bad = next(r for r in records if r.id == "static:ruff-mccabe:pkg/bad.py")
    assert bad.requirement_ids == ("SWR_DIRTY_001",)
    assert [s.qualified_name for s in bad.subjects] == ["pkg.bad", "pkg.bad.dirty"]
    assert bad.figures["max_complexity"] == 3
    assert bad.tool.version != "not installed"
    assert result.untraced == ("pkg/__init__.py", "pkg/helper.py")
    assert not result.passed


def test_findings_per_tool(outcome: tuple[Path, StaticOutcome]) -> None:
    _, result = outcome
    by_tool = {run.name.split("(")[0]: run.findings for run in result.runs}
    assert by_tool["safety-case-subset"]["pkg/bad.py"] == [
        "10: SUB002 eval() runs code unknown before run time"
    ]
    assert by_tool["safety-case-subset"]["pkg/helper.py"][0].startswith("3: SUB004")
    assert by_tool["mypy"].keys() == {"pkg/bad.py"}
    assert by_tool["mypy"]["pkg/bad.py"] == [
        '10: Returning Any from function declared to return "str"  [no-any-return]'
    ]
    assert by_tool["ruff"] == {"pkg/bad.py": [by_tool["ruff"]["pkg/bad.py"][0]]}
    assert by_tool["ruff"]["pkg/bad.py"][0].startswith("10: S307")
    assert by_tool["ruff-mccabe"] == {"pkg/bad.py": ["4: dirty has complexity 3 > 2"]}


def test_artefacts_hold_every_finding_and_are_pinned(outcome: tuple[Path, StaticOutcome]) -> None:
    root, result = outcome
    for record in result.records:
        [artefact] = record.artefacts
        assert file_sha256(root / "evidence" / artefact.path) == artefact.sha256
