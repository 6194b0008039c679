"""MC/DC tests of bms/controller/_controller.py.

Covers the conditions the main tests leave without independent effect: a
contactor that stays closed after opening is reported as the latched fault
``contactor_welded`` (SWR_CTRL_FORCE_001); a precharge that never reaches
the pack voltage ends in ``precharge_lockout`` (SWR_CTRL_FORCE_001); a
non-frame whose ``time_ms`` is an int keeps that time in the safe outputs
while one whose ``time_ms`` is not an int gets -1 (SWR_CTRL_SAFE_001); a
frame with the wrong number of cell voltages, or no temperature at all,
makes the estimation unavailable (a warning, SWR_CTRL_EST_001), and with a
SoC already known the limits then fall back to the protection's alone
(SWR_CTRL_LIM_001); a reset request while the contactors are still opening
is ignored, the same request once they are settled open clears the fault
(SWR_CTRL_RESET_001); a NaN pack voltage gives finite (zero) power limits
(SWR_CTRL_LIM_001); the freeze frame of a DTC latched on a NaN cell names
the largest and smallest finite cell voltage, skipping the NaN
(SWR_CTRL_DTC_001).
"""

import math
from types import SimpleNamespace
from typing import Any

import pytest

from bms.config import load_config
from bms.controller import BmsController, ContactorFeedbackInput, ControllerStatus
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.controller.frames import follow, frame

CONFIG = load_config()
PERIOD = CONFIG.pack.protection_period_ms
TIMING = CONFIG.pack.contactors


class _Rig:
    """A controller and an ideal plant whose answers a test may override."""

    def __init__(self, controller: BmsController | None = None) -> None:
        self.controller = controller or BmsController(CONFIG)
        self.time_ms = 0
        self.plant: dict[str, Any] = {}

    def step(self, **changes: Any) -> Any:
        outputs = self.controller.step(frame(self.time_ms, **{**self.plant, **changes}))
        self.plant = follow(outputs)
        self.time_ms += PERIOD
        return outputs

    def run(self, steps: int, **changes: Any) -> Any:
        outputs = None
        for _ in range(steps):
            outputs = self.step(**changes)
        return outputs


@pytest.mark.verifies("SWR_CTRL_FORCE_001", method="fault_injection")
def test_welded_main_positive_is_a_latched_fault() -> None:
    rig = _Rig()
    assert rig.run(60, close=True).status is ControllerStatus.CONNECTED
    stuck = ContactorFeedbackInput(
        main_positive_closed=True, main_negative_closed=False, precharge_closed=False
    )
    outputs = rig.run(60, close=False, contactor_feedback=stuck, link_voltage_v=0.0)
    assert "contactor_welded" in outputs.latched_faults
    assert not outputs.contactors.main_positive
    assert (
        "main_positive" in next(f for f in outputs.faults if f.fault == "contactor_welded").reason
    )


@pytest.mark.verifies("SWR_CTRL_FORCE_001", method="fault_injection")
def test_precharge_that_never_completes_locks_out() -> None:
    rig = _Rig()
    steps = (TIMING.precharge_max_attempts + 1) * (TIMING.precharge_timeout_ms // PERIOD + 50)
    outputs = rig.step(close=True, link_voltage_v=0.0)
    for _ in range(steps):
        if "precharge_lockout" in outputs.latched_faults:
            break
        outputs = rig.step(close=True, link_voltage_v=0.0)
    assert "precharge_lockout" in outputs.latched_faults
    assert not any(outputs.contactors.model_dump().values())


@pytest.mark.verifies("SWR_CTRL_SAFE_001", method="fault_injection")
def test_safe_outputs_keep_an_int_time_of_a_bad_frame() -> None:
    with_int = BmsController().step(SimpleNamespace(time_ms=70))  # type: ignore[arg-type]
    with_text = BmsController().step(SimpleNamespace(time_ms="70"))  # type: ignore[arg-type]
    assert with_int.latched_faults == with_text.latched_faults == ("internal_error",)
    assert with_int.time_ms == 70
    assert with_text.time_ms == -1


@pytest.mark.verifies("SWR_CTRL_EST_001", method="fault_injection")
@pytest.mark.parametrize(
    "bad",
    [
        {"cell_voltages_v": (3.7,) * 95},
        {"cell_temperatures_degc": ()},
    ],
    ids=["95-cells", "no-temperature"],
)
def test_estimation_unavailable_on_a_malformed_frame(bad: dict[str, Any]) -> None:
    controller = BmsController(CONFIG, chemistry=synthetic_chemistry())
    outputs = controller.step(frame(0, **bad))
    assert "estimation_unavailable" in [f.fault for f in outputs.faults]
    assert outputs.soc is None


@pytest.mark.verifies("SWR_CTRL_LIM_001")
def test_limits_fall_back_to_protection_when_estimation_fails() -> None:
    rig = _Rig(BmsController(CONFIG, chemistry=synthetic_chemistry()))
    known = rig.step()
    assert known.soc is not None
    every = CONFIG.pack.estimation_period_ms // PERIOD
    outputs = rig.run(every, cell_temperatures_degc=())
    assert "estimation_unavailable" in [f.fault for f in outputs.faults]


@pytest.mark.verifies("SWR_CTRL_RESET_001", method="fault_injection")
def test_reset_is_ignored_until_the_contactors_settle_open() -> None:
    rig = _Rig()
    assert rig.run(60, close=True).status is ControllerStatus.CONNECTED
    assert "crash" in rig.step(close=True, crash=True).latched_faults
    early = rig.step(reset=True)
    assert "crash" in early.latched_faults
    assert early.status is not ControllerStatus.CONNECTED
    rig.run(30)
    assert "crash" not in rig.step(reset=True).latched_faults


@pytest.mark.verifies("SWR_CTRL_LIM_001", method="fault_injection")
def test_nan_pack_voltage_gives_finite_power_limits() -> None:
    rig = _Rig()
    assert rig.run(60, close=True).discharge_power_limit_w > 0.0
    outputs = rig.step(close=True, pack_voltage_v=math.nan)
    assert outputs.discharge_power_limit_w == 0.0
    assert outputs.charge_power_limit_w == 0.0


@pytest.mark.verifies("SWR_CTRL_DTC_001", method="fault_injection")
def test_freeze_frame_skips_a_nan_cell() -> None:
    rig = _Rig()
    cells = [3.7 + 0.001 * (i % 7) for i in range(CONFIG.pack.series_count)]
    cells[9] = math.nan
    events = []
    for _ in range(40):
        events.extend(rig.step(cell_voltages_v=tuple(cells)).dtc_events)
    assert events
    freeze = events[0].freeze
    assert freeze["max_cell_index"] != 9
    assert freeze["min_cell_index"] != 9
    assert freeze["max_cell_v"] == pytest.approx(3.706)
    assert freeze["min_cell_v"] == pytest.approx(3.7)
