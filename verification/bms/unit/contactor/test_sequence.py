"""Tests of bms/contactor/_sequence.py: the contactor state machine.

Covers: the not-yet-run state commands every contactor open and runs a
start-up weld check; the precharge sequence (main negative and precharge
first, main positive only once the link voltage is within the tolerance and
the current below its threshold; boundaries of both); precharge timeout,
retries after the dwell, lockout after the last attempt and reset; a forced
opening in every closing state on the same step, recorded as an emergency
above the emergency current (boundary); a normal open request waiting for
the current to fall, then opening as an emergency after the wait; weld
detection of each contactor by feedback and by the link voltage; no close
while forced open; the minimum dwell between openings and closings; the
feedback supervision (a main contactor dropping out while closed opens every
contactor within its budget and latches FEEDBACK_FAULT until reset; a lag
shorter than travel plus debounce is tolerated; a contactor closing while
commanded open is a weld).
"""

from dataclasses import replace

import pytest

from bms.config import load_config
from bms.contactor import (
    ContactorCommands,
    ContactorEvent,
    ContactorInputs,
    ContactorMachine,
    ContactorOutput,
    ContactorState,
    commands_for,
    step_contactors,
)

CONFIG = load_config()
PERIOD = CONFIG.pack.protection_period_ms
SEQUENCE = CONFIG.protection.contactor_sequence
TIMING = CONFIG.pack.contactors
PACK_V = 355.0

IDLE = ContactorInputs(
    close_request=False,
    force_open=False,
    reset_request=False,
    pack_voltage_v=PACK_V,
    link_voltage_v=0.0,
    current_a=0.0,
    feedback=ContactorCommands(),
)
CLOSING = replace(IDLE, close_request=True)


def fed(machine: ContactorMachine, inputs: ContactorInputs) -> ContactorInputs:
    """Healthy auxiliary contacts (they follow the coils) unless a test sets other feedback."""
    if inputs.feedback != ContactorCommands():
        return inputs
    return replace(inputs, feedback=commands_for(machine.state))


def drive(
    machine: ContactorMachine, inputs: ContactorInputs, steps: int
) -> tuple[ContactorMachine, list[ContactorOutput]]:
    outputs = []
    for _ in range(steps):
        machine, output = step_contactors(machine, fed(machine, inputs), CONFIG)
        outputs.append(output)
    return machine, outputs


def steps_of(ms: int) -> int:
    return -(-ms // PERIOD)


def until(
    machine: ContactorMachine, inputs: ContactorInputs, state: ContactorState, limit: int = 1000
) -> tuple[ContactorMachine, ContactorOutput]:
    """Step until ``state`` is entered; return the machine and the output of that step."""
    for _ in range(limit):
        machine, output = step_contactors(machine, fed(machine, inputs), CONFIG)
        if machine.state is state:
            return machine, output
    raise AssertionError(f"{state} not reached in {limit} steps")


def settled_open() -> ContactorMachine:
    return until(ContactorMachine(), IDLE, ContactorState.OPEN)[0]


def precharging() -> ContactorMachine:
    return until(settled_open(), CLOSING, ContactorState.PRECHARGING)[0]


def closed() -> ContactorMachine:
    return until(precharging(), replace(CLOSING, link_voltage_v=PACK_V), ContactorState.CLOSED)[0]


@pytest.mark.verifies("SWR_CONT_INIT_001", method="fault_injection")
@pytest.mark.verifies("SWR_CONT_INIT_001")
def test_not_run_commands_open_and_checks_for_welds() -> None:
    machine, outputs = step_contactors(ContactorMachine(), IDLE, CONFIG)
    assert ContactorMachine().state is ContactorState.NOT_RUN
    assert commands_for(ContactorState.NOT_RUN) == ContactorCommands()
    assert outputs.commands == ContactorCommands()
    assert machine.state is ContactorState.OPENING
    welded = replace(IDLE, feedback=ContactorCommands(main_positive=True))
    machine, _ = drive(ContactorMachine(), welded, steps_of(SEQUENCE.weld_check_ms) + 1)
    assert machine.state is ContactorState.WELDED
    assert machine.welded == ("main_positive",)


@pytest.mark.verifies("SWR_CONT_PRE_001")
def test_precharge_closes_negative_and_precharge_first() -> None:
    machine, output = until(settled_open(), CLOSING, ContactorState.PRECHARGING)
    assert output.events == (ContactorEvent.PRECHARGE_STARTED,)
    assert output.commands == ContactorCommands(main_negative=True, precharge=True)
    machine, outputs = drive(machine, replace(CLOSING, link_voltage_v=PACK_V * 0.5), 50)
    assert all(not o.commands.main_positive for o in outputs)
    machine, outputs = drive(machine, replace(CLOSING, link_voltage_v=PACK_V), 1)
    assert outputs[0].commands == ContactorCommands(main_positive=True, main_negative=True)
    assert outputs[0].events == (ContactorEvent.PRECHARGE_DONE,)


@pytest.mark.verifies("SWR_CONT_PRE_001", method="fault_injection")
@pytest.mark.verifies("SWR_CONT_PRE_001")
@pytest.mark.parametrize(
    ("link_share", "current_share", "done"),
    [
        (1.0, 1.0, True),
        (1.0 - 0.999 * SEQUENCE.precharge_voltage_tolerance_fraction, 0.0, True),
        (1.0 - 1.001 * SEQUENCE.precharge_voltage_tolerance_fraction, 0.0, False),
        (1.0 + 1.001 * SEQUENCE.precharge_voltage_tolerance_fraction, 0.0, False),
        (1.0, 1.001, False),
        (float("nan"), 0.0, False),
    ],
    ids=[
        "current-at-threshold",
        "inside-tolerance",
        "below-tolerance",
        "above-tolerance",
        "current-above",
        "link-unknown",
    ],
)
def test_precharge_done_boundaries(link_share: float, current_share: float, done: bool) -> None:
    inputs = replace(
        CLOSING,
        link_voltage_v=PACK_V * link_share,
        current_a=SEQUENCE.precharge_done_current_a * current_share,
    )
    machine, _ = drive(precharging(), inputs, 1)
    assert (machine.state is ContactorState.CLOSED) is done


@pytest.mark.verifies(
    "SWR_CONT_PRE_002", "SWR_CONT_PRE_003", "SWR_CONT_DWELL_001", method="fault_injection"
)
@pytest.mark.verifies("SWR_CONT_PRE_002", "SWR_CONT_PRE_003", "SWR_CONT_DWELL_001")
def test_precharge_timeout_retries_then_locks_out() -> None:
    machine = precharging()
    timeouts = 0
    for _ in range(4000):
        machine, output = step_contactors(machine, fed(machine, CLOSING), CONFIG)
        if ContactorEvent.PRECHARGE_FAILED in output.events:
            timeouts += 1
            assert output.commands == ContactorCommands()
        if machine.state is ContactorState.LOCKOUT:
            break
    assert timeouts == TIMING.precharge_max_attempts
    assert machine.state is ContactorState.LOCKOUT
    machine, outputs = drive(machine, CLOSING, 500)
    assert all(o.commands == ContactorCommands() for o in outputs)
    machine, outputs = drive(machine, replace(CLOSING, reset_request=True), 1)
    assert machine.state is ContactorState.OPEN
    assert outputs[0].events == (ContactorEvent.RESET,)


@pytest.mark.verifies("SWR_CONT_PRE_002")
def test_precharge_timeout_is_exact() -> None:
    machine = precharging()
    steps = TIMING.precharge_timeout_ms // PERIOD
    # precharge is commanded on the entering step and ``steps - 1`` more: the timeout exactly
    machine, outputs = drive(machine, CLOSING, steps - 1)
    assert machine.state is ContactorState.PRECHARGING
    machine, outputs = drive(machine, CLOSING, 1)
    assert ContactorEvent.PRECHARGE_FAILED in outputs[0].events


@pytest.mark.verifies("SWR_CONT_FAULT_001", "SWR_CONT_OPEN_001", method="fault_injection")
@pytest.mark.verifies("SWR_CONT_FAULT_001", "SWR_CONT_OPEN_001")
@pytest.mark.parametrize(
    ("current_a", "emergency"),
    [
        (SEQUENCE.emergency_current_a, False),
        (-SEQUENCE.emergency_current_a * 1.01, True),
        (SEQUENCE.emergency_current_a * 1.01, True),
        (float("nan"), True),
    ],
)
def test_forced_open_is_immediate_and_recorded(current_a: float, emergency: bool) -> None:
    forced = replace(CLOSING, force_open=True, link_voltage_v=PACK_V, current_a=current_a)
    _, outputs = drive(closed(), forced, 1)
    assert outputs[0].commands == ContactorCommands()
    assert (ContactorEvent.EMERGENCY_OPEN in outputs[0].events) is emergency
    _, outputs = drive(precharging(), forced, 1)
    assert outputs[0].commands == ContactorCommands()


@pytest.mark.verifies("SWR_CONT_FAULT_001")
def test_no_close_while_forced_open() -> None:
    machine, outputs = drive(settled_open(), replace(CLOSING, force_open=True), 1000)
    assert machine.state is ContactorState.OPEN
    assert all(o.commands == ContactorCommands() for o in outputs)


@pytest.mark.verifies("SWR_CONT_OPEN_002")
def test_normal_open_waits_for_low_current() -> None:
    loaded = replace(IDLE, link_voltage_v=PACK_V, current_a=SEQUENCE.emergency_current_a * 2)
    machine, outputs = drive(closed(), loaded, 10)
    assert machine.state is ContactorState.CLOSED
    machine, outputs = drive(machine, replace(loaded, current_a=0.0), 1)
    assert outputs[0].commands == ContactorCommands()
    assert ContactorEvent.EMERGENCY_OPEN not in outputs[0].events


@pytest.mark.verifies("SWR_CONT_OPEN_002", method="fault_injection")
@pytest.mark.verifies("SWR_CONT_OPEN_002")
def test_normal_open_becomes_emergency_after_the_wait() -> None:
    loaded = replace(IDLE, link_voltage_v=PACK_V, current_a=SEQUENCE.emergency_current_a * 2)
    steps = SEQUENCE.open_current_wait_ms // PERIOD
    machine, outputs = drive(closed(), loaded, steps)
    assert machine.state is ContactorState.CLOSED
    machine, outputs = drive(machine, loaded, 1)
    assert outputs[0].commands == ContactorCommands()
    assert ContactorEvent.EMERGENCY_OPEN in outputs[0].events


@pytest.mark.verifies("SWR_CONT_WELD_001", method="fault_injection")
@pytest.mark.verifies("SWR_CONT_WELD_001")
@pytest.mark.parametrize(
    ("feedback", "link_share", "welded"),
    [
        (ContactorCommands(main_positive=True), 0.0, ("main_positive",)),
        (ContactorCommands(main_negative=True), 0.0, ("main_negative",)),
        (ContactorCommands(precharge=True), 0.0, ("precharge",)),
        (ContactorCommands(), SEQUENCE.weld_link_voltage_fraction * 1.01, ("link",)),
        (ContactorCommands(), SEQUENCE.weld_link_voltage_fraction, ()),
    ],
    ids=["main-positive", "main-negative", "precharge", "link-up", "link-at-threshold"],
)
def test_weld_detection_on_opening(
    feedback: ContactorCommands, link_share: float, welded: tuple[str, ...]
) -> None:
    opening = replace(IDLE, feedback=feedback, link_voltage_v=PACK_V * link_share)
    machine, outputs = drive(closed(), opening, steps_of(SEQUENCE.weld_check_ms))
    assert machine.state is ContactorState.OPENING
    machine, outputs = drive(machine, opening, 1)
    if welded:
        assert machine.state is ContactorState.WELDED
        assert machine.welded == welded
        assert outputs[0].events == (ContactorEvent.WELD_DETECTED,)
    else:
        assert machine.state is ContactorState.OPEN


@pytest.mark.verifies("SWR_CONT_RST_001", method="fault_injection")
@pytest.mark.verifies("SWR_CONT_RST_001", "SWR_CONT_WELD_001")
def test_weld_reset_needs_the_weld_gone() -> None:
    welded_inputs = replace(IDLE, feedback=ContactorCommands(main_negative=True))
    machine, _ = drive(closed(), welded_inputs, steps_of(SEQUENCE.weld_check_ms) + 1)
    assert machine.state is ContactorState.WELDED
    machine, _ = drive(machine, replace(welded_inputs, reset_request=True, close_request=True), 50)
    assert machine.state is ContactorState.WELDED
    machine, _ = drive(machine, replace(IDLE, reset_request=True), 1)
    assert machine.state is ContactorState.OPEN
    assert machine.welded == ()


@pytest.mark.verifies("SWR_CONT_DWELL_001")
def test_minimum_dwell_before_reclosing() -> None:
    machine, _ = until(closed(), IDLE, ContactorState.OPEN)
    dwell = SEQUENCE.minimum_dwell_ms // PERIOD
    # the step that entered OPEN plus dwell - 1 more: ``minimum_dwell_ms`` of open commands
    machine, outputs = drive(machine, CLOSING, dwell - 1)
    assert all(o.commands == ContactorCommands() for o in outputs)
    assert machine.state is ContactorState.OPEN
    machine, outputs = drive(machine, CLOSING, 1)
    assert machine.state is ContactorState.PRECHARGING


FEEDBACK = SEQUENCE.feedback_timing


def _steps_to_feedback_fault() -> int:
    """Steps after a state's entry until a persistent disagreement must have reacted."""
    return steps_of(TIMING.opening_time_ms) + steps_of(FEEDBACK.debounce_ms) + 1


@pytest.mark.verifies("SWR_CONT_FB_001", method="fault_injection")
@pytest.mark.verifies("SWR_CONT_FB_001")
@pytest.mark.parametrize("dropped", ["main_positive", "main_negative"])
def test_dropout_while_closed_opens_and_latches(dropped: str) -> None:
    feedback = replace(commands_for(ContactorState.CLOSED), **{dropped: False})
    inputs = replace(CLOSING, link_voltage_v=PACK_V, feedback=feedback)
    machine = closed()
    reacted = None
    for step in range(_steps_to_feedback_fault() + 2):
        machine, output = step_contactors(machine, inputs, CONFIG)
        if ContactorEvent.FEEDBACK_MISMATCH in output.events:
            reacted = step
            assert output.commands == ContactorCommands()
            break
    assert reacted is not None
    budget_ms = TIMING.opening_time_ms + FEEDBACK.debounce_ms + PERIOD
    assert (reacted + 1) * PERIOD <= budget_ms
    assert (reacted + 1) * PERIOD + TIMING.opening_time_ms <= FEEDBACK.fault_tolerant_time_ms
    assert machine.dropped == (dropped,)
    opened = replace(IDLE, close_request=True)
    machine, outputs = drive(machine, opened, steps_of(SEQUENCE.weld_check_ms) + 1)
    assert machine.state is ContactorState.FEEDBACK_FAULT
    machine, outputs = drive(machine, opened, 100)
    assert all(o.commands == ContactorCommands() for o in outputs)
    machine, _ = drive(machine, replace(IDLE, reset_request=True), 1)
    assert machine.state is ContactorState.OPEN
    assert machine.dropped == ()


@pytest.mark.verifies("SWR_CONT_FB_001")
def test_short_disagreement_during_travel_is_tolerated() -> None:
    """A contact that lags its coil by less than the travel plus the debounce is healthy."""
    machine = closed()
    lag = steps_of(TIMING.opening_time_ms) + steps_of(FEEDBACK.debounce_ms) - 1
    lagging = replace(CLOSING, link_voltage_v=PACK_V, feedback=ContactorCommands())
    machine, outputs = drive(machine, lagging, lag)
    assert machine.state is ContactorState.CLOSED
    assert all(ContactorEvent.FEEDBACK_MISMATCH not in o.events for o in outputs)
    machine, outputs = drive(machine, CLOSING, 50)
    assert machine.state is ContactorState.CLOSED


@pytest.mark.verifies("SWR_CONT_FB_001", "SWR_CONT_WELD_001", method="fault_injection")
def test_contactor_closing_while_open_is_a_weld() -> None:
    machine = settled_open()
    stuck = replace(IDLE, feedback=ContactorCommands(precharge=True))
    machine, outputs = drive(machine, stuck, _steps_to_feedback_fault())
    assert machine.state is ContactorState.WELDED
    assert machine.welded == ("precharge",)
    assert any(ContactorEvent.WELD_DETECTED in o.events for o in outputs)
    machine, outputs = drive(machine, replace(stuck, close_request=True), 50)
    assert all(o.commands == ContactorCommands() for o in outputs)
