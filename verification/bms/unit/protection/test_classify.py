"""Tests of bms/protection/_classify.py: per-sample classification at every threshold.

Covers boundary values (at the threshold and one ulp beyond) of cell
under-voltage, charge and discharge over-current (scaled by temperature),
both temperature windows (inactive charge window), isolation in ohm per volt,
communication age and crash; the temperature scale's interpolation,
clamping and fail-safe value for a non-finite temperature; non-finite and
missing readings classify as faults; reasons name the cell or sensor.
"""

import math

import numpy as np
import pytest

from bms.config import load_config
from bms.protection import (
    Level,
    classify_cell_under_voltage,
    classify_communication,
    classify_crash,
    classify_isolation,
    classify_over_current,
    classify_temperature_window,
    current_scale,
)

PROTECTION = load_config().protection
VOLTAGE = PROTECTION.cell_voltage
DERATING = PROTECTION.current_temperature_derating


def below(value: float) -> float:
    return math.nextafter(value, -math.inf)


def above(value: float) -> float:
    return math.nextafter(value, math.inf)


def cells(value: float, index: int = 5, count: int = 96) -> np.ndarray:
    volts = np.full(count, 3.7)
    volts[index] = value
    return volts


@pytest.mark.verifies("SWR_PROT_UV_001")
@pytest.mark.parametrize(
    ("voltage_v", "level"),
    [
        (VOLTAGE.under_warning_v, Level.NORMAL),
        (below(VOLTAGE.under_warning_v), Level.WARNING),
        (VOLTAGE.under_fault_v, Level.WARNING),
        (below(VOLTAGE.under_fault_v), Level.FAULT),
        (math.nan, Level.FAULT),
        (-math.inf, Level.FAULT),
    ],
)
def test_under_voltage_boundaries(voltage_v: float, level: Level) -> None:
    got, reason = classify_cell_under_voltage(cells(voltage_v), VOLTAGE)
    assert got is level
    assert ("cell 5" in reason) is (level is not Level.NORMAL)


@pytest.mark.verifies("SWR_PROT_UV_001")
def test_no_cells_is_an_under_voltage_fault() -> None:
    assert classify_cell_under_voltage(np.zeros(0), VOLTAGE)[0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_OC_002", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_OC_002")
@pytest.mark.parametrize(
    ("temperature_degc", "charge", "expected"),
    [
        (25.0, True, 1.0),
        (DERATING.breakpoints_degc[0], True, DERATING.charge_scale[0]),
        (-20.0, True, DERATING.charge_scale[0]),
        (5.0, True, (DERATING.charge_scale[0] + DERATING.charge_scale[1]) / 2),
        (80.0, False, DERATING.discharge_scale[-1]),
        (math.nan, True, min(DERATING.charge_scale)),
        (math.inf, False, min(DERATING.discharge_scale)),
    ],
)
def test_current_scale(temperature_degc: float, charge: bool, expected: float) -> None:
    temps = np.array([25.0, 25.0, temperature_degc])
    assert current_scale(temps, DERATING, charge=charge) == pytest.approx(expected)


@pytest.mark.verifies("SWR_PROT_OC_002")
def test_current_scale_uses_the_worst_sensor() -> None:
    temps = np.array([25.0, 50.0, 5.0])
    assert current_scale(temps, DERATING, charge=False) == pytest.approx(0.75)


@pytest.mark.verifies("SWR_PROT_OC_001")
@pytest.mark.parametrize("charge", [True, False], ids=["charge", "discharge"])
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_over_current_boundaries(charge: bool, scale: float) -> None:
    limit = PROTECTION.charge_current if charge else PROTECTION.discharge_current
    sign = -1.0 if charge else 1.0
    cases = [
        (limit.warning_a * scale, Level.NORMAL),
        (above(limit.warning_a * scale), Level.WARNING),
        (limit.fault_a * scale, Level.WARNING),
        (above(limit.fault_a * scale), Level.FAULT),
    ]
    for magnitude_a, level in cases:
        currents = np.array([sign * magnitude_a, 0.0])
        assert classify_over_current(currents, limit, scale, charge=charge)[0] is level
        opposite = classify_over_current(-currents, limit, scale, charge=charge)
        assert opposite[0] is Level.NORMAL


@pytest.mark.verifies("SWR_PROT_OC_001")
def test_over_current_takes_the_larger_sensor() -> None:
    limit = PROTECTION.discharge_current
    currents = np.array([10.0, above(limit.fault_a)])
    assert classify_over_current(currents, limit, 1.0, charge=False)[0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_OC_001")
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_current_is_a_fault(bad: float) -> None:
    currents = np.array([bad, 0.0])
    for charge, limit in ((True, PROTECTION.charge_current), (False, PROTECTION.discharge_current)):
        assert classify_over_current(currents, limit, 1.0, charge=charge)[0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_TEMP_001", "SWR_PROT_TEMP_002")
@pytest.mark.parametrize("window_name", ["charge_temperature", "discharge_temperature"])
def test_temperature_window_boundaries(window_name: str) -> None:
    window = getattr(PROTECTION, window_name)
    cases = [
        (window.over_warning_degc, Level.NORMAL, Level.NORMAL),
        (above(window.over_warning_degc), Level.WARNING, Level.NORMAL),
        (window.over_fault_degc, Level.WARNING, Level.NORMAL),
        (above(window.over_fault_degc), Level.FAULT, Level.NORMAL),
        (window.under_warning_degc, Level.NORMAL, Level.NORMAL),
        (below(window.under_warning_degc), Level.NORMAL, Level.WARNING),
        (window.under_fault_degc, Level.NORMAL, Level.WARNING),
        (below(window.under_fault_degc), Level.NORMAL, Level.FAULT),
        (math.nan, Level.FAULT, Level.FAULT),
    ]
    for value, over, under in cases:
        temps = np.array([25.0, value, 25.0])
        (got_over, _), (got_under, _) = classify_temperature_window(
            temps, window, active=True, window="w"
        )
        assert (got_over, got_under) == (over, under), value


@pytest.mark.verifies("SWR_PROT_TEMP_002")
def test_inactive_window_is_normal() -> None:
    temps = np.array([-40.0, 100.0])
    result = classify_temperature_window(
        temps, PROTECTION.charge_temperature, active=False, window="charge"
    )
    assert result == ((Level.NORMAL, ""), (Level.NORMAL, ""))


@pytest.mark.verifies("SWR_PROT_ISO_001")
@pytest.mark.parametrize(
    ("ohm_per_v", "level"),
    [
        (PROTECTION.isolation.warning_ohm_per_v, Level.NORMAL),
        (below(PROTECTION.isolation.warning_ohm_per_v), Level.WARNING),
        (PROTECTION.isolation.fault_ohm_per_v, Level.WARNING),
        (below(PROTECTION.isolation.fault_ohm_per_v), Level.FAULT),
    ],
)
def test_isolation_boundaries_in_ohm_per_volt(ohm_per_v: float, level: Level) -> None:
    pack_v = 1.0  # exact arithmetic: the threshold in ohm equals ohm_per_v
    assert classify_isolation(ohm_per_v * pack_v, pack_v, PROTECTION.isolation)[0] is level


@pytest.mark.verifies("SWR_PROT_ISO_001")
def test_isolation_scales_with_pack_voltage() -> None:
    limits = PROTECTION.isolation
    resistance = limits.fault_ohm_per_v * 300.0
    assert classify_isolation(resistance, 299.0, limits)[0] is Level.WARNING
    assert classify_isolation(resistance, 301.0, limits)[0] is Level.FAULT
    assert classify_isolation(math.nan, 300.0, limits)[0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_COMM_001")
def test_communication_age_boundaries() -> None:
    limits = PROTECTION.communication
    assert classify_communication(limits.warning_ms - 1, limits)[0] is Level.NORMAL
    assert classify_communication(limits.warning_ms, limits)[0] is Level.WARNING
    assert classify_communication(limits.timeout_ms - 1, limits)[0] is Level.WARNING
    assert classify_communication(limits.timeout_ms, limits)[0] is Level.FAULT


@pytest.mark.verifies("SWR_PROT_CRASH_001")
def test_crash() -> None:
    assert classify_crash(True)[0] is Level.FAULT
    assert classify_crash(False)[0] is Level.NORMAL
