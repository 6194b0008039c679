"""Tests of ``bms faults`` (bms/cli/_cmd_faults.py) with a reduced campaign.

Covers: the report is written as JSON with the summary, the exit code is 0
when the campaign passes and 1 when a run missed its FTTI; plots are
written when asked; the progress file's folder is made, and a progress
file that cannot be written is refused before the campaign runs. The
campaign itself is patched to a chosen subset (the full one takes minutes;
its logic is tested in verification/bms/unit/faults).
"""

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import bms.faults
from bms.cli import ExitCode, main
from bms.faults import OperatingPoint
from bms.protection import step_protection

STANDSTILL = OperatingPoint("standstill", 25.0, 0.6)


def _reduced(monkeypatch: pytest.MonkeyPatch, cases: tuple[str, ...]) -> None:
    real = bms.faults.run_campaign

    def reduced(config: Any, chemistry: Any, **kwargs: Any) -> Any:
        kwargs.update(cases=cases, points=[STANDSTILL], onsets_ms=[1500], fault_free_s=0.5)
        return real(config, chemistry, **kwargs)

    monkeypatch.setattr(bms.faults, "run_campaign", reduced)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_report_and_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    _reduced(monkeypatch, ("crash",))
    out, plots = tmp_path / "report.json", tmp_path / "plots"
    code = main(["faults", "--json", str(out), "--plot", str(plots)])
    assert code == ExitCode.OK
    report = json.loads(out.read_text())
    assert report["summary"]["passed"] is True
    assert report["runs"][0]["case"] == "crash"
    assert (plots / "crash.png").is_file()
    assert '"passed": true' in capsys.readouterr().out


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_missed_ftti_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _reduced(monkeypatch, ("crash",))

    def never_open(state: Any, sample: Any, *, reset: bool, config: Any) -> Any:
        new_state, report = step_protection(state, sample, reset=reset, config=config)
        return new_state, replace(report, open_contactors=False, faults=())

    monkeypatch.setattr("bms.controller._controller.step_protection", never_open)
    assert main(["faults", "--json", str(tmp_path / "r.json")]) == ExitCode.FAILED
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["missed"] == ["crash/standstill/25C/1500ms"]


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_the_plant_is_the_packs_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _reduced(monkeypatch, ("crash",))
    seen: list[str] = []
    reduced = bms.faults.run_campaign

    def recording(config: Any, chemistry: Any, **kwargs: Any) -> Any:
        seen.append(chemistry.name)
        return reduced(config, chemistry, **kwargs)

    monkeypatch.setattr(bms.faults, "run_campaign", recording)
    out = tmp_path / "r.json"
    assert main(["faults", "--json", str(out), "--config", "lfp_96s"]) == ExitCode.OK
    assert main(["faults", "--json", str(out)]) == ExitCode.OK
    assert seen == ["LFP_Prada2013", "NMC_Chen2020"]  # each pack's own, unnamed
    code = main(
        ["faults", "--json", str(out), "--config", "lfp_96s", "--chemistry", "NMC_Chen2020"]
    )
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG
    assert "with chemistry 'NMC_Chen2020': cell.chemistry:" in err
    assert seen == ["LFP_Prada2013", "NMC_Chen2020"]  # refused before any run


def test_the_progress_file_is_checked_before_the_campaign(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _reduced(monkeypatch, ("crash",))
    progress = tmp_path / "new" / "folder" / "progress.jsonl"
    out = str(tmp_path / "r.json")
    assert main(["faults", "--json", out, "--progress-jsonl", str(progress)]) == ExitCode.OK
    assert progress.is_file()  # its folder made; one line per fault-free drive
    lines = progress.read_text().splitlines()
    assert lines
    assert all(json.loads(line)["drives_total"] >= 1 for line in lines)
    blocked = tmp_path / "r.json" / "progress.jsonl"  # under a file: no folder can be made
    code = main(["faults", "--json", str(tmp_path / "s.json"), "--progress-jsonl", str(blocked)])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert f"--progress-jsonl {blocked}: " in err
    assert "Traceback" not in err
    assert not (tmp_path / "s.json").exists()  # refused before the campaign ran
