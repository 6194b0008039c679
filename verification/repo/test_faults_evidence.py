"""Tests of verification/scripts/faults_evidence.py on tiny synthetic campaign reports.

Covers: the report (built from ``bms.faults``' own result types, so a change
of their shape shows here) becomes one fault_injection record per
requirement its fault types exercise, plus the campaign's own record; each
record rests on the units implementing its requirement and pins the report
as an artefact; a record passes only when every run of its requirement
reached the safe state within the FTTI (and rests on this script, its
procedure, when the script is in the project), so a missed run fails exactly the
records of its fault type's requirements; the campaign record follows the
campaign's verdict, counts false trips, and fails when nothing ran; an
unknown fault type or requirement stops the conversion naming it; two
packs' reports join into one set of records, a miss on either pack failing
its requirements and either campaign's verdict the campaign's; ``main``
writes the records, copies and hashes each report, exits 2 on a failing
record and 3 with a message (no traceback) on a malformed report.
"""

import json
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bms.faults import CampaignReport, FaultFreeResult, RunResult
from safety_case.evidence import Artefact, Method, Subject, Verdict, read_records
from safety_case.fingerprint import code_unit_fingerprint, file_sha256, requirement_fingerprint
from safety_case.snapshot import Snapshot
from safety_case.trace import TraceTarget

from ._scripts import SCRIPTS, load_script

faults_evidence = load_script("faults_evidence")

REQUIREMENTS = ("SWR_PROT_OV_001", "SWR_PROT_COMM_001", "SWR_CAN_005", "SWR_CTRL_FAULTS_001")
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
ARTEFACT = Artefact(path="artefacts/faults-campaign-0.json", sha256="0" * 64)
OVER_VOLTAGE = RunResult(
    case="cell_over_voltage",
    point="drive",
    ambient_degc=25.0,
    onset_ms=1000,
    ftti_ms=300,
    connected_at_onset=True,
    false_trip_before_onset=[],
    detected_as=["cell_over_voltage"],
    detection_ms=120,
    open_command_ms=130,
    safe_state_ms=160,
    within_ftti=True,
)
CRC = replace(
    OVER_VOLTAGE,
    case="communication_crc",
    detected_as=["communication_crc"],
    detection_ms=40,
    safe_state_ms=80,
)
CLEAN_DRIVE = FaultFreeResult(
    point="mission", ambient_degc=25.0, duration_s=3600.0, false_trips=[], first_trip_ms=None
)


def _report(
    runs: list[RunResult],
    *,
    passed: bool,
    fault_free: tuple[FaultFreeResult, ...] = (CLEAN_DRIVE,),
    pack: str = "nmc_96s",
) -> dict[str, Any]:
    report = CampaignReport(
        plant="ecm",
        pack=pack,
        runs=runs,
        fault_free=list(fault_free),
        summary={"passed": passed, "fault_free_hours": 1.0},
    )
    data: dict[str, Any] = json.loads(json.dumps(asdict(report)))  # as written to disk
    return data


@pytest.fixture
def snapshot(tmp_path: Path) -> Snapshot:
    """The four requirements, and one unit implementing the over-voltage one."""
    root = tmp_path.resolve()
    (root / "pkg").mkdir()
    (root / "pkg" / "protect.py").write_text("def trip(): ...\n", encoding="utf-8")
    needs = {
        rid: {"id": rid, "type": "swr", "title": rid, "content": f"{rid} text"}
        for rid in REQUIREMENTS
    }
    unit = TraceTarget(
        "pkg.protect.trip", "code", ("SWR_PROT_OV_001",), root / "pkg" / "protect.py", 1
    )
    return Snapshot(
        root=root,
        needs=needs,
        code_units=(unit,),
        tests=(),
        trace_errors=(),
        code_fingerprints={unit.qualified_name: "f" * 64},
        requirement_fingerprints={rid: requirement_fingerprint(n) for rid, n in needs.items()},
    )


def _records(report: dict[str, Any], snapshot: Snapshot) -> dict[str, Any]:
    records = faults_evidence.campaign_records(
        report, snapshot, artefacts=(ARTEFACT,), started_at=START, finished_at=END
    )
    return {record.id.removeprefix("bms-faults:"): record for record in records}


def test_passing_runs_give_one_passing_record_per_requirement(snapshot: Snapshot) -> None:
    late_onset = replace(OVER_VOLTAGE, onset_ms=2000, point="charge", detection_ms=150)
    records = _records(_report([OVER_VOLTAGE, late_onset, CRC], passed=True), snapshot)
    assert set(records) == set(REQUIREMENTS)
    assert {r.verdict for r in records.values()} == {Verdict.PASS}
    assert {r.method for r in records.values()} == {Method.FAULT_INJECTION}
    over_voltage = records["SWR_PROT_OV_001"]
    assert over_voltage.figures["runs"] == 2
    assert over_voltage.figures["within_ftti"] == 2
    assert over_voltage.figures["onsets"] == 2
    assert over_voltage.figures["operating_points"] == 2
    assert over_voltage.figures["worst_detection_ms"] == 150
    assert over_voltage.figures["ftti_ms_min"] == 300
    assert over_voltage.artefacts == (ARTEFACT,)
    assert [(s.qualified_name, s.fingerprint) for s in over_voltage.subjects] == [
        ("pkg.protect.trip", "f" * 64)
    ]
    assert over_voltage.requirement_fingerprints == {
        "SWR_PROT_OV_001": snapshot.requirement_fingerprints["SWR_PROT_OV_001"]
    }
    assert records["SWR_CAN_005"].figures["fault_types"] == "communication_crc"
    campaign = records["SWR_CTRL_FAULTS_001"]
    assert (campaign.figures["runs"], campaign.figures["fault_free_runs"]) == (3, 1)
    assert campaign.figures["false_trips"] == 0


def test_the_records_rest_on_the_script_that_judges_them(snapshot: Snapshot) -> None:
    outside = _records(_report([OVER_VOLTAGE], passed=True), snapshot)
    assert {r.procedure for r in outside.values()} == {None}  # the script is not in tmp_path
    repo = SCRIPTS.parents[1]
    in_repo = replace(snapshot, root=repo, import_root=repo, code_units=())
    script = SCRIPTS / "faults_evidence.py"
    name = "verification.scripts.faults_evidence"
    procedures = {
        r.procedure for r in _records(_report([OVER_VOLTAGE], passed=True), in_repo).values()
    }
    assert procedures == {
        Subject(
            qualified_name=name,
            path="verification/scripts/faults_evidence.py",
            fingerprint=code_unit_fingerprint(script, name, name) or "",
        )
    }


def test_a_missed_run_fails_exactly_its_requirements(snapshot: Snapshot) -> None:
    missed = replace(
        OVER_VOLTAGE, detected_as=[], detection_ms=None, safe_state_ms=None, within_ftti=False
    )
    records = _records(_report([missed, CRC], passed=False), snapshot)
    verdicts = {rid: record.verdict for rid, record in records.items()}
    assert verdicts == {
        "SWR_PROT_OV_001": Verdict.FAIL,
        "SWR_PROT_COMM_001": Verdict.PASS,
        "SWR_CAN_005": Verdict.PASS,
        "SWR_CTRL_FAULTS_001": Verdict.FAIL,
    }
    figures = records["SWR_PROT_OV_001"].figures
    assert (figures["missed"], figures["worst_detection_ms"]) == (1, "none detected")


def test_a_false_trip_is_counted_on_the_campaign_record(snapshot: Snapshot) -> None:
    tripped = replace(CLEAN_DRIVE, false_trips=["cell_over_voltage"], first_trip_ms=5000)
    report = _report([OVER_VOLTAGE], passed=False, fault_free=(CLEAN_DRIVE, tripped))
    campaign = _records(report, snapshot)["SWR_CTRL_FAULTS_001"]
    assert campaign.verdict is Verdict.FAIL
    assert (campaign.figures["fault_free_runs"], campaign.figures["false_trips"]) == (2, 1)


def test_a_campaign_that_ran_nothing_does_not_pass(snapshot: Snapshot) -> None:
    records = _records(_report([], passed=True), snapshot)
    assert list(records) == ["SWR_CTRL_FAULTS_001"]
    assert records["SWR_CTRL_FAULTS_001"].verdict is Verdict.FAIL


def test_an_unknown_fault_type_stops_the_conversion(snapshot: Snapshot) -> None:
    strange = replace(OVER_VOLTAGE, case="cosmic_ray")
    with pytest.raises(faults_evidence.ConversionError, match="cosmic_ray"):
        _records(_report([strange], passed=True), snapshot)


def test_an_unknown_requirement_stops_the_conversion(snapshot: Snapshot) -> None:
    isolation = replace(OVER_VOLTAGE, case="isolation_loss")
    with pytest.raises(faults_evidence.ConversionError, match="SWR_PROT_ISO_001"):
        _records(_report([isolation], passed=True), snapshot)


def test_every_table_entry_names_a_requirement_of_the_bms() -> None:
    ids = {rid for rids in faults_evidence.CASE_REQUIREMENTS.values() for rid in rids}
    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (Path(__file__).resolve().parents[2] / "requirements").rglob("*.rst")
    )
    assert {
        rid for rid in ids | {faults_evidence.CAMPAIGN_REQUIREMENT} if f":id: {rid}" not in text
    } == set()


def test_main_writes_records_pins_the_report_and_fails_on_a_miss(
    snapshot: Snapshot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(faults_evidence, "_snapshot", lambda _root: snapshot)
    missed = replace(CRC, within_ftti=False)
    report = tmp_path / "campaign.json"
    report.write_text(json.dumps(_report([OVER_VOLTAGE, missed], passed=False)), encoding="utf-8")
    evidence = tmp_path / "evidence"
    status = faults_evidence.main([str(report), "--evidence", str(evidence)])
    assert status == 2
    records, problems = read_records(evidence)
    assert problems == []
    assert {r.id: r.verdict for r in records} == {
        "bms-faults:SWR_PROT_OV_001": Verdict.PASS,
        "bms-faults:SWR_PROT_COMM_001": Verdict.FAIL,
        "bms-faults:SWR_CAN_005": Verdict.FAIL,
        "bms-faults:SWR_CTRL_FAULTS_001": Verdict.FAIL,
    }
    [artefact] = {a for r in records for a in r.artefacts}
    assert artefact.sha256 == file_sha256(evidence / artefact.path) == file_sha256(report)
    assert "4 fault-injection records written" in capsys.readouterr().out


def test_two_packs_reports_join_and_a_miss_on_either_fails_its_requirements(
    snapshot: Snapshot,
) -> None:
    nmc = _report([OVER_VOLTAGE, CRC], passed=True)
    lfp = _report([OVER_VOLTAGE, replace(CRC, within_ftti=False)], passed=False, pack="lfp_96s")
    joined = faults_evidence.joined_report([nmc, lfp])
    assert joined["pack"] == "nmc_96s; lfp_96s"
    assert [run["pack"] for run in joined["runs"]] == ["nmc_96s"] * 2 + ["lfp_96s"] * 2
    records = _records(joined, snapshot)
    assert records["SWR_PROT_OV_001"].verdict is Verdict.PASS
    assert records["SWR_PROT_OV_001"].figures["runs"] == 2
    assert records["SWR_PROT_OV_001"].figures["packs"] == 2
    assert records["SWR_CAN_005"].verdict is Verdict.FAIL  # missed on the LFP pack only
    campaign = records["SWR_CTRL_FAULTS_001"]
    assert campaign.verdict is Verdict.FAIL  # the LFP campaign failed
    assert campaign.figures["fault_free_hours"] == 2.0
    assert campaign.figures["fault_free_runs"] == 2
    both = _records(faults_evidence.joined_report([nmc, nmc]), snapshot)
    assert {r.verdict for r in both.values()} == {Verdict.PASS}


def test_main_pins_each_packs_report(
    snapshot: Snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faults_evidence, "_snapshot", lambda _root: snapshot)
    paths = [tmp_path / "nmc.json", tmp_path / "lfp.json"]
    paths[0].write_text(json.dumps(_report([OVER_VOLTAGE], passed=True)), encoding="utf-8")
    lfp = _report([OVER_VOLTAGE, CRC], passed=True, pack="lfp_96s")
    paths[1].write_text(json.dumps(lfp), encoding="utf-8")
    evidence = tmp_path / "evidence"
    assert faults_evidence.main([*map(str, paths), "--evidence", str(evidence)]) == 0
    records, problems = read_records(evidence)
    assert problems == []
    artefacts = {a for r in records for a in r.artefacts}
    assert sorted(a.sha256 for a in artefacts) == sorted(file_sha256(p) for p in paths)
    assert all(file_sha256(evidence / a.path) == a.sha256 for a in artefacts)


def test_main_on_a_malformed_report_exits_3_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "campaign.json"
    report.write_text('{"runs": [', encoding="utf-8")
    assert faults_evidence.main([str(report), "--evidence", str(tmp_path / "evidence")]) == 3
    error = capsys.readouterr().err
    assert error.startswith(f"faults_evidence: {report}: ")
    assert "Traceback" not in error
    assert not (tmp_path / "evidence").exists()
