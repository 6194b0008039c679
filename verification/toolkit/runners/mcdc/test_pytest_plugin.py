"""Tests of safety_case/runners/mcdc/_pytest_plugin.py through pytester.

Covers: ``--mcdc=PKG --mcdc-report=FILE`` writes a report with the right
figures and uncovered conditions; ``--mcdc-criterion=masking`` switches the
judged criterion; the terminal summary line; without ``--mcdc`` nothing is
instrumented and no report is written; the measurement survives xdist (two
workers merge into one report).
"""

import json

import pytest

CODE = """
def f(a, b, c):
    if (a and b) or c:
        return 1
    return 0
"""
TESTS = """
from pkg.mod import f

def test_one():
    assert f(True, False, True) == 1

def test_two():
    assert f(False, True, False) == 0
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "pkg").mkdir()
    (pytester.path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (pytester.path / "pkg" / "mod.py").write_text(CODE, encoding="utf-8")
    pytester.makepyfile(test_mod=TESTS)
    pytester.syspathinsert()
    return pytester


def test_report_names_uncovered_conditions(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--mcdc=pkg", "--mcdc-report=mcdc.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*MC/DC (unique_cause): 0 of 3 conditions (0.0 %)*"])
    report = json.loads((project.path / "mcdc.json").read_text(encoding="utf-8"))
    decision = report["modules"]["pkg.mod"]["decisions"][0]
    assert decision["function"] == "pkg.mod.f"
    assert [c["text"] for c in decision["conditions"]] == ["a", "b", "c"]
    assert decision["unique_cause_covered"] == []
    assert decision["masking_covered"] == [2]
    assert decision["uncovered"] == [0, 1, 2]


def test_masking_criterion(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "--mcdc=pkg", "--mcdc-report=mcdc.json", "--mcdc-criterion=masking"
    )
    result.stdout.fnmatch_lines(["*MC/DC (masking): 1 of 3 conditions (33.33 %)*"])
    report = json.loads((project.path / "mcdc.json").read_text(encoding="utf-8"))
    assert report["modules"]["pkg.mod"]["decisions"][0]["uncovered"] == [0, 1]


def test_without_the_option_nothing_is_measured(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2)
    assert "MC/DC" not in result.stdout.str()
    assert not (project.path / "mcdc.json").exists()


def test_xdist_workers_merge_their_measurements(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "-n",
        "2",
        "--dist=load",
        "--mcdc=pkg",
        "--mcdc-report=mcdc.json",
        "--mcdc-criterion=masking",
    )
    result.assert_outcomes(passed=2)
    report = json.loads((project.path / "mcdc.json").read_text(encoding="utf-8"))
    decision = report["modules"]["pkg.mod"]["decisions"][0]
    assert decision["evaluations"] == 2
    assert decision["masking_covered"] == [2]
