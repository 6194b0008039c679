"""Tests of bms/controller/_controller.py: the 10 ms step.

Covers: start-up commands every contactor open; a close request precharges
then connects (precharge before main positive); a latched fault opens the
contactors on the step it latches, zeroes the limits, reports reason and
status, and forbids closing until a reset that needs a valid vehicle
message, contactors open and the condition gone; an invalid vehicle message
keeps the last valid close request and the communication timeout opens; a
crash opens at once; an internal error (patched) latches ``internal_error``,
commands open, never raises (even for ``None``), and clears only by reset;
the estimator runs every estimation period with a chemistry and a failing
one only warns; limits fall to the derating with SoC known.
"""

import itertools
from typing import Any

import pytest

import bms.controller._controller as controller_module
from bms.config import load_config
from bms.controller import BmsController, ControllerInputs, ControllerStatus, VehicleCommandInput
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.controller.frames import PACK_V, follow, frame

CONFIG = load_config()
PERIOD = CONFIG.pack.protection_period_ms


class Rig:
    """A controller wired to an ideal plant (feedback follows commands)."""

    def __init__(self, controller: BmsController | None = None) -> None:
        self.controller = controller or BmsController(CONFIG)
        self.time_ms = 0
        self.plant: dict[str, Any] = {}
        self.history: list[Any] = []

    def step(self, **changes: Any) -> Any:
        outputs = self.controller.step(frame(self.time_ms, **{**self.plant, **changes}))
        self.plant = follow(outputs)
        self.time_ms += PERIOD
        self.history.append(outputs)
        return outputs

    def run(self, steps: int, **changes: Any) -> Any:
        outputs = None
        for _ in range(steps):
            outputs = self.step(**changes)
        return outputs

    def connect(self) -> Any:
        outputs = self.run(60, close=True)
        assert outputs.status is ControllerStatus.CONNECTED
        return outputs


@pytest.mark.verifies("SWR_CTRL_STEP_001", "SWR_CTRL_CMD_001")
def test_start_up_is_open_then_standby() -> None:
    rig = Rig()
    first = rig.step()
    assert not any(first.contactors.model_dump().values())
    assert first.step == 1
    assert rig.run(20).status is ControllerStatus.STANDBY


@pytest.mark.verifies("SWR_CTRL_CMD_001")
def test_precharge_comes_before_main_positive() -> None:
    rig = Rig()
    rig.connect()
    commands = [o.contactors for o in rig.history]
    first_main = next(i for i, c in enumerate(commands) if c.main_positive)
    first_pre = next(i for i, c in enumerate(commands) if c.precharge)
    assert first_pre < first_main
    assert rig.history[-1].discharge_current_limit_a > 0.0


@pytest.mark.verifies("SWR_CTRL_FORCE_001", "SWR_CTRL_LIM_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_FORCE_001")
def test_latched_fault_opens_on_the_latching_step() -> None:
    rig = Rig()
    rig.connect()
    high = tuple([3.7] * 95 + [CONFIG.protection.cell_voltage.over_fault_v + 0.01])
    steps = CONFIG.protection.cell_voltage.timing.debounce_ms // PERIOD
    for index in range(steps):
        outputs = rig.step(close=True, cell_voltages_v=high)
        assert outputs.contactors.main_positive is (index < steps - 1)
    assert outputs.status is ControllerStatus.FAULT
    assert outputs.latched_faults == ("cell_over_voltage",)
    assert outputs.faults[0].reason.startswith("cell 95")
    assert outputs.faults[0].reaction == "open_contactors"
    assert outputs.charge_current_limit_a == outputs.discharge_current_limit_a == 0.0
    later = rig.run(300, close=True)
    assert not any(later.contactors.model_dump().values())


@pytest.mark.verifies("SWR_CTRL_RESET_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_RESET_001")
def test_reset_needs_open_contactors_valid_message_and_condition_gone() -> None:
    rig = Rig()
    rig.connect()
    rig.run(2, vehicle=VehicleCommandInput(close_request=True, crash=True))
    rig.run(30, close=True)
    invalid_reset = VehicleCommandInput(message_valid=False, reset_request=True)
    assert rig.step(vehicle=invalid_reset).latched_faults == ("crash",)
    still = VehicleCommandInput(reset_request=True, crash=True)
    assert rig.step(vehicle=still).latched_faults == ("crash",)
    cleared = rig.step(reset=True)
    assert cleared.latched_faults == ()
    assert rig.run(60, close=True).status is ControllerStatus.CONNECTED


@pytest.mark.verifies("SWR_CTRL_FORCE_001")
def test_invalid_messages_hold_the_close_request_until_the_timeout() -> None:
    rig = Rig()
    rig.connect()
    lost = VehicleCommandInput(message_valid=False)
    timeout_steps = CONFIG.protection.communication.timeout_ms // PERIOD
    for _ in range(timeout_steps - 1):
        assert rig.step(vehicle=lost).contactors.main_positive
    outputs = rig.step(vehicle=lost)
    assert not outputs.contactors.main_positive
    assert "communication_timeout" in outputs.latched_faults


@pytest.mark.verifies("SWR_CTRL_FORCE_001")
def test_crash_opens_on_the_same_step() -> None:
    rig = Rig()
    rig.connect()
    outputs = rig.step(vehicle=VehicleCommandInput(close_request=True, crash=True))
    assert not outputs.contactors.main_positive
    assert outputs.latched_faults == ("crash",)


@pytest.mark.verifies("SWR_CTRL_SAFE_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_SAFE_001")
def test_internal_error_latches_the_safe_state(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig()
    rig.connect()

    def broken(*_: object, **__: object) -> None:
        raise ZeroDivisionError("injected")

    monkeypatch.setattr(controller_module, "step_protection", broken)
    outputs = rig.step(close=True)
    assert not any(outputs.contactors.model_dump().values())
    assert outputs.latched_faults == ("internal_error",)
    assert "ZeroDivisionError: injected" in outputs.faults[0].reason
    monkeypatch.undo()
    outputs = rig.run(50, close=True)
    assert "internal_error" in outputs.latched_faults
    assert not outputs.contactors.main_positive
    assert rig.step(reset=True).latched_faults == ()


@pytest.mark.verifies("SWR_CTRL_SAFE_001")
@pytest.mark.parametrize("bad", [None, 42, "frame", {"time_ms": 0}])
def test_step_never_raises_on_garbage(bad: Any) -> None:
    outputs = BmsController().step(bad)
    assert outputs.latched_faults == ("internal_error",)
    assert outputs.time_ms == -1


@pytest.mark.verifies("SWR_CTRL_EST_001", "SWR_CTRL_LIM_001")
def test_estimation_runs_every_estimation_period() -> None:
    controller = BmsController(CONFIG, chemistry=synthetic_chemistry())
    rig = Rig(controller)
    first = rig.step()
    assert first.soc is not None
    assert first.soc_sigma is not None
    every = CONFIG.pack.estimation_period_ms // PERIOD
    estimates = [rig.step() for _ in range(2 * every)]
    changes = sum(a.soc_sigma != b.soc_sigma for a, b in itertools.pairwise(estimates))
    assert changes == 2
    assert (
        estimates[-1].discharge_current_limit_a <= CONFIG.control.derating.max_discharge_current_a
    )


@pytest.mark.verifies("SWR_CTRL_EST_001", method="fault_injection")
def test_failing_estimator_only_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise FloatingPointError("estimator")

    monkeypatch.setattr(controller_module, "ekf_step", broken)
    rig = Rig(BmsController(CONFIG, chemistry=synthetic_chemistry()))
    outputs = rig.connect()
    warnings = [f for f in outputs.faults if f.fault == "estimation_unavailable"]
    assert warnings
    assert not warnings[0].latched
    assert outputs.latched_faults == ()


@pytest.mark.verifies("SWR_CTRL_LIM_001")
def test_power_limit_is_current_limit_times_pack_voltage() -> None:
    outputs = Rig().connect()
    assert outputs.discharge_power_limit_w == pytest.approx(
        outputs.discharge_current_limit_a * PACK_V
    )


@pytest.mark.verifies("SWR_CTRL_STEP_001")
def test_same_inputs_same_outputs() -> None:
    frames = [frame(i * PERIOD, close=i > 5) for i in range(100)]
    first = [BmsController().step(f) for f in frames[:1]]
    a, b = BmsController(), BmsController()
    assert [a.step(f) for f in frames] == [b.step(f) for f in frames]
    assert first[0] == BmsController().step(frames[0])


def test_frame_helper_is_valid() -> None:
    assert isinstance(frame(), ControllerInputs)
