"""Tests of verification/scripts/faults_docs.py on tiny synthetic campaign outputs.

Covers: a finished report (built from ``bms.faults``' own result types)
gives the fault-free hours, the drives, the ends of charge and the false
trips with the injected runs' verdict; progress lines give the finished
drives plus the running one, marked as running; the tables hold one row per
drive; ``main`` writes the three files (named by ``--stem`` for another
pack's campaign) and exits 3 with a message on a missing input.
"""

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from bms.faults import CampaignReport, FaultFreeResult

from ._scripts import load_script

faults_docs = load_script("faults_docs")

CHARGED = FaultFreeResult(
    "drive_charge", 25.0, 3000.0, [], None, 2400000, 4.2003, (25.0, 31.5)
)  # fmt: skip
TRIPPED = FaultFreeResult(
    "drive_charge", -10.0, 3000.0, ["cell_over_voltage"], 2500000, None, 4.26, (-10.0, 12.0)
)  # fmt: skip


def _report(*drives: FaultFreeResult) -> dict[str, object]:
    summary: dict[str, object] = {
        "runs": 3,
        "within_ftti": 3,
        "passed": not any(d.false_trips for d in drives),
    }
    return CampaignReport("plant", "pack", [], list(drives), summary).as_json()


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_finished_report_figures_and_tables() -> None:
    figures = faults_docs.from_report(_report(CHARGED, TRIPPED))
    assert figures["fault_free_hours"] == round(6000.0 / 3600.0, 3)
    assert figures["drives"] == figures["drives_complete"] == 2
    assert figures["ends_of_charge"] == 1
    assert figures["false_trips"] == ["drive_charge -10 degC: ['cell_over_voltage']"]
    assert figures["passed"] is False
    markdown, rst = faults_docs.tables(figures)
    assert markdown.count("\n") == 6
    assert markdown.startswith("Simulated fault-free time: 1.667 h in 2 finished drives;")
    assert "ends of charge reached: 1; false trips: drive_charge -10 degC:" in markdown
    assert "| drive_charge 25 degC | 3000 | 2400 | 4.2003 | 25.0 to 31.5 | none |" in markdown
    assert "     - cell_over_voltage" in rst


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_progress_lines_add_the_running_drive() -> None:
    running = FaultFreeResult("drive_charge", 0.0, 600.0, [], None, None, 4.1, (0.0, 9.0))
    lines = [
        {"drive": asdict(CHARGED), "drive_complete": True, "drives_total": 12},
        {"drive": asdict(running), "drive_complete": False, "drives_total": 12},
    ]
    figures = faults_docs.from_progress(lines)
    assert figures["drives"] == 2
    assert figures["drives_complete"] == 1
    assert figures["drives_planned"] == 12
    assert figures["fault_free_hours"] == round(3600.0 / 3600.0, 3)
    markdown, _ = faults_docs.tables(figures)
    assert "600 (running)" in markdown
    assert "1 finished drives of 12 planned and one running (partial result)" in markdown


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_main_writes_the_files_and_refuses_a_missing_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "campaign.json"
    report.write_text(json.dumps(_report(CHARGED)), encoding="utf-8")
    out = tmp_path / "docs"
    assert faults_docs.main([str(report), "--out", str(out)]) == 0
    assert json.loads((out / "faults.json").read_text())["ends_of_charge"] == 1
    assert (out / "faults.md").is_file()
    assert "\n.. list-table::\n" in (out / "faults.inc").read_text()
    assert faults_docs.main([str(report), "--out", str(out), "--stem", "faults_lfp"]) == 0
    assert (out / "faults_lfp.inc").read_text() == (out / "faults.inc").read_text()
    assert {p.suffix for p in out.glob("faults_lfp.*")} == {".json", ".md", ".inc"}
    assert faults_docs.main([str(tmp_path / "none.json"), "--out", str(out)]) == 3
    assert "no such report" in capsys.readouterr().err
