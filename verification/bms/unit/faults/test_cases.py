"""Tests of bms/faults/_cases.py: the injected fault types.

Covers: every case names its intended fault among those that count, has a
positive FTTI and applies to at least one default operating point; the
staged over-voltage crosses the threshold exactly at onset and never jumps
faster than the plausibility limit; the frozen stream repeats the onset
frame with nothing fresh; the stuck cell holds its onset value; plant-level
over-current overrides the vehicle's current from onset only.
"""

import itertools
import math

import pytest

from bms.cell import load_chemistry
from bms.config import load_config
from bms.faults import DEFAULT_POINTS, OperatingPoint, PackRig, fault_cases

CONFIG = load_config()
CASES = {case.name: case for case in fault_cases(CONFIG)}
RIG = PackRig(CONFIG, load_chemistry("NMC_Chen2020"), OperatingPoint("charging", 25.0, 0.3))
FRAME = RIG.frame(close_request=True)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
@pytest.mark.parametrize("name", sorted(CASES))
def test_case_table(name: str) -> None:
    case = CASES[name]
    assert case.primary in case.expected
    assert case.ftti_ms > 0
    assert any(case.applies(point) for point in DEFAULT_POINTS)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_every_protection_fault_family_is_injected() -> None:
    primaries = {case.primary for case in CASES.values()}
    assert primaries >= {
        "cell_over_voltage",
        "cell_under_voltage",
        "charge_over_current",
        "discharge_over_current",
        "charge_over_temperature",
        "charge_under_temperature",
        "discharge_over_temperature",
        "discharge_under_temperature",
        "voltage_sensor",
        "temperature_sensor",
        "current_sensor",
        "current_sensor_mismatch",
        "open_wire",
        "stale_data",
        "isolation",
        "communication_timeout",
        "crash",
        "contactor_welded",
    }


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_over_voltage_crosses_at_onset_with_plausible_steps() -> None:
    case = CASES["cell_over_voltage"]
    threshold = CONFIG.protection.cell_voltage.over_fault_v
    limit = CONFIG.protection.plausibility.max_cell_voltage_rate_v_per_s * 0.01
    values = [max(case.inject(FRAME, RIG, t).cell_voltages_v) for t in range(-300, 30, 10)]
    crossing = [t for t, v in zip(range(-300, 30, 10), values, strict=True) if v > threshold]
    assert crossing[0] == 0
    assert max(abs(b - a) for a, b in itertools.pairwise(values)) < limit


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_frozen_and_stuck() -> None:
    frozen = CASES["frozen_stream"].inject
    first = frozen(FRAME, RIG, 0)
    later = frozen(RIG.frame(close_request=True), RIG, 10)
    assert later.cell_voltages_v == first.cell_voltages_v
    assert not any(later.fresh.model_dump().values())
    stuck = CASES["cell_voltage_stuck"].inject
    held = stuck(FRAME, RIG, 0).cell_voltages_v
    again = stuck(RIG.frame(close_request=True), RIG, 10).cell_voltages_v
    assert held[41] == again[41]
    assert held != again


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_current_override_from_onset() -> None:
    case = CASES["charge_over_current"]
    assert case.plant is not None
    case.plant(RIG, -10)
    assert RIG.override_current_a is None
    case.plant(RIG, 0)
    override: float | None = getattr(RIG, "override_current_a")  # noqa: B009 - defeats narrowing
    assert override is not None
    assert override < -CONFIG.protection.charge_current.fault_a
    case.plant(RIG, -10)
    assert math.isfinite(FRAME.pack_voltage_v)
