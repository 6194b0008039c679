"""Tests of bms/faults/_campaign.py: timing injected faults in closed loop.

Covers: an over-voltage and a crash at standstill reach the safe state
within their FTTI with the detection and open-command times the debounce
predicts; a fault-free run does not trip; a campaign over chosen fault
types, one operating point and one onset runs each once, passes, and
reports a summary; an unknown fault type is refused; a run whose
reaction is disabled (patched protection) is reported as missed; a main
contactor dropping out while driving and a corrupted (CRC) vehicle command
are detected within their FTTI and leave a DTC; fault-free time is cut into
drives and gives the same results on two worker processes as on one; every
DTC event reaches the sink with the run's label.
"""

import pytest

from bms.cell import load_chemistry
from bms.config import load_config
from bms.faults import OperatingPoint, fault_cases, run_campaign, run_fault_case, run_fault_free
from bms.protection import step_protection

CONFIG = load_config()
CHEMISTRY = load_chemistry("NMC_Chen2020")
STANDSTILL = OperatingPoint("standstill", 25.0, 0.6)
CASES = {case.name: case for case in fault_cases(CONFIG)}
ONSET_MS = 1500


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", "SWR_PROT_OV_001", "SWR_PROT_CRASH_001")
def test_over_voltage_and_crash_timing() -> None:
    voltage = run_fault_case(
        CASES["cell_over_voltage"], STANDSTILL, ONSET_MS, config=CONFIG, chemistry=CHEMISTRY, seed=1
    )
    assert voltage.connected_at_onset
    assert voltage.detection_ms == CONFIG.protection.cell_voltage.timing.debounce_ms - 10
    assert voltage.open_command_ms == voltage.detection_ms
    assert voltage.within_ftti
    crash = run_fault_case(
        CASES["crash"], STANDSTILL, ONSET_MS, config=CONFIG, chemistry=CHEMISTRY, seed=2
    )
    assert crash.detection_ms == 0
    assert crash.safe_state_ms == CONFIG.pack.contactors.opening_time_ms


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_fault_free_run_does_not_trip() -> None:
    result = run_fault_free(
        OperatingPoint("driving", 25.0, 0.8), 3.0, config=CONFIG, chemistry=CHEMISTRY, seed=3
    )
    assert result.false_trips == []
    assert result.first_trip_ms is None


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_small_campaign_passes() -> None:
    labels: list[str] = []
    chosen = ("cell_under_voltage", "discharge_over_current", "frozen_stream")
    report = run_campaign(
        CONFIG,
        CHEMISTRY,
        cases=chosen,
        points=[STANDSTILL],
        onsets_ms=[ONSET_MS],
        fault_free_s=1.0,
        progress=labels.append,
    )
    applicable = [c for c in fault_cases(CONFIG) if c.name in chosen]
    assert len(report.runs) == len(applicable)
    assert len(labels) == len(applicable) + 1
    assert report.summary["passed"], report.summary
    assert report.summary["missed"] == []
    assert report.as_json()["summary"] == report.summary


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_missing_reaction_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = step_protection

    def blind(state, sample, *, reset, config):  # type: ignore[no-untyped-def]
        new_state, report = real(state, sample, reset=reset, config=config)
        return new_state, report.__class__(
            **{**report.__dict__, "open_contactors": False, "faults": ()}
        )

    monkeypatch.setattr("bms.controller._controller.step_protection", blind)
    result = run_fault_case(
        CASES["cell_over_voltage"], STANDSTILL, ONSET_MS, config=CONFIG, chemistry=CHEMISTRY, seed=1
    )
    assert not result.within_ftti
    assert result.detection_ms is None


def test_unknown_case_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault types: nope"):
        run_campaign(CONFIG, CHEMISTRY, cases=("nope",), points=[STANDSTILL], fault_free_s=0.0)


DRIVING = OperatingPoint("driving", 25.0, 0.8)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", "SWR_CONT_FB_001", method="fault_injection")
def test_contactor_dropout_reacts_within_its_ftti() -> None:
    case = CASES["main_positive_dropout"]
    assert (
        case.ftti_ms == CONFIG.protection.contactor_sequence.feedback_timing.fault_tolerant_time_ms
    )
    result = run_fault_case(case, DRIVING, ONSET_MS, config=CONFIG, chemistry=CHEMISTRY, seed=4)
    assert result.connected_at_onset
    assert result.detected_as == ["contactor_feedback"]
    assert result.within_ftti
    assert result.dtc_recorded
    assert result.dtcs[0].startswith("CONTACTOR_FEEDBACK#1@")


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", "SWR_PROT_COMM_002", "SWR_CTRL_RX_001")
def test_corrupted_command_detected_within_its_ftti() -> None:
    events: list[str] = []
    result = run_fault_case(
        CASES["communication_crc"],
        STANDSTILL,
        ONSET_MS,
        config=CONFIG,
        chemistry=CHEMISTRY,
        seed=5,
        dtc_sink=lambda label, event: events.append(f"{label} {event.dtc}"),
    )
    assert result.detected_as == ["communication_corrupt"]
    assert result.within_ftti
    timing = CONFIG.protection.communication.corruption_timing
    assert result.detection_ms is not None
    assert result.detection_ms >= timing.debounce_ms - 10
    assert events == [f"communication_crc/standstill/25C/{ONSET_MS}ms COMMUNICATION_CORRUPT"]


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", "SWR_PROT_PLAUS_003")
def test_stuck_cell_case_uses_the_hazard_ftti() -> None:
    plausibility = CONFIG.protection.plausibility
    assert CASES["cell_voltage_stuck"].ftti_ms == plausibility.stuck_fault_tolerant_time_ms
    charging = OperatingPoint("charging", 25.0, 0.3)
    result = run_fault_case(
        CASES["cell_voltage_stuck"], charging, 2500, config=CONFIG, chemistry=CHEMISTRY, seed=6
    )
    assert result.within_ftti
    assert result.detection_ms is not None
    assert result.detection_ms >= plausibility.stuck_time_ms - 10


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_fault_free_drives_on_two_workers_match_one() -> None:
    kwargs = {"cases": ("crash",), "points": [STANDSTILL, DRIVING], "onsets_ms": [ONSET_MS]}
    one = run_campaign(CONFIG, CHEMISTRY, fault_free_s=3.0, segment_s=1.5, **kwargs)  # type: ignore[arg-type]
    two = run_campaign(CONFIG, CHEMISTRY, fault_free_s=3.0, segment_s=1.5, workers=2, **kwargs)  # type: ignore[arg-type]
    assert one.fault_free == two.fault_free
    assert len(one.fault_free) == 4
    assert one.summary["fault_free_hours"] == round(6.0 / 3600.0, 3)
    assert one.summary["fault_free_drives"] == 4
