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
one only warns; limits fall to the derating with SoC known; the E2E receiver
stage (persistent wrong CRC or length, repeated counters latch
``communication_corrupt`` within its FTTI, a single bad frame does not; losing
the crash message times out); DTC events (one per latching, occurrence
count, freeze frame; internal error once); a contactor drop-out latches
``contactor_feedback`` within its FTTI and clears by reset.
"""

import itertools
from types import SimpleNamespace
from typing import Any, cast

import pytest

import bms.controller._controller as controller_module
import bms.controller._estimating as estimating_module
from bms.config import load_config
from bms.controller import (
    BmsController,
    CanFrameInput,
    ContactorFeedbackInput,
    ControllerInputs,
    ControllerState,
    ControllerStatus,
)
from bms.protection import ProtectionReport
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.controller.frames import PACK_V, follow, frame, vehicle_frames

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
    assert outputs.charge_limited_by == "fault"
    later = rig.run(300, close=True)
    assert not any(later.contactors.model_dump().values())


@pytest.mark.verifies("SWR_CTRL_RESET_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_RESET_001")
def test_reset_needs_open_contactors_valid_message_and_condition_gone() -> None:
    rig = Rig()
    rig.connect()
    rig.run(2, close=True, crash=True)
    rig.run(30, close=True)
    corrupt_reset = vehicle_frames(rig.time_ms, reset=True)
    bad_crc = CanFrameInput(
        arbitration_id=corrupt_reset[0].arbitration_id,
        data_hex=f"{int(corrupt_reset[0].data_hex[:2], 16) ^ 0xFF:02x}"
        + corrupt_reset[0].data_hex[2:],
    )
    assert rig.step(can_rx=(bad_crc, corrupt_reset[1])).latched_faults == ("crash",)
    assert rig.step(messages=False).latched_faults == ("crash",)
    assert rig.step(reset=True, crash=True).latched_faults == ("crash",)
    cleared = rig.step(reset=True)
    assert cleared.latched_faults == ()
    assert rig.run(60, close=True).status is ControllerStatus.CONNECTED


@pytest.mark.verifies("SWR_CTRL_FORCE_001")
def test_invalid_messages_hold_the_close_request_until_the_timeout() -> None:
    rig = Rig()
    rig.connect()
    timeout_steps = CONFIG.protection.communication.timeout_ms // PERIOD
    for _ in range(timeout_steps - 1):
        assert rig.step(messages=False).contactors.main_positive
    outputs = rig.step(messages=False)
    assert not outputs.contactors.main_positive
    assert "communication_timeout" in outputs.latched_faults


@pytest.mark.verifies("SWR_CTRL_FORCE_001")
def test_crash_opens_on_the_same_step() -> None:
    rig = Rig()
    rig.connect()
    outputs = rig.step(close=True, crash=True)
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

    monkeypatch.setattr(estimating_module, "ekf_step", broken)
    rig = Rig(BmsController(CONFIG, chemistry=synthetic_chemistry()))
    outputs = rig.connect()
    warnings = [f for f in outputs.faults if f.fault == "estimation_unavailable"]
    assert warnings
    assert not warnings[0].latched
    assert outputs.latched_faults == ()


@pytest.mark.verifies("SWR_CTRL_LIM_001")
def test_the_outputs_name_what_set_the_charge_limit() -> None:
    report = cast(
        "ProtectionReport",
        SimpleNamespace(charge_current_limit_a=100.0, discharge_current_limit_a=200.0),
    )

    def charge(**state: Any) -> tuple[float, str]:
        limits = controller_module._limits(frame(0), report, ControllerState(**state), CONFIG)
        return (limits[0], limits[4])

    assert charge() == (100.0, "protection")
    assert charge(plating_charge_a=40.0) == (40.0, "plating")
    assert charge(plating_charge_a=100.0) == (100.0, "protection")  # a tie: the earlier cap
    derated = CONFIG.control.derating.max_charge_current_a  # 50 A at half charge, 25 degC
    assert charge(soc=0.5) == (derated, "derating")
    assert charge(soc=0.5, plating_charge_a=40.0) == (40.0, "plating")
    assert charge(soc=0.5, plating_charge_a=40.0, estimation_failed=True) == (40.0, "plating")
    assert charge(soc=1.0, plating_charge_a=40.0) == (0.0, "derating")
    # The controller's own steps: no chemistry, no plating cap and no SoC.
    rig = Rig()
    assert rig.connect().charge_limited_by == "protection"
    with_map_missing = BmsController(CONFIG, chemistry=synthetic_chemistry())  # no plating map
    assert with_map_missing.step(frame(0)).charge_limited_by == "plating"


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


CORRUPTION = CONFIG.protection.communication.corruption_timing
OPENING_MS = CONFIG.pack.contactors.opening_time_ms


def _bad_crc(frame_in: CanFrameInput) -> CanFrameInput:
    crc = int(frame_in.data_hex[:2], 16) ^ 0x5A
    return frame_in.model_copy(update={"data_hex": f"{crc:02x}{frame_in.data_hex[2:]}"})


def _short(frame_in: CanFrameInput) -> CanFrameInput:
    return frame_in.model_copy(update={"data_hex": frame_in.data_hex[:-2]})


@pytest.mark.verifies("SWR_CTRL_RX_001", "SWR_PROT_COMM_002", method="fault_injection")
@pytest.mark.parametrize("spoil", [_bad_crc, _short], ids=["crc", "length"])
def test_corrupted_command_frames_latch_within_the_ftti(spoil: Any) -> None:
    rig = Rig()
    rig.connect()
    latched_after = None
    for step in range(60):
        command_frame, crash_frame = vehicle_frames(rig.time_ms, close=True)
        outputs = rig.step(can_rx=(spoil(command_frame), crash_frame))
        if "communication_corrupt" in outputs.latched_faults:
            latched_after = step
            break
        assert outputs.contactors.main_positive
    assert latched_after is not None
    assert not any(outputs.contactors.model_dump().values())
    assert latched_after * PERIOD + PERIOD + OPENING_MS <= CORRUPTION.fault_tolerant_time_ms
    assert latched_after * PERIOD >= CORRUPTION.debounce_ms - PERIOD


@pytest.mark.verifies("SWR_CTRL_RX_001", "SWR_PROT_COMM_002")
def test_a_single_corrupted_or_repeated_frame_does_not_trip() -> None:
    rig = Rig()
    rig.connect()
    command_frame, crash_frame = vehicle_frames(rig.time_ms, close=True)
    rig.step(can_rx=(_bad_crc(command_frame), crash_frame))
    repeated = vehicle_frames(rig.time_ms - PERIOD, close=True)
    rig.step(can_rx=repeated)
    outputs = rig.run(50, close=True)
    assert outputs.latched_faults == ()
    assert outputs.status is ControllerStatus.CONNECTED


@pytest.mark.verifies("SWR_CTRL_RX_001", "SWR_PROT_COMM_002", method="fault_injection")
def test_repeated_counters_latch() -> None:
    rig = Rig()
    rig.connect()
    frozen = vehicle_frames(rig.time_ms, close=True)
    outputs = rig.run(CORRUPTION.debounce_ms // PERIOD + 2, can_rx=frozen)
    assert "communication_corrupt" in outputs.latched_faults
    reasons = [f.reason for f in outputs.faults if f.fault == "communication_corrupt"]
    assert "repeated_counter" in reasons[0]


@pytest.mark.verifies("SWR_CTRL_RX_001", "SWR_PROT_COMM_001", method="fault_injection")
def test_losing_the_crash_message_is_a_communication_timeout() -> None:
    rig = Rig()
    rig.connect()
    timeout_steps = CONFIG.protection.communication.timeout_ms // PERIOD
    for _ in range(timeout_steps - 1):
        only_command = vehicle_frames(rig.time_ms, close=True)[:1]
        assert rig.step(can_rx=only_command).contactors.main_positive
    outputs = rig.step(can_rx=vehicle_frames(rig.time_ms, close=True)[:1])
    assert "communication_timeout" in outputs.latched_faults
    assert not outputs.contactors.main_positive


@pytest.mark.verifies("SWR_CTRL_DTC_001")
def test_a_latching_fault_emits_one_dtc_event_with_its_freeze_frame() -> None:
    rig = Rig()
    rig.connect()
    assert all(o.dtc_events == () for o in rig.history)
    high = tuple([3.7] * 95 + [CONFIG.protection.cell_voltage.over_fault_v + 0.01])
    outputs = rig.run(40, close=True, cell_voltages_v=high)
    events = [e for o in rig.history for e in o.dtc_events]
    assert [e.dtc for e in events] == ["CELL_OVER_VOLTAGE"]
    event = events[0]
    assert event.occurrence == 1
    latched_on = next(o for o in rig.history if o.dtc_events)
    assert event.time_ms == latched_on.time_ms
    assert event.freeze["max_cell_v"] == high[-1]
    assert event.freeze["max_cell_index"] == 95
    assert event.freeze["pack_voltage_v"] == PACK_V
    assert event.freeze["main_positive_closed"] is True
    assert "cell 95" in str(event.freeze["reason"])
    assert outputs.dtc_events == ()
    rig.run(20, reset=True)
    rig.connect()
    rig.run(40, close=True, cell_voltages_v=high)
    again = [e for o in rig.history for e in o.dtc_events]
    assert [e.occurrence for e in again] == [1, 2]


@pytest.mark.verifies("SWR_CTRL_DTC_001", "SWR_CTRL_SAFE_001")
def test_internal_error_emits_its_dtc_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig()
    rig.connect()

    def broken(*_: object, **__: object) -> None:
        raise ZeroDivisionError("injected")

    monkeypatch.setattr(controller_module, "step_protection", broken)
    first, second = rig.step(close=True), rig.step(close=True)
    assert [e.dtc for e in first.dtc_events] == ["INTERNAL_ERROR"]
    assert second.dtc_events == ()


@pytest.mark.verifies("SWR_CONT_FB_001", "SWR_CTRL_DTC_001", method="fault_injection")
def test_contactor_dropout_is_a_latched_fault() -> None:
    rig = Rig()
    rig.connect()
    dropped = ContactorFeedbackInput(main_positive_closed=False, main_negative_closed=True)
    seen = None
    for step in range(30):
        outputs = rig.step(close=True, contactor_feedback=dropped, link_v=PACK_V)
        if "contactor_feedback" in outputs.latched_faults:
            seen = step
            break
    assert seen is not None
    assert not any(outputs.contactors.model_dump().values())
    budget = CONFIG.protection.contactor_sequence.feedback_timing
    assert (seen + 1) * PERIOD + OPENING_MS <= budget.fault_tolerant_time_ms
    assert [e.dtc for e in outputs.dtc_events] == ["CONTACTOR_FEEDBACK"]
    assert rig.run(100, close=True).status is ControllerStatus.FAULT
    rig.run(2, reset=True)
    assert rig.run(80, close=True).status is ControllerStatus.CONNECTED
