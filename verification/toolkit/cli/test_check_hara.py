"""Tests of ``safety-case check`` and ``safety-case hara`` on miniature projects.

Covers: check exits 0 on a good project and writes its JSON report; exits
1 with findings grouped by severity, each with file, line, rule and clause;
hara prints Table 4 and each hazard's computed and declared ASIL, exiting
1 on a mismatch.
"""

import json
from pathlib import Path

import pytest

from safety_case.cli import ExitCode, main

from ..conftest import write_project
from ..rules.conftest import GOOD

BAD_HAZARD = {
    **GOOD,
    "reqs/extra.rst": """\
        Extra
        =====

        .. hazard:: Rated too low
           :id: HAZ_LOW
           :severity: S3
           :exposure: E4
           :controllability: C3
           :asil: B
        """,
}


def test_check_good_then_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, GOOD)
    out = tmp_path / "report.json"
    assert main(["--policy", str(root / "safety_case.toml"), "check", "--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["passed"] is True
    assert "check passed" in capsys.readouterr().out
    write_project(tmp_path, BAD_HAZARD)  # same build folder: an incremental export
    code = main(["--policy", str(root / "safety_case.toml"), "check", "--json", str(out)])
    assert code == ExitCode.GATE_FAILED
    text = capsys.readouterr().out
    assert "VIOLATION (1)" in text
    assert "reqs/extra.rst:4: SC010 HAZARD_ASIL HAZ_LOW" in text
    assert "ISO 26262-3:2018" in text
    assert json.loads(out.read_text(encoding="utf-8"))["findings"][0]["line"] == 4


def test_hara_lists_table_and_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, BAD_HAZARD)
    assert main(["--policy", str(root / "safety_case.toml"), "hara"]) == ExitCode.GATE_FAILED
    text = capsys.readouterr().out
    assert "S3 E4      B   C   D" in text
    assert "HAZ_GOOD" in text
    assert "HAZ_LOW" in text
    assert "MISMATCH" in text
    assert "2 hazardous events, 1 mismatches" in text
