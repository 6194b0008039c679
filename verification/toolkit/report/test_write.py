"""Tests of the report files and the gate's reasons (safety_case/report/_write.py, _case.py).

Covers: the reasons name the incomplete module, each goal without
evidence, each stale or failing solution, GSN findings other than the
evidence ones (named once), unreadable inputs; a complete case has none;
``write_reports`` writes the JSON, its schema, the standalone HTML (with
the orphans and an anchor per record) and the argument, and SVGs on request.
"""

import json
import shutil
from pathlib import Path

import pytest

from safety_case.evidence import Method, Verdict
from safety_case.gsn import Argument
from safety_case.report import (
    JudgedEvidence,
    TraceabilityReport,
    evidence_anchor,
    gate_reasons,
    write_reports,
)

from ._fixtures import make_case, record


def test_gate_reasons_name_each_gap() -> None:
    reasons = gate_reasons(make_case())
    text = "\n".join(reasons)
    assert "SG_A: argument is stale" in text
    assert "stale evidence t_b (code changed)" in text
    assert "no evidence: The code is verified by static code analysis" in text
    assert "undeveloped goal: Confidence in pytest 8" in text
    assert sum("t_b" in r for r in reasons) == 1  # the solution check does not repeat it


def test_failing_record_is_a_reason() -> None:
    case = make_case(
        [
            JudgedEvidence(
                record("t_a", Method.REQUIREMENTS_BASED_TEST, ("SWR_A",), Verdict.FAIL), ()
            )
        ]
    )
    assert any("failing evidence t_a (verdict fail)" in r for r in gate_reasons(case))


def test_unreadable_inputs_are_reasons() -> None:
    case = make_case()
    broken = type(case)(**{**case.__dict__, "problems": ("rec.json: not a valid record",)})
    assert "unreadable input: rec.json: not a valid record" in gate_reasons(broken)


def test_write_reports(tmp_path: Path) -> None:
    files = write_reports(make_case(), tmp_path / "out")
    report = TraceabilityReport.model_validate_json(files.json.read_text(encoding="utf-8"))
    assert report == files.report
    assert json.loads(files.schema.read_text(encoding="utf-8"))["title"] == "TraceabilityReport"
    page = files.html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "SWR_LOST" in page
    assert f'id="{evidence_anchor("t_b")}"' in page
    assert Argument.model_validate_json(files.argument.read_text(encoding="utf-8")).modules
    assert files.svgs == ()


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_write_reports_with_svgs(tmp_path: Path) -> None:
    files = write_reports(make_case(), tmp_path, svg=True)
    assert [p.name for p in files.svgs] == [
        "SG_A.svg",
        "CODE_VERIFICATION.svg",
        "TOOL_CONFIDENCE.svg",
    ]
    assert all("<svg" in p.read_text(encoding="utf-8") for p in files.svgs)
