"""Tests of bms/protection/_over_voltage.py against SWR_PROT_OV_001.

Covers: classification at and around both tiers (boundary values), NaN,
infinities and an empty sample as faults; the debounce latching after
exactly ``debounce_ms`` of fresh crossing samples, restarting on a fresh
sample below the tier, frozen on stale samples; the latch holding.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.config import VoltageLimits, load_config
from bms.protection import (
    Level,
    OverVoltageState,
    classify_cell_over_voltage,
    step_cell_over_voltage,
)
from bms.units import Milliseconds, Volts

LIMITS: VoltageLimits = load_config().protection.cell_voltage
PERIOD = Milliseconds(10)
STEPS_TO_LATCH = LIMITS.timing.debounce_ms // PERIOD


def cells(*voltages: float) -> list[Volts]:
    return [Volts(v) for v in voltages]


@pytest.mark.verifies("SWR_PROT_OV_001")
@pytest.mark.parametrize(
    ("voltage_v", "level"),
    [
        (LIMITS.over_warning_v, Level.NORMAL),
        (math.nextafter(LIMITS.over_warning_v, math.inf), Level.WARNING),
        (LIMITS.over_fault_v, Level.WARNING),
        (math.nextafter(LIMITS.over_fault_v, math.inf), Level.FAULT),
        (math.nan, Level.FAULT),
        (math.inf, Level.FAULT),
        (-math.inf, Level.FAULT),
    ],
)
def test_classification_boundaries(voltage_v: float, level: Level) -> None:
    assert classify_cell_over_voltage(cells(3.7, voltage_v, 3.6), LIMITS) is level


@pytest.mark.verifies("SWR_PROT_OV_001")
def test_empty_sample_is_a_fault() -> None:
    assert classify_cell_over_voltage([], LIMITS) is Level.FAULT


@pytest.mark.verifies("SWR_PROT_OV_001")
def test_latches_after_exactly_the_debounce_time() -> None:
    high = cells(3.7, LIMITS.over_fault_v + 0.01)
    state = OverVoltageState()
    for _ in range(STEPS_TO_LATCH - 1):
        state = step_cell_over_voltage(state, high, fresh=True, period_ms=PERIOD, limits=LIMITS)
        assert not state.latched
    state = step_cell_over_voltage(state, high, fresh=True, period_ms=PERIOD, limits=LIMITS)
    assert state.latched


@pytest.mark.verifies("SWR_PROT_OV_001")
def test_stale_samples_neither_advance_nor_clear() -> None:
    high = cells(LIMITS.over_fault_v + 0.1)
    state = step_cell_over_voltage(
        OverVoltageState(), high, fresh=True, period_ms=PERIOD, limits=LIMITS
    )
    for _ in range(10 * STEPS_TO_LATCH):
        frozen = step_cell_over_voltage(state, high, fresh=False, period_ms=PERIOD, limits=LIMITS)
        assert frozen == state
    normal = cells(3.7)
    assert (
        step_cell_over_voltage(state, normal, fresh=False, period_ms=PERIOD, limits=LIMITS) == state
    )


@pytest.mark.verifies("SWR_PROT_OV_001")
def test_fresh_normal_sample_restarts_the_debounce() -> None:
    high, normal = cells(LIMITS.over_fault_v + 0.1), cells(3.7)
    state = OverVoltageState()
    for _ in range(STEPS_TO_LATCH - 1):
        state = step_cell_over_voltage(state, high, fresh=True, period_ms=PERIOD, limits=LIMITS)
    state = step_cell_over_voltage(state, normal, fresh=True, period_ms=PERIOD, limits=LIMITS)
    assert state == OverVoltageState()


@pytest.mark.verifies("SWR_PROT_OV_001")
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=8))
def test_latched_fault_stays_latched(voltages: list[float]) -> None:
    latched = OverVoltageState(crossing_ms=LIMITS.timing.debounce_ms, latched=True)
    for fresh in (True, False):
        after = step_cell_over_voltage(
            latched, cells(*voltages), fresh=fresh, period_ms=PERIOD, limits=LIMITS
        )
        assert after.latched
