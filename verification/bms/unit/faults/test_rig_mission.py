"""Tests of the fault-free mission of bms/faults/_rig.py and its use by bms/faults/_campaign.py.

Covers: a ``drive_charge`` run drives, parks with the close request dropped,
charges constant current then constant voltage to the end of charge (the
highest true cell held at the end-of-charge voltage, never above the BMS's
charge limit) and rests with the contactors open, without a false trip; the
charger delivers nothing while the BMS allows no charge current; the coolant
follows the BMS's thermal request only on a mission; a bleeding cell loses
charge; the campaign runs its fault-free time on the points it is given,
reports each drive as it finishes (and, on one worker, checkpoints of the
running drive), the end of charge, the peak voltage and the temperature range.
"""

import numpy as np
import pytest

import bms.faults._campaign as campaign_module
from bms.cell import load_chemistry
from bms.config import load_config
from bms.controller import BmsController, ContactorCommandOutput
from bms.faults import (
    MISSION,
    FaultFreeResult,
    MissionProfile,
    OperatingPoint,
    PackRig,
    RigParameters,
    run_campaign,
)

CONFIG = load_config()
CHEMISTRY = load_chemistry("NMC_Chen2020")
OPEN = ContactorCommandOutput(main_positive=False, main_negative=False, precharge=False)
# A compressed mission: short drive and park, a large cut-off so that the charge ends in seconds
# (below the 35 A the charge reaches from 93 % SoC at 25 degC, so that it has a CC phase).
SHORT = RigParameters(mission=MissionProfile(drive_s=1.0, park_s=1.0, cutoff_a=30.0))


def _mission(ambient_degc: float = 25.0, soc: float = 0.93) -> PackRig:
    return PackRig(CONFIG, CHEMISTRY, OperatingPoint(MISSION, ambient_degc, soc), 4, SHORT)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_mission_drives_parks_charges_to_the_end_of_charge_and_rests() -> None:
    rig = _mission()
    controller = BmsController(CONFIG)
    phases: list[str] = []
    charge_currents: list[float] = []
    latched: set[str] = set()
    while rig.time_ms < 40_000 and (
        rig.end_of_charge_ms is None or rig.time_ms < rig.end_of_charge_ms + 1000
    ):
        frame = rig.frame(close_request=True)
        outputs = controller.step(frame)
        latched.update(outputs.latched_faults)
        rig.limits_a = (outputs.charge_current_limit_a, outputs.discharge_current_limit_a)
        rig.thermal_request = outputs.thermal_request
        rig.bleeding = outputs.balancing
        rig.advance(outputs.contactors)
        if not phases or phases[-1] != rig.phase:
            phases.append(rig.phase)
        if rig.phase == "charge":
            charge_currents.append(rig.current_a)
            assert -rig.current_a <= outputs.charge_current_limit_a + 1e-9
    assert phases == ["drive", "park", "charge", "rest"]
    assert rig.end_of_charge_ms is not None
    assert min(charge_currents) < -SHORT.mission.cutoff_a  # charged above the cut-off first
    assert rig.end_of_charge_v == pytest.approx(4.2)
    assert rig.peak_cell_v < CONFIG.protection.cell_voltage.over_warning_v
    assert rig.peak_cell_v > rig.end_of_charge_v - 0.01
    assert not rig.closed.main_positive_closed  # at rest: the vehicle let the BMS open
    assert latched == set()


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_charger_delivers_nothing_while_charging_is_not_allowed() -> None:
    rig = _mission(ambient_degc=-10.0)
    rig.phase, rig.limits_a = "charge", (0.0, 100.0)
    closed = ContactorCommandOutput(main_positive=True, main_negative=True, precharge=False)
    for _ in range(10):
        rig.advance(closed)
    assert rig.closed.main_positive_closed
    for _ in range(20):
        rig.advance(closed)
        assert rig.charger_a == 0.0
        assert rig.current_a == 0.0
    assert rig.phase == "charge"
    assert rig.end_of_charge_ms is None


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
@pytest.mark.parametrize(("thermal", "expected"), [("heat", 30.0), ("cool", 15.0), ("off", -10.0)])
def test_coolant_follows_the_thermal_request_on_a_mission(thermal: str, expected: float) -> None:
    rig = _mission(ambient_degc=-10.0)
    rig.thermal_request = thermal
    rig.advance(OPEN)
    assert rig.simulator.ambient_degc == expected
    other = PackRig(CONFIG, CHEMISTRY, OperatingPoint("driving", -10.0, 0.5), 4, SHORT)
    other.thermal_request = thermal
    other.advance(OPEN)
    assert other.simulator.ambient_degc == -10.0


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_a_bleeding_cell_loses_charge() -> None:
    bleeding, idle = _mission(), _mission()
    bleeding.phase = idle.phase = "rest"
    flags = [False] * CONFIG.pack.series_count
    flags[5] = True
    bleeding.bleeding = tuple(flags)
    idle.bleeding = (False,) * CONFIG.pack.series_count
    for _ in range(100):
        bleeding.advance(OPEN)
        idle.advance(OPEN)
    lost = idle.simulator.true_soc - bleeding.simulator.true_soc
    per_second = SHORT.mission.bleed_current_a / CONFIG.pack.parallel_count / 3600.0
    assert lost[5] > 0.5 * per_second / CHEMISTRY.nominal_capacity_ah
    assert np.all(lost[np.arange(lost.size) != 5] == 0.0)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_campaign_runs_the_fault_free_points_and_reports_each_drive() -> None:
    done: list[FaultFreeResult] = []
    point = OperatingPoint(MISSION, 25.0, 0.6)
    report = run_campaign(
        CONFIG,
        CHEMISTRY,
        cases=("crash",),
        points=[OperatingPoint("standstill", 25.0, 0.6)],
        onsets_ms=[2500],
        fault_free_s=2.0,
        segment_s=1.0,
        fault_free_points=[point],
        on_fault_free=lambda result, complete: done.append(result) if complete else None,
    )
    assert done == report.fault_free
    assert [f.point for f in done] == [MISSION, MISSION]
    assert all(f.false_trips == [] and f.end_of_charge_ms is None for f in done)
    assert all(f.peak_cell_v is not None and 3.5 < f.peak_cell_v < 4.2 for f in done)
    assert all(f.temperature_range_degc is not None for f in done)
    assert report.summary["fault_free_ends_of_charge"] == 0
    assert report.summary["passed"]


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_one_worker_reports_checkpoints_of_the_running_drive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(campaign_module, "CHECKPOINT_S", 0.05)  # every fifth step
    calls: list[tuple[float, bool]] = []
    point = OperatingPoint(MISSION, 25.0, 0.6)
    report = run_campaign(
        CONFIG,
        CHEMISTRY,
        cases=(),
        fault_free_s=0.12,
        fault_free_points=[point],
        on_fault_free=lambda result, complete: calls.append((result.duration_s, complete)),
    )
    assert calls == [(0.05, False), (0.1, False), (0.12, True)]
    assert report.summary["runs"] == 0
    silent = run_campaign(CONFIG, CHEMISTRY, cases=(), fault_free_s=0.06, points=[point])
    assert silent.summary["fault_free_drives"] == 1
