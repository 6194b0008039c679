"""Contactor sequencing: precharge, close, open (normally or in an emergency), weld check.

ASIL: D. Requirements: SWR_CONT_INIT_001, SWR_CONT_PRE_001, SWR_CONT_PRE_002,
SWR_CONT_PRE_003, SWR_CONT_FAULT_001, SWR_CONT_OPEN_001, SWR_CONT_OPEN_002,
SWR_CONT_WELD_001, SWR_CONT_DWELL_001, SWR_CONT_RST_001, SWR_CONT_FB_001.

The project's state-machine recipe: an enum of states with an explicit
not-yet-run state, a frozen dataclass with the current and previous state
and the timers, and one pure :func:`step_contactors` with a ``match`` that has
a branch per state and ``assert_never`` for the rest. Time is the machine's
own count of periods (no clock). Diagram::

    NOT_RUN ──> OPENING (start-up weld check)
    OPEN ──close request, no fault, dwell over──> PRECHARGING (main- and precharge closed)
    PRECHARGING ──link within tolerance, current low──> CLOSED (main+ and main-)
    PRECHARGING ──timeout──> OPENING ──(attempts exhausted)──> LOCKOUT
    PRECHARGING / CLOSED ──fault or no close request──> OPENING
    OPENING ──weld_check_ms: feedback open, link down──> OPEN
    OPENING ──weld_check_ms: a contactor still closed or link up──> WELDED
    OPENING ──weld_check_ms: a contactor had dropped out──> FEEDBACK_FAULT
    PRECHARGING / CLOSED ──feedback disagrees with the coils──> OPENING (recorded)
    OPEN ──a contactor reports closed while commanded open──> WELDED
    WELDED / LOCKOUT / FEEDBACK_FAULT ──reset request (weld gone)──> OPEN

Feedback supervision (SWR_CONT_FB_001): in PRECHARGING, CLOSED and OPEN, once
``pack.contactors.opening_time_ms`` of mechanical travel has passed since the
state's coil commands, an auxiliary contact that disagrees with its coil for
``protection.contactor_sequence.feedback_timing.debounce_ms`` is a fault.
"""

import math
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from typing import Any, assert_never

from bms.config import BmsConfig

__all__ = [
    "ContactorCommands",
    "ContactorEvent",
    "ContactorInputs",
    "ContactorMachine",
    "ContactorOutput",
    "ContactorState",
    "commands_for",
    "step_contactors",
]


class ContactorState(Enum):
    """States of the contactor sequence."""

    NOT_RUN = "not_run"
    """The machine has not stepped yet; every contactor is commanded open."""
    OPEN = "open"
    """Every contactor open; closing allowed after the dwell without a fault."""
    PRECHARGING = "precharging"
    """Main negative and precharge closed; the link capacitor charges."""
    CLOSED = "closed"
    """Main positive and main negative closed; precharge open."""
    OPENING = "opening"
    """Every contactor commanded open; waiting for the weld check."""
    WELDED = "welded"
    """A contactor did not open (fault); closing forbidden until reset."""
    LOCKOUT = "lockout"
    """Precharge failed on every allowed attempt; closing forbidden until reset."""
    FEEDBACK_FAULT = "feedback_fault"
    """A contactor dropped out (reported open while commanded closed); closing forbidden
    until reset."""


class ContactorEvent(StrEnum):
    """What happened in a step, for the fault memory and the logs."""

    PRECHARGE_STARTED = "precharge_started"
    PRECHARGE_DONE = "precharge_done"
    PRECHARGE_FAILED = "precharge_failed"
    OPEN_COMMANDED = "open_commanded"
    EMERGENCY_OPEN = "emergency_open"
    """Opened under a current above ``emergency_current_a`` (or unknown current)."""
    OPENED = "opened"
    WELD_DETECTED = "weld_detected"
    LOCKOUT = "lockout"
    RESET = "reset"
    FEEDBACK_MISMATCH = "feedback_mismatch"
    """An auxiliary contact disagreed with its coil command beyond the debounce."""


@dataclass(frozen=True)
class ContactorCommands:
    """Coil commands: ``True`` closes the contactor."""

    main_positive: bool = False
    """Main positive contactor."""
    main_negative: bool = False
    """Main negative contactor."""
    precharge: bool = False
    """Precharge contactor (in series with the precharge resistor)."""


@dataclass(frozen=True)
class ContactorInputs:
    """What the sequence reads each period."""

    close_request: bool
    """The vehicle asks for the high-voltage connection."""
    force_open: bool
    """A latched fault demands the safe state (forbids closing)."""
    reset_request: bool
    """Explicit request to leave WELDED or LOCKOUT."""
    pack_voltage_v: float
    """Battery-side voltage."""
    link_voltage_v: float
    """Vehicle-side (DC link) voltage."""
    current_a: float
    """Pack current (positive discharges); NaN when unknown."""
    feedback: ContactorCommands
    """Auxiliary contacts: ``True`` where a contactor reports closed."""


@dataclass(frozen=True)
class ContactorMachine:
    """State of the sequence (every field a constructor argument)."""

    state: ContactorState = ContactorState.NOT_RUN
    """Current state."""
    previous: ContactorState = ContactorState.NOT_RUN
    """State before the last transition."""
    time_ms: int = 0
    """Time of the machine: periods stepped times the period."""
    entered_ms: int = 0
    """Time the current state was entered."""
    attempts: int = 0
    """Failed precharge attempts since the last successful close or reset."""
    open_wait_ms: int = -1
    """Time a normal open request started waiting for the current to fall (-1: none)."""
    welded: tuple[str, ...] = ()
    """Contactors found welded (``link`` when only the link voltage stayed up)."""
    mismatch_ms: int = 0
    """Time the feedback has disagreed with the coil commands after the travel time."""
    dropped: tuple[str, ...] = ()
    """Contactors whose feedback disagreed with their command (kept until reset)."""


@dataclass(frozen=True)
class ContactorOutput:
    """What the sequence commands this period."""

    commands: ContactorCommands
    """Coil commands."""
    events: tuple[ContactorEvent, ...]
    """Events of this period."""


_OPEN = ContactorCommands()
_PRECHARGE = ContactorCommands(main_negative=True, precharge=True)
_CLOSED = ContactorCommands(main_positive=True, main_negative=True)


def commands_for(state: ContactorState) -> ContactorCommands:
    """Coil commands of a state: only PRECHARGING and CLOSED close anything.

    Implements: SWR_CONT_PRE_001, SWR_CONT_FAULT_001
    """
    match state:
        case ContactorState.PRECHARGING:
            return _PRECHARGE
        case ContactorState.CLOSED:
            return _CLOSED
        case (
            ContactorState.NOT_RUN
            | ContactorState.OPEN
            | ContactorState.OPENING
            | ContactorState.WELDED
            | ContactorState.LOCKOUT
            | ContactorState.FEEDBACK_FAULT
        ):
            return _OPEN
        case _:
            assert_never(state)


def _go(machine: ContactorMachine, state: ContactorState, **changes: Any) -> ContactorMachine:
    """Enter ``state`` now (or stay, if it is the current one), applying ``changes``."""
    if state is machine.state:
        return replace(machine, **changes)
    entered: dict[str, Any] = {
        "state": state,
        "previous": machine.state,
        "entered_ms": machine.time_ms,
        "open_wait_ms": -1,
        "mismatch_ms": 0,
    }
    return replace(machine, **(entered | changes))


def _precharged(inputs: ContactorInputs, config: BmsConfig) -> bool:
    """Link voltage within tolerance of the pack voltage and current below the threshold."""
    limits = config.protection.contactor_sequence
    pack_v, link_v = inputs.pack_voltage_v, inputs.link_voltage_v
    return (
        pack_v > 0.0
        and abs(pack_v - link_v) <= limits.precharge_voltage_tolerance_fraction * pack_v
        and abs(inputs.current_a) <= limits.precharge_done_current_a
    )  # NaN makes every comparison False: never done on unknown values


def _high_current(inputs: ContactorInputs, config: BmsConfig) -> bool:
    """Opening now would break a current above the emergency threshold (or an unknown one)."""
    return not abs(inputs.current_a) <= config.protection.contactor_sequence.emergency_current_a


def _welded(inputs: ContactorInputs, config: BmsConfig) -> tuple[str, ...]:
    """Contactors still closed at the weld check, and ``link`` if the link voltage stayed up."""
    feedback = inputs.feedback
    names = [
        name
        for name, closed in (
            ("main_positive", feedback.main_positive),
            ("main_negative", feedback.main_negative),
            ("precharge", feedback.precharge),
        )
        if closed
    ]
    fraction = config.protection.contactor_sequence.weld_link_voltage_fraction
    pack_v = inputs.pack_voltage_v
    reference_v = pack_v if math.isfinite(pack_v) and pack_v > 0.0 else 0.0
    if not inputs.link_voltage_v <= fraction * reference_v or not math.isfinite(reference_v):
        names.append("link")
    return tuple(names)


def _step_open(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> tuple[ContactorMachine, tuple[ContactorEvent, ...]]:
    dwell_ms = config.protection.contactor_sequence.minimum_dwell_ms
    if (
        inputs.close_request
        and not inputs.force_open
        and machine.time_ms - machine.entered_ms >= dwell_ms
    ):
        return (_go(machine, ContactorState.PRECHARGING), (ContactorEvent.PRECHARGE_STARTED,))
    return (machine, ())


def _open_now(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig, **changes: Any
) -> tuple[ContactorMachine, tuple[ContactorEvent, ...]]:
    """Command every contactor open, recording an emergency opening under high current."""
    events = [ContactorEvent.OPEN_COMMANDED]
    if _high_current(inputs, config):
        events.append(ContactorEvent.EMERGENCY_OPEN)
    return (_go(machine, ContactorState.OPENING, **changes), tuple(events))


def _step_precharging(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> tuple[ContactorMachine, tuple[ContactorEvent, ...]]:
    if inputs.force_open or not inputs.close_request:
        return _open_now(machine, inputs, config)
    if _precharged(inputs, config):
        return (_go(machine, ContactorState.CLOSED, attempts=0), (ContactorEvent.PRECHARGE_DONE,))
    if machine.time_ms - machine.entered_ms >= config.pack.contactors.precharge_timeout_ms:
        opened, events = _open_now(machine, inputs, config, attempts=machine.attempts + 1)
        return (opened, (ContactorEvent.PRECHARGE_FAILED, *events))
    return (machine, ())


def _step_closed(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> tuple[ContactorMachine, tuple[ContactorEvent, ...]]:
    if inputs.force_open:
        return _open_now(machine, inputs, config)
    if inputs.close_request:
        return (_go(machine, ContactorState.CLOSED, open_wait_ms=-1), ())
    if not _high_current(inputs, config):
        return _open_now(machine, inputs, config)
    wait_ms = machine.time_ms if machine.open_wait_ms < 0 else machine.open_wait_ms
    if machine.time_ms - wait_ms >= config.protection.contactor_sequence.open_current_wait_ms:
        return _open_now(machine, inputs, config)
    return (_go(machine, ContactorState.CLOSED, open_wait_ms=wait_ms), ())


def _step_opening(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> tuple[ContactorMachine, tuple[ContactorEvent, ...]]:
    if machine.time_ms - machine.entered_ms < config.protection.contactor_sequence.weld_check_ms:
        return (machine, ())
    welded = _welded(inputs, config)
    if welded:
        return (
            _go(machine, ContactorState.WELDED, welded=welded),
            (ContactorEvent.WELD_DETECTED,),
        )
    if machine.dropped:
        return (_go(machine, ContactorState.FEEDBACK_FAULT), (ContactorEvent.OPENED,))
    if machine.attempts >= config.pack.contactors.precharge_max_attempts:
        return (
            _go(machine, ContactorState.LOCKOUT),
            (ContactorEvent.OPENED, ContactorEvent.LOCKOUT),
        )
    return (_go(machine, ContactorState.OPEN), (ContactorEvent.OPENED,))


def _step_latched(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> tuple[ContactorMachine, tuple[ContactorEvent, ...]]:
    """WELDED, LOCKOUT and FEEDBACK_FAULT: leave only on a reset request once no weld is seen."""
    if inputs.reset_request and not _welded(inputs, config):
        return (
            _go(machine, ContactorState.OPEN, attempts=0, welded=(), dropped=()),
            (ContactorEvent.RESET,),
        )
    return (machine, ())


_SUPERVISED = frozenset({ContactorState.PRECHARGING, ContactorState.CLOSED, ContactorState.OPEN})
"""States whose coil commands hold long enough for the feedback to be compared with them."""


def _disagreeing(machine: ContactorMachine, inputs: ContactorInputs) -> tuple[str, ...]:
    """Contactors whose auxiliary contact disagrees with the state's coil command."""
    wanted = commands_for(machine.state)
    feedback = inputs.feedback
    return tuple(
        name
        for name, commanded, closed in (
            ("main_positive", wanted.main_positive, feedback.main_positive),
            ("main_negative", wanted.main_negative, feedback.main_negative),
            ("precharge", wanted.precharge, feedback.precharge),
        )
        if commanded != closed
    )


def _mismatch_time(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> ContactorMachine:
    """``machine`` with this step's disagreement time (0 when the feedback agrees)."""
    travel_ms = config.pack.contactors.opening_time_ms
    settled = machine.time_ms - machine.entered_ms > travel_ms
    disagree = machine.state in _SUPERVISED and settled and bool(_disagreeing(machine, inputs))
    mismatch_ms = machine.mismatch_ms + config.pack.protection_period_ms if disagree else 0
    return replace(machine, mismatch_ms=mismatch_ms)


def _supervise(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> tuple[ContactorMachine, tuple[ContactorEvent, ...] | None]:
    """The feedback supervision of one step.

    Implements: SWR_CONT_FB_001

    Returns:
        The machine with the updated disagreement time, and the reaction's
        events when a disagreement has lasted the debounce (``None`` otherwise):
        in OPEN a contactor closed while commanded open is a weld; in
        PRECHARGING and CLOSED every contactor is commanded open at once and
        the disagreeing ones are kept in ``dropped``.
    """
    machine = _mismatch_time(machine, inputs, config)
    debounce_ms = config.protection.contactor_sequence.feedback_timing.debounce_ms
    if machine.mismatch_ms == 0 or machine.mismatch_ms < debounce_ms:
        return (machine, None)
    names = _disagreeing(machine, inputs)
    if machine.state is ContactorState.OPEN:
        return (
            _go(machine, ContactorState.WELDED, welded=names),
            (ContactorEvent.FEEDBACK_MISMATCH, ContactorEvent.WELD_DETECTED),
        )
    opened, events = _open_now(machine, inputs, config, dropped=names)
    return (opened, (ContactorEvent.FEEDBACK_MISMATCH, *events))


def step_contactors(
    machine: ContactorMachine, inputs: ContactorInputs, config: BmsConfig
) -> tuple[ContactorMachine, ContactorOutput]:
    """Advance the contactor sequence by one protection period.

    Implements: SWR_CONT_INIT_001, SWR_CONT_PRE_001, SWR_CONT_PRE_002, SWR_CONT_PRE_003,
    SWR_CONT_FAULT_001, SWR_CONT_OPEN_001, SWR_CONT_OPEN_002, SWR_CONT_WELD_001,
    SWR_CONT_DWELL_001, SWR_CONT_RST_001, SWR_CONT_FB_001

    Args:
        machine: the state after the previous period.
        inputs: this period's requests and measurements.
        config: the pack configuration (timing in ``pack.contactors``,
            thresholds in ``protection.contactor_sequence``).

    Returns:
        The new state and this period's commands and events. The commands
        are those of the new state, so a forced opening is commanded in the
        same period as the fault that forces it.
    """
    events: tuple[ContactorEvent, ...]
    machine, supervision = _supervise(machine, inputs, config)
    match machine.state:
        case _ if supervision is not None:
            events = supervision
        case ContactorState.NOT_RUN:
            machine, events = (_go(machine, ContactorState.OPENING), ())
        case ContactorState.OPEN:
            machine, events = _step_open(machine, inputs, config)
        case ContactorState.PRECHARGING:
            machine, events = _step_precharging(machine, inputs, config)
        case ContactorState.CLOSED:
            machine, events = _step_closed(machine, inputs, config)
        case ContactorState.OPENING:
            machine, events = _step_opening(machine, inputs, config)
        case ContactorState.WELDED | ContactorState.LOCKOUT | ContactorState.FEEDBACK_FAULT:
            machine, events = _step_latched(machine, inputs, config)
        case _:
            assert_never(machine.state)
    advanced = _go(
        machine, machine.state, time_ms=machine.time_ms + config.pack.protection_period_ms
    )
    return (advanced, ContactorOutput(commands_for(advanced.state), events))
