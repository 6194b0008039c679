"""Stateful properties of the protection and contactor state machines (hypothesis).

Covers, as invariants checked after every step of random scenarios:

* the contactor machine alone (random requests, faults, measurements and
  feedback): commands are always those of the state; a forced opening never
  leaves a contactor commanded closed; main positive closes only from a
  precharge that met the voltage and current condition; CLOSED is entered
  only from PRECHARGING; WELDED, LOCKOUT, FEEDBACK_FAULT or a recorded
  drop-out command every contactor open;
* the controller on an ideal plant (random close/reset requests, injected
  over-voltage, over-current, crash, lost messages, welded contactor,
  main positive dropping out):
  no contactor is commanded closed while a fault is latched; main positive
  is never commanded without precharge on the step before; an injected
  fault is latched no later than its debounce allows.
"""

import math

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bms.config import load_config
from bms.contactor import (
    ContactorCommands,
    ContactorInputs,
    ContactorMachine,
    ContactorState,
    commands_for,
    step_contactors,
)
from bms.controller import BmsController, ContactorFeedbackInput
from verification.bms.unit.controller.frames import PACK_V, frame, vehicle_frames
from verification.hypothesis_profiles import examples

CONFIG = load_config()
PERIOD = CONFIG.pack.protection_period_ms
SEQUENCE = CONFIG.protection.contactor_sequence
VOLTAGE_STEPS = math.ceil(CONFIG.protection.cell_voltage.timing.debounce_ms / PERIOD)
CURRENT_STEPS = math.ceil(CONFIG.protection.discharge_current.timing.debounce_ms / PERIOD)

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
voltages = st.one_of(st.just(PACK_V), st.just(0.0), floats)


class ContactorMachineRules(RuleBasedStateMachine):
    """Random inputs straight into the contactor sequence."""

    def __init__(self) -> None:
        super().__init__()
        self.machine = ContactorMachine()
        self.commands = ContactorCommands()
        self.previous_state = ContactorState.NOT_RUN
        self.last_inputs: ContactorInputs | None = None

    @rule(
        close=st.booleans(),
        force=st.booleans(),
        reset=st.booleans(),
        pack_v=voltages,
        link_v=voltages,
        current_a=st.one_of(st.just(0.0), floats),
        feedback=st.tuples(st.booleans(), st.booleans(), st.booleans()),
        repeat=st.integers(min_value=1, max_value=60),
    )
    def step(
        self,
        *,
        close: bool,
        force: bool,
        reset: bool,
        pack_v: float,
        link_v: float,
        current_a: float,
        feedback: tuple[bool, bool, bool],
        repeat: int,
    ) -> None:
        inputs = ContactorInputs(
            close_request=close,
            force_open=force,
            reset_request=reset,
            pack_voltage_v=pack_v,
            link_voltage_v=link_v,
            current_a=current_a,
            feedback=ContactorCommands(*feedback),
        )
        for _ in range(repeat):
            self.previous_state = self.machine.state
            self.machine, output = step_contactors(self.machine, inputs, CONFIG)
            self.commands = output.commands
            self.last_inputs = inputs
            self.check_step()

    def check_step(self) -> None:
        inputs = self.last_inputs
        assert inputs is not None
        if inputs.force_open:
            assert self.commands == ContactorCommands()
        if self.machine.state is ContactorState.CLOSED and self.previous_state is not (
            ContactorState.CLOSED
        ):
            assert self.previous_state is ContactorState.PRECHARGING
            tolerance = SEQUENCE.precharge_voltage_tolerance_fraction * inputs.pack_voltage_v
            assert abs(inputs.pack_voltage_v - inputs.link_voltage_v) <= tolerance
            assert abs(inputs.current_a) <= SEQUENCE.precharge_done_current_a

    @invariant()
    def commands_are_those_of_the_state(self) -> None:
        assert self.commands == commands_for(self.machine.state)
        assert not (self.commands.main_positive and self.commands.precharge)

    @invariant()
    def latched_contactor_faults_command_everything_open(self) -> None:
        latched = {ContactorState.WELDED, ContactorState.LOCKOUT, ContactorState.FEEDBACK_FAULT}
        if self.machine.state in latched or self.machine.dropped:
            assert self.commands == ContactorCommands()


class ControllerRules(RuleBasedStateMachine):
    """The whole controller on an ideal plant, with injected faults."""

    def __init__(self) -> None:
        super().__init__()
        self.controller = BmsController(CONFIG)
        self.time_ms = 0
        self.close = False
        self.welded = False
        self.dropped = False
        self.outputs = self.controller.step(frame(0))
        self.previous_precharge = False
        self.ov_steps = 0
        self.oc_steps = 0
        self.in_sequence = True

    def _step(self, **changes: object) -> None:
        commands = self.outputs.contactors
        connected = commands.main_negative and (commands.main_positive or commands.precharge)
        feedback = ContactorFeedbackInput(
            main_positive_closed=(commands.main_positive or self.welded) and not self.dropped,
            main_negative_closed=commands.main_negative,
            precharge_closed=commands.precharge,
        )
        self.time_ms += PERIOD
        self.previous_precharge = commands.precharge
        values: dict[str, object] = {
            "contactor_feedback": feedback,
            "link_voltage_v": PACK_V if connected else 0.0,
            "can_rx": vehicle_frames(self.time_ms, close=self.close),
            **changes,
        }
        self.outputs = self.controller.step(frame(self.time_ms, **values))  # type: ignore[arg-type]
        self.ov_steps = self.ov_steps + 1 if "cell_voltages_v" in changes else 0
        self.oc_steps = self.oc_steps + 1 if "current_a" in changes else 0
        self.in_sequence = bool(values["can_rx"])
        if self.outputs.contactors.main_positive and not commands.main_positive:
            assert self.previous_precharge, "main positive closed without precharge"

    @rule(close=st.booleans(), steps=st.integers(1, 40))
    def healthy(self, close: bool, steps: int) -> None:
        self.close = close
        for _ in range(steps):
            self._step()

    @rule(steps=st.integers(1, 2 * VOLTAGE_STEPS))
    def over_voltage(self, steps: int) -> None:
        high = tuple([3.7] * 95 + [CONFIG.protection.cell_voltage.over_fault_v + 0.005])
        for _ in range(steps):
            self._step(cell_voltages_v=high)
            if self.ov_steps >= VOLTAGE_STEPS:
                assert "cell_over_voltage" in self.outputs.latched_faults

    @rule(steps=st.integers(1, 2 * CURRENT_STEPS))
    def over_current(self, steps: int) -> None:
        for _ in range(steps):
            self._step(current_a=(300.0, 300.0))
            if self.oc_steps >= CURRENT_STEPS:
                assert "discharge_over_current" in self.outputs.latched_faults

    @rule()
    def crash(self) -> None:
        # After lost messages the next frame's alive counter has skipped (or, after 15 lost
        # steps, repeated): the E2E receiver rejects it and resynchronises (SWR_CAN_006), so
        # only the following, in-sequence crash frame is accepted and must latch
        # (SWR_PROT_CRASH_001).
        for _ in range(1 if self.in_sequence else 2):
            self._step(can_rx=vehicle_frames(self.time_ms + PERIOD, close=self.close, crash=True))
        assert "crash" in self.outputs.latched_faults

    @rule(steps=st.integers(1, 35))
    def messages_lost(self, steps: int) -> None:
        for _ in range(steps):
            self._step(can_rx=())

    @precondition(lambda self: not self.welded)
    @rule()
    def weld_main_positive(self) -> None:
        self.welded = True

    @rule(steps=st.integers(1, 30))
    def main_positive_drops_out(self, steps: int) -> None:
        self.dropped = True
        for _ in range(steps):
            self._step()
        self.dropped = False

    @rule()
    def reset(self) -> None:
        self.welded = False
        self._step(can_rx=vehicle_frames(self.time_ms + PERIOD, close=self.close, reset=True))

    @invariant()
    def no_closed_contactor_with_a_latched_fault(self) -> None:
        commands = self.outputs.contactors
        if self.outputs.latched_faults:
            assert not commands.main_positive
            assert not commands.main_negative
            assert not commands.precharge


@pytest.mark.verifies(
    "SWR_CONT_PRE_001", "SWR_CONT_FAULT_001", "SWR_CONT_INIT_001", method="fault_injection"
)
def test_contactor_machine_safety_rules() -> None:
    run_state_machine_as_test(
        ContactorMachineRules,
        settings=settings(max_examples=examples(30), stateful_step_count=20, deadline=None),
    )


@pytest.mark.verifies(
    "SWR_CTRL_FORCE_001",
    "SWR_CTRL_CMD_001",
    "SWR_CONT_PRE_001",
    "SWR_CONT_FAULT_001",
    "SWR_PROT_OV_001",
    "SWR_PROT_OC_001",
    "SWR_PROT_CRASH_001",
    method="fault_injection",
)
def test_controller_safety_rules() -> None:
    run_state_machine_as_test(
        ControllerRules,
        settings=settings(max_examples=examples(8), stateful_step_count=10, deadline=None),
    )
