"""MC/DC tests of bms/faults/_cases.py (SWR_CTRL_FAULTS_001).

Covers the conditions the main tests leave without independent effect: a
temperature ramp leaves the frame untouched before the ramp starts, ramps
the sensor between the ramp start and the onset, and reads the fault value
from the onset on; the charger that ignores the limits forces its current
from the ramp start only; the stuck cell passes readings through before the
onset, holds the onset reading after it, and lets go when a run restarts;
a NaN injection changes nothing before the onset; the spoiled and repeated
vehicle commands change only ``VCU_Command`` frames and only from the onset
(the repeated one holds the first command frame after the onset); the
under-temperature cases apply only below their ambient thresholds; the crash,
refused-close and contactor drop-out rig faults apply from the onset only.
"""

import math
from types import SimpleNamespace
from typing import Any

import pytest

from bms.can import protected_message
from bms.config import load_config
from bms.controller import ControllerInputs
from bms.faults import OperatingPoint, fault_cases
from bms.faults._cases import (
    _CELL,
    _RAMP_MS,
    _SENSOR,
    _close_refused,
    _crash_flag,
    _main_positive_dropped,
)
from verification.bms.unit.controller.frames import frame

CONFIG = load_config()
CASES = {case.name: case for case in fault_cases(CONFIG)}
TEMPERATURE = CONFIG.protection.discharge_temperature
COMMAND_ID = protected_message("VCU_Command").arbitration_id


def _command_hex(inputs: ControllerInputs) -> list[str]:
    return [f.data_hex for f in inputs.can_rx if f.arbitration_id == COMMAND_ID]


def _other_hex(inputs: ControllerInputs) -> list[str]:
    return [f.data_hex for f in inputs.can_rx if f.arbitration_id != COMMAND_ID]


def _with_cell(value: float) -> ControllerInputs:
    cells = [3.7] * CONFIG.pack.series_count
    cells[_CELL] = value
    return frame(0, cell_voltages_v=tuple(cells))


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_temperature_ramp_before_during_and_after() -> None:
    inject = CASES["discharge_over_temperature"].inject
    base = frame(0)
    start = base.cell_temperatures_degc[_SENSOR]
    before = inject(base, None, -_RAMP_MS - 10)  # type: ignore[arg-type]
    halfway = inject(base, None, -_RAMP_MS // 2)  # type: ignore[arg-type]
    after = inject(base, None, 0)  # type: ignore[arg-type]
    assert before is base
    assert start < halfway.cell_temperatures_degc[_SENSOR] < TEMPERATURE.over_fault_degc
    assert after.cell_temperatures_degc[_SENSOR] > TEMPERATURE.over_fault_degc


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_stubborn_charger_from_the_ramp_start() -> None:
    plant = CASES["charge_over_temperature"].plant
    assert plant is not None

    rig: Any = SimpleNamespace(override_current_a=None)
    plant(rig, -_RAMP_MS - 10)
    before = rig.override_current_a
    plant(rig, -_RAMP_MS)
    assert before is None
    assert rig.override_current_a < 0.0  # charging


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_stuck_cell_holds_from_onset_and_releases_before_it() -> None:
    inject = CASES["cell_voltage_stuck"].inject
    assert inject(_with_cell(3.60), None, -10).cell_voltages_v[_CELL] == 3.60  # type: ignore[arg-type]
    assert inject(_with_cell(3.61), None, 0).cell_voltages_v[_CELL] == 3.61  # type: ignore[arg-type]
    assert inject(_with_cell(3.70), None, 10).cell_voltages_v[_CELL] == 3.61  # type: ignore[arg-type]
    assert inject(_with_cell(3.62), None, -10).cell_voltages_v[_CELL] == 3.62  # type: ignore[arg-type]
    assert inject(_with_cell(3.63), None, 0).cell_voltages_v[_CELL] == 3.63  # type: ignore[arg-type]


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_nan_injection_only_from_onset() -> None:
    inject = CASES["cell_voltage_nan"].inject
    base = frame(0)
    assert inject(base, None, -10) is base  # type: ignore[arg-type]
    assert math.isnan(inject(base, None, 0).cell_voltages_v[_CELL])  # type: ignore[arg-type]


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
@pytest.mark.parametrize("name", ["communication_crc", "communication_length"])
def test_spoiled_command_only_from_onset_and_only_the_command(name: str) -> None:
    inject = CASES[name].inject
    base = frame(0, close=True)
    assert _command_hex(base)
    assert _other_hex(base)
    assert inject(base, None, -10) is base  # type: ignore[arg-type]
    spoiled = inject(base, None, 0)  # type: ignore[arg-type]
    assert _command_hex(spoiled) != _command_hex(base)
    assert _other_hex(spoiled) == _other_hex(base)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_repeated_command_holds_the_first_frame_after_onset() -> None:
    inject = CASES["communication_counter"].inject
    first, second = frame(0, close=True), frame(10, close=True)
    assert _command_hex(first) != _command_hex(second)
    assert _command_hex(inject(second, None, -10)) == _command_hex(second)  # type: ignore[arg-type]
    assert _command_hex(inject(first, None, 0)) == _command_hex(first)  # type: ignore[arg-type]
    held = inject(second, None, 10)  # type: ignore[arg-type]
    assert _command_hex(held) == _command_hex(first)
    assert _other_hex(held) == _other_hex(second)
    assert _command_hex(inject(second, None, -10)) == _command_hex(second)  # type: ignore[arg-type]
    assert _command_hex(inject(second, None, 0)) == _command_hex(second)  # type: ignore[arg-type]


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
@pytest.mark.parametrize(
    ("name", "usage", "cold", "warm"),
    [
        ("charge_under_temperature", "charging", 10.0, 25.0),
        ("discharge_under_temperature", "driving", -10.0, 25.0),
    ],
)
def test_under_temperature_cases_apply_only_when_cold(
    name: str, usage: str, cold: float, warm: float
) -> None:
    applies = CASES[name].applies
    assert applies(OperatingPoint(usage, cold, 0.5))
    assert not applies(OperatingPoint(usage, warm, 0.5))
    assert not applies(OperatingPoint("standstill", cold, 0.5))


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
@pytest.mark.parametrize(
    ("plant", "attribute", "before", "after"),
    [
        (_crash_flag, "crash_detected", False, True),
        (_close_refused, "close_override", None, False),
        (_main_positive_dropped, "dropped", frozenset(), frozenset({"main_positive"})),
    ],
    ids=["crash", "close-refused", "dropout"],
)
def test_rig_faults_apply_from_the_onset_only(
    plant: Any, attribute: str, before: object, after: object
) -> None:
    rig: Any = SimpleNamespace()
    plant(rig, -10)
    assert getattr(rig, attribute) == before
    plant(rig, 0)
    assert getattr(rig, attribute) == after
