"""Tests of bms/protection/_monitor.py: the protection task over whole samples.

Covers: for every physical fault, the open request comes exactly on the
sample that completes the debounce (not one earlier) and within the FTTI;
debounces advance only on fresh samples of the group they read; the charge
temperature window applies only while charging; communication timeout,
crash and stale stream; the latching reason is kept; the reset clears only
with the request and the condition gone; limits: temperature scale, derate
fraction on a warning, zero while a fault is latched; every fault has a
timing whose debounce + period + opening fits its FTTI in the default pack;
isolation readings count one monitor period each and go stale after three.
"""

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bms.config import load_config
from bms.protection import (
    FaultId,
    Level,
    ProtectionReport,
    ProtectionSample,
    ProtectionState,
    fault_timing,
    fault_timings,
    step_protection,
)

CONFIG = load_config()
PROTECTION = CONFIG.protection
PERIOD = CONFIG.pack.protection_period_ms


def healthy(**changes: Any) -> ProtectionSample:
    base = ProtectionSample(
        cell_voltages_v=np.linspace(3.70, 3.72, 96),
        cell_temperatures_degc=np.full(32, 25.0),
        currents_a=np.array([10.0, 10.2]),
        pack_voltage_v=355.0,
        isolation_resistance_ohm=2e6,
    )
    return replace(base, **changes)


def run(
    samples: list[ProtectionSample], state: ProtectionState | None = None, reset: bool = False
) -> tuple[ProtectionState, list[ProtectionReport]]:
    state = state or ProtectionState()
    reports = []
    for sample in samples:
        state, report = step_protection(state, sample, reset=reset, config=CONFIG)
        reports.append(report)
    return state, reports


def sample_period(fault: FaultId) -> int:
    """Each fresh isolation reading counts one isolation-monitor period; others one period."""
    return PROTECTION.isolation.sample_period_ms if fault is FaultId.ISOLATION else PERIOD


def first_open(reports: list[ProtectionReport]) -> int:
    return next(i for i, r in enumerate(reports) if r.open_contactors)


def latched(report: ProtectionReport) -> set[FaultId]:
    return {status.fault for status in report.faults if status.latched}


def cells(value: float) -> np.ndarray:
    volts = np.linspace(3.70, 3.72, 96)
    volts[9] = value
    return volts


FAULTY: dict[FaultId, dict[str, Any]] = {
    FaultId.CELL_OVER_VOLTAGE: {
        "cell_voltages_v": cells(PROTECTION.cell_voltage.over_fault_v + 0.01)
    },
    FaultId.CELL_UNDER_VOLTAGE: {
        "cell_voltages_v": cells(PROTECTION.cell_voltage.under_fault_v - 0.01)
    },
    FaultId.DISCHARGE_OVER_CURRENT: {"currents_a": np.array([300.0, 300.5])},
    FaultId.CHARGE_OVER_CURRENT: {"currents_a": np.array([-150.0, -150.5])},
    FaultId.DISCHARGE_OVER_TEMPERATURE: {"cell_temperatures_degc": np.full(32, 60.05)},
    FaultId.DISCHARGE_UNDER_TEMPERATURE: {"cell_temperatures_degc": np.full(32, -25.05)},
    FaultId.CHARGE_UNDER_TEMPERATURE: {
        "cell_temperatures_degc": np.full(32, -0.05),
        "currents_a": np.array([-5.0, -5.0]),
    },
    FaultId.CHARGE_OVER_TEMPERATURE: {
        "cell_temperatures_degc": np.full(32, 50.05),
        "currents_a": np.array([-5.0, -5.0]),
    },
    FaultId.ISOLATION: {"isolation_resistance_ohm": 355.0 * 99.0},
    FaultId.CURRENT_SENSOR_MISMATCH: {"currents_a": np.array([10.0, 20.0])},
    FaultId.OPEN_WIRE: {"cell_voltages_v": cells(0.2)},
}


BEFORE: dict[
    FaultId, dict[str, Any]
] = {  # just inside the threshold, so that the onset is not an implausible jump
    FaultId.CELL_UNDER_VOLTAGE: {"cell_voltages_v": cells(PROTECTION.cell_voltage.under_fault_v)},
    FaultId.DISCHARGE_OVER_TEMPERATURE: {"cell_temperatures_degc": np.full(32, 60.0)},
    FaultId.DISCHARGE_UNDER_TEMPERATURE: {"cell_temperatures_degc": np.full(32, -25.0)},
    FaultId.CHARGE_UNDER_TEMPERATURE: {
        "cell_temperatures_degc": np.full(32, 0.0),
        "currents_a": np.array([-5.0, -5.0]),
    },
    FaultId.CHARGE_OVER_TEMPERATURE: {
        "cell_temperatures_degc": np.full(32, 50.0),
        "currents_a": np.array([-5.0, -5.0]),
    },
}


@pytest.mark.verifies(
    "SWR_PROT_OV_001",
    "SWR_PROT_UV_001",
    "SWR_PROT_OC_001",
    "SWR_PROT_TEMP_001",
    "SWR_PROT_TEMP_002",
    "SWR_PROT_ISO_001",
    "SWR_PROT_PLAUS_004",
    "SWR_PROT_PLAUS_005",
    "SWR_PROT_REACT_001",
    method="fault_injection",
)
@pytest.mark.verifies(
    "SWR_PROT_OV_001",
    "SWR_PROT_UV_001",
    "SWR_PROT_OC_001",
    "SWR_PROT_TEMP_001",
    "SWR_PROT_TEMP_002",
    "SWR_PROT_ISO_001",
    "SWR_PROT_PLAUS_004",
    "SWR_PROT_PLAUS_005",
    "SWR_PROT_DEB_001",
    "SWR_PROT_REACT_001",
)
@pytest.mark.parametrize("fault", list(FAULTY), ids=str)
def test_open_request_exactly_at_the_end_of_the_debounce(fault: FaultId) -> None:
    timing = fault_timing(fault, CONFIG)
    sample_ms = sample_period(fault)
    steps = max(1, math.ceil(timing.debounce_ms / sample_ms))
    before = healthy(**BEFORE.get(fault, {}))
    _, reports = run([before] * 5 + [healthy(**FAULTY[fault])] * (steps + 5))
    assert not any(r.open_contactors for r in reports[:5])
    index = first_open(reports) - 5
    assert index == steps - 1  # the sample of onset counts as the first crossing
    assert fault in latched(reports[5 + index])
    reaction_ms = (index + 1) * sample_ms + CONFIG.pack.contactors.opening_time_ms
    assert reaction_ms <= timing.fault_tolerant_time_ms


@pytest.mark.verifies("SWR_PROT_DEB_001", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_DEB_001")
@pytest.mark.parametrize(
    ("fault", "flag"),
    [
        (FaultId.CELL_OVER_VOLTAGE, "cells_fresh"),
        (FaultId.DISCHARGE_OVER_CURRENT, "current_fresh"),
        (FaultId.DISCHARGE_OVER_TEMPERATURE, "temperatures_fresh"),
        (FaultId.ISOLATION, "isolation_fresh"),
    ],
)
def test_debounce_counts_fresh_samples_only(fault: FaultId, flag: str) -> None:
    timing = fault_timing(fault, CONFIG)
    steps = max(1, math.ceil(timing.debounce_ms / sample_period(fault)))
    faulty = healthy(**FAULTY[fault])
    stale = replace(faulty, **{flag: False})  # type: ignore[arg-type]
    # alternate fresh and stale: only the fresh ones count, so the fault latches on the
    # ``steps``-th fresh sample, the last one of the run, and not before
    samples = [faulty, stale] * (steps - 1)
    _, reports = run([*samples, faulty])
    assert first_open(reports) == len(reports) - 1


@pytest.mark.verifies("SWR_PROT_TEMP_002")
def test_charge_window_only_while_charging() -> None:
    cold = np.full(32, -1.0)  # below the charge window, inside the discharge window
    _, resting = run([healthy(cell_temperatures_degc=cold, currents_a=np.array([1.0, 1.0]))] * 200)
    assert not any(r.open_contactors for r in resting)
    _, charging = run(
        [healthy(cell_temperatures_degc=cold, currents_a=np.array([-5.0, -5.0]))] * 200
    )
    assert FaultId.CHARGE_UNDER_TEMPERATURE in latched(charging[-1])


@pytest.mark.verifies("SWR_PROT_COMM_001", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_COMM_001")
def test_communication_timeout() -> None:
    limits = PROTECTION.communication
    silent = healthy(vehicle_message_ok=False)
    steps = limits.timeout_ms // PERIOD
    _, reports = run([healthy()] + [silent] * (steps + 2))
    assert first_open(reports) == steps
    assert (limits.timeout_ms + PERIOD + CONFIG.pack.contactors.opening_time_ms) <= (
        limits.timing.fault_tolerant_time_ms
    )
    warning_step = limits.warning_ms // PERIOD
    assert reports[warning_step].derate
    assert not reports[warning_step - 1].derate


@pytest.mark.verifies("SWR_PROT_CRASH_001", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_CRASH_001")
def test_crash_opens_on_the_same_step() -> None:
    _, reports = run([healthy(), healthy(crash=True)])
    assert not reports[0].open_contactors
    assert reports[1].open_contactors
    assert FaultId.CRASH in latched(reports[1])


@pytest.mark.verifies("SWR_PROT_PLAUS_006", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_PLAUS_006")
def test_frozen_stream_opens_within_three_periods() -> None:
    frozen = healthy(cells_fresh=False, temperatures_fresh=False, current_fresh=False)
    _, reports = run([healthy()] + [frozen] * 5)
    assert first_open(reports) == PROTECTION.plausibility.max_stale_periods
    assert FaultId.STALE_DATA in latched(reports[-1])


@pytest.mark.verifies("SWR_PROT_PLAUS_001")
def test_nan_cell_latches_sensor_and_voltage_faults() -> None:
    _, reports = run([healthy()] + [healthy(cell_voltages_v=cells(math.nan))] * 25)
    assert {FaultId.VOLTAGE_SENSOR, FaultId.CELL_OVER_VOLTAGE} <= latched(reports[-1])


@pytest.mark.verifies("SWR_PROT_RST_001", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_RST_001")
def test_latched_fault_keeps_reason_and_needs_reset_with_condition_gone() -> None:
    fault_sample = healthy(**FAULTY[FaultId.DISCHARGE_OVER_CURRENT])
    state, reports = run([fault_sample] * 10)
    status = next(s for s in reports[-1].faults if s.fault is FaultId.DISCHARGE_OVER_CURRENT)
    assert "300.50 A" in status.reason
    state, reports = run([healthy()] * 10, state)
    assert reports[-1].open_contactors  # condition gone, no reset: still latched
    state, reports = run([fault_sample], state, reset=True)
    assert reports[-1].open_contactors  # reset while the condition is present: refused
    state, reports = run([healthy()], state, reset=True)
    assert not reports[-1].open_contactors
    assert reports[-1].faults == ()


@pytest.mark.verifies("SWR_PROT_LIM_001", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_LIM_001")
def test_limits_follow_temperature_warning_and_fault() -> None:
    _, normal = run([healthy()])
    assert normal[0].charge_current_limit_a == PROTECTION.charge_current.warning_a
    assert normal[0].discharge_current_limit_a == PROTECTION.discharge_current.warning_a
    derating = PROTECTION.current_temperature_derating
    cool = np.full(32, 7.5)  # inside the charge window, between the 0 and 10 degC breakpoints
    share = (7.5 - derating.breakpoints_degc[0]) / (
        derating.breakpoints_degc[1] - derating.breakpoints_degc[0]
    )
    _, scaled = run([healthy(cell_temperatures_degc=cool)])
    charge_scale = derating.charge_scale[0] + share * (
        derating.charge_scale[1] - derating.charge_scale[0]
    )
    discharge_scale = derating.discharge_scale[0] + share * (
        derating.discharge_scale[1] - derating.discharge_scale[0]
    )
    assert scaled[0].charge_current_limit_a == pytest.approx(
        PROTECTION.charge_current.warning_a * charge_scale
    )
    assert scaled[0].discharge_current_limit_a == pytest.approx(
        PROTECTION.discharge_current.warning_a * discharge_scale
    )
    warm_cell = cells(PROTECTION.cell_voltage.over_warning_v + 0.001)
    _, warned = run([healthy(cell_voltages_v=warm_cell)])
    assert warned[0].derate
    assert warned[0].discharge_current_limit_a == pytest.approx(
        PROTECTION.discharge_current.warning_a * PROTECTION.derate_fraction
    )
    _, tripped = run([healthy(crash=True)])
    assert tripped[0].charge_current_limit_a == tripped[0].discharge_current_limit_a == 0.0


@pytest.mark.verifies("SWR_PROT_CFG_001")
def test_every_fault_fits_its_ftti_in_the_default_pack() -> None:
    timings = fault_timings(CONFIG)
    assert set(timings) == set(FaultId)
    overhead = PERIOD + CONFIG.pack.contactors.opening_time_ms
    for fault, timing in timings.items():
        assert timing.debounce_ms + overhead <= timing.fault_tolerant_time_ms, fault


@pytest.mark.verifies("SWR_PROT_LIM_001")
def test_no_fault_means_no_report() -> None:
    state, reports = run([healthy()] * 50)
    assert all(r.faults == () and not r.open_contactors for r in reports)
    assert all(m.level is Level.NORMAL for m in state.monitors)


@pytest.mark.verifies("SWR_PROT_PLAUS_006", "SWR_PROT_ISO_001")
def test_isolation_readings_stale_for_three_monitor_periods() -> None:
    stale_steps = (
        PROTECTION.plausibility.max_stale_periods * PROTECTION.isolation.sample_period_ms // PERIOD
    )
    _, reports = run([healthy()] + [healthy(isolation_fresh=False)] * (stale_steps + 2))
    assert first_open(reports) == stale_steps
    stale = next(s for s in reports[-1].faults if s.fault is FaultId.STALE_DATA)
    assert "isolation" in stale.reason


@pytest.mark.verifies("SWR_PROT_LIM_001")
@pytest.mark.parametrize(
    ("temperature_degc", "allowed"),
    [
        (PROTECTION.charge_temperature.under_warning_degc, True),
        (math.nextafter(PROTECTION.charge_temperature.under_warning_degc, -math.inf), False),
        (PROTECTION.charge_temperature.over_warning_degc, True),
        (math.nextafter(PROTECTION.charge_temperature.over_warning_degc, math.inf), False),
        (math.nan, False),
    ],
)
def test_no_charging_outside_the_charge_warning_window(
    temperature_degc: float, allowed: bool
) -> None:
    temps = np.full(32, 25.0)
    temps[3] = temperature_degc
    _, reports = run([healthy(cell_temperatures_degc=temps, currents_a=np.array([0.0, 0.0]))])
    assert (reports[0].charge_current_limit_a > 0.0) is allowed
    assert reports[0].discharge_current_limit_a > 0.0 or math.isnan(temperature_degc)
