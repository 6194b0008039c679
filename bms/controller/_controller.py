"""The BMS controller: one deterministic step every 10 ms, never raising.

ASIL: D. Requirements: SWR_CTRL_STEP_001, SWR_CTRL_SAFE_001, SWR_CTRL_FORCE_001,
SWR_CTRL_RESET_001, SWR_CTRL_CMD_001, SWR_CTRL_LIM_001,
SWR_CTRL_CAN_001, SWR_CTRL_RX_001, SWR_CTRL_DTC_001, SWR_CONT_FB_001, SWR_PLAT_005.

:func:`controller_step` is pure: ``(state, inputs, context) -> (state, outputs)``.
Each step runs, in order: the E2E receiver stage on the vehicle's raw CAN
frames (:mod:`bms.controller._receive`), the protection (every fault, every step), the
contactor sequence (forced open by any latched fault), balancing and thermal
requests (:mod:`bms.control`), the estimation channel
(:mod:`bms.controller._estimating`, QM(D), never raising: when a chemistry
is given, every ``estimation_period_ms`` the SoC filter with the capacity
tracker and the plating cap of the charge limit, and the key-on's current
offset), and the CAN
frames of :mod:`bms.can` (the same 100 ms cycle, half a cycle later: from the
sixth step on, so that the filter and the encoding, the two costliest tasks,
never load the same step and the worst step stays well inside its budget). A fault that
latches is reported once as a DTC event with its occurrence count and freeze
frame, for the caller to store (:mod:`bms.memory`). Time is the count
of steps times the protection period; there is no clock and no I/O.
:class:`BmsController` holds the state and wraps the step so that any
internal error latches ``internal_error`` and commands every contactor open.
"""

import math
from collections.abc import Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import cast

import numpy as np

from bms.cell import Chemistry, cell_model
from bms.config import BmsConfig, load_config
from bms.contactor import (
    ContactorCommands,
    ContactorInputs,
    ContactorOutput,
    ContactorState,
    step_contactors,
)
from bms.control import derate, step_balancing, step_thermal
from bms.controller._chemistry_match import check_chemistry_matches
from bms.controller._estimating import account_charge, cap_plating, estimate, key_on
from bms.controller._inputs import ControllerInputs
from bms.controller._outputs import (
    ChargeLimitSource,
    ContactorCommandOutput,
    ControllerOutputs,
    ControllerStatus,
    DtcEventOutput,
    FaultReport,
    SocOrigin,
)
from bms.controller._receive import Reception, receive_vehicle
from bms.controller._state import ControllerContext, ControllerState, PlatingCap
from bms.controller._transmit import can_frames
from bms.estimation import CapacityTracker, SocStart
from bms.protection import (
    FaultStatus,
    Level,
    ProtectionReport,
    ProtectionSample,
    Reaction,
    fault_reaction,
    step_protection,
    warning_reaction,
)
from bms.units import DegreesC, Fraction, Volts

__all__ = [
    "BmsController",
    "ControllerContext",
    "ControllerState",
    "PlatingCap",
    "controller_step",
]

INTERNAL_ERROR = "internal_error"
"""Fault name of an exception inside the step."""
CONTACTOR_WELDED = "contactor_welded"
"""Fault name of a weld found by the contactor sequence."""
PRECHARGE_LOCKOUT = "precharge_lockout"
"""Fault name of the precharge lockout."""
CONTACTOR_FEEDBACK = "contactor_feedback"
"""Fault name of a contactor whose feedback disagreed with its command (drop-out)."""
CAN_TX_FAILED = "can_tx_failed"
"""Warning name of a CAN transmission cycle that could not be encoded."""
_CAN_WARNING = FaultReport(
    fault=CAN_TX_FAILED,
    level="warning",
    latched=False,
    reaction=Reaction.WARN.name.lower(),
    reason="the CAN frames could not be encoded; none sent this cycle",
)
ESTIMATION_UNAVAILABLE = "estimation_unavailable"
"""Warning name of an estimator that failed (QM(D) channel; the protection does not use it)."""
PLATING_LIMIT_FALLBACK = "plating_limit_fallback"
"""Warning name of a plating cap at its most conservative limit (no map, out of its range)."""
CURRENT_OFFSET_IMPLAUSIBLE = "current_offset_implausible"
"""Warning name of a key-on current reading beyond the sensor's accuracy (not calibrated)."""
CAPACITY_UNKNOWN = "capacity_unknown"
"""Warning name of a capacity estimate started without capacity memory (unknown age)."""
SOC_MEMORY_DROPPED = "soc_memory_dropped"
"""Warning name of a kept SoC the cells' voltage refuted at key-on (the SoC started unknown)."""

_SETTLED_OPEN = frozenset(
    {
        ContactorState.OPEN,
        ContactorState.WELDED,
        ContactorState.LOCKOUT,
        ContactorState.FEEDBACK_FAULT,
    }
)
_STATUS = MappingProxyType(
    {
        ContactorState.NOT_RUN: ControllerStatus.OPENING,
        ContactorState.OPEN: ControllerStatus.STANDBY,
        ContactorState.PRECHARGING: ControllerStatus.PRECHARGING,
        ContactorState.CLOSED: ControllerStatus.CONNECTED,
        ContactorState.OPENING: ControllerStatus.OPENING,
        ContactorState.WELDED: ControllerStatus.FAULT,
        ContactorState.LOCKOUT: ControllerStatus.FAULT,
        ContactorState.FEEDBACK_FAULT: ControllerStatus.FAULT,
    }
)


def _sample(inputs: ControllerInputs, reception: Reception) -> ProtectionSample:
    return ProtectionSample(
        cell_voltages_v=np.asarray(inputs.cell_voltages_v, dtype=np.float64),
        cell_temperatures_degc=np.asarray(inputs.cell_temperatures_degc, dtype=np.float64),
        currents_a=np.asarray(inputs.current_a, dtype=np.float64),
        pack_voltage_v=inputs.pack_voltage_v,
        isolation_resistance_ohm=inputs.isolation_resistance_ohm,
        cells_fresh=inputs.fresh.cells,
        temperatures_fresh=inputs.fresh.temperatures,
        current_fresh=inputs.fresh.current,
        isolation_fresh=inputs.fresh.isolation,
        vehicle_message_ok=reception.command is not None,
        crash=reception.crash is not None and reception.crash.crash_detected,
        crash_message_ok=reception.crash is not None,
        communication_corrupt=reception.corrupt,
    )


def _fault_reports(statuses: tuple[FaultStatus, ...], state: ControllerState) -> list[FaultReport]:
    reports = [
        FaultReport(
            fault=str(status.fault),
            level="fault" if status.level is Level.FAULT or status.latched else "warning",
            latched=status.latched,
            reaction=(
                fault_reaction(status.fault) if status.latched else warning_reaction(status.fault)
            ).name.lower(),
            reason=status.reason,
        )
        for status in statuses
    ]
    machine = state.contactors
    open_reaction = Reaction.OPEN_CONTACTORS.name.lower()
    if state.internal_fault:
        reports.append(
            FaultReport(
                fault=INTERNAL_ERROR,
                level="fault",
                latched=True,
                reaction=open_reaction,
                reason=state.internal_reason,
            )
        )
    if machine.state is ContactorState.WELDED:
        reports.append(
            FaultReport(
                fault=CONTACTOR_WELDED,
                level="fault",
                latched=True,
                reaction=open_reaction,
                reason="still closed after opening: " + ", ".join(machine.welded),
            )
        )
    if machine.dropped:
        reports.append(
            FaultReport(
                fault=CONTACTOR_FEEDBACK,
                level="fault",
                latched=True,
                reaction=open_reaction,
                reason="feedback disagreed with the command: " + ", ".join(machine.dropped),
            )
        )
    if machine.state is ContactorState.LOCKOUT:
        reports.append(
            FaultReport(
                fault=PRECHARGE_LOCKOUT,
                level="fault",
                latched=True,
                reaction=open_reaction,
                reason=f"precharge failed {machine.attempts} times",
            )
        )
    if state.estimation_failed:
        reports.append(
            _warning(ESTIMATION_UNAVAILABLE, "the SoC estimator failed; limits ignore SoC")
        )
    if state.plating_reason is not None:
        reports.append(_warning(PLATING_LIMIT_FALLBACK, state.plating_reason))
    if state.offset_reason is not None:
        reports.append(_warning(CURRENT_OFFSET_IMPLAUSIBLE, state.offset_reason))
    if state.capacity_reason is not None:
        reports.append(_warning(CAPACITY_UNKNOWN, state.capacity_reason))
    if state.soc_memory_reason is not None:
        reports.append(_warning(SOC_MEMORY_DROPPED, state.soc_memory_reason))
    return reports


def _warning(fault: str, reason: str) -> FaultReport:
    """An unlatched warning of the QM(D) estimation channel (it only informs)."""
    return FaultReport(
        fault=fault,
        level="warning",
        latched=False,
        reaction=Reaction.WARN.name.lower(),
        reason=reason,
    )


def _limits(
    inputs: ControllerInputs,
    report: ProtectionReport,
    state: ControllerState,
    config: BmsConfig,
) -> tuple[float, float, float, float, ChargeLimitSource]:
    """Current and power limits: the protection's, capped by the derating when SoC is known.

    The charge limit is also capped by the plating cap of the last estimation step. The
    last value names what set the charge limit (a tie goes to the earlier cap).

    Implements: SWR_CTRL_LIM_001, SWR_PLAT_005
    """
    charge_a, discharge_a = report.charge_current_limit_a, report.discharge_current_limit_a
    source: ChargeLimitSource = "protection"
    if state.plating_charge_a is not None and state.plating_charge_a < charge_a:
        charge_a, source = state.plating_charge_a, "plating"
    if state.soc is not None and not state.estimation_failed:
        derated = derate(
            cast("Sequence[Volts]", inputs.cell_voltages_v),
            cast("Sequence[DegreesC]", inputs.cell_temperatures_degc),
            Fraction(state.soc),
            config.control.derating,
        )
        if derated.charge_a < charge_a:
            charge_a, source = derated.charge_a, "derating"
        discharge_a = min(discharge_a, derated.discharge_a)
    pack_v = inputs.pack_voltage_v if np.isfinite(inputs.pack_voltage_v) else 0.0
    pack_v = max(pack_v, 0.0)
    return (charge_a, discharge_a, charge_a * pack_v, discharge_a * pack_v, source)


def controller_step(
    state: ControllerState, inputs: ControllerInputs, context: ControllerContext
) -> tuple[ControllerState, ControllerOutputs]:
    """One 10 ms step of the BMS (may raise on an internal error: see :class:`BmsController`).

    Implements: SWR_CTRL_STEP_001, SWR_CTRL_FORCE_001, SWR_CTRL_RESET_001, SWR_CTRL_CMD_001,
    SWR_CTRL_CAN_001
    """
    config = context.config
    receiver, reception = receive_vehicle(
        state.receiver, inputs.can_rx, state.step * config.pack.protection_period_ms
    )
    command = reception.command
    close_request = command.close_request if command is not None else state.close_request
    reset = (
        command is not None and command.reset_request and state.contactors.state in _SETTLED_OPEN
    )
    protection, report = step_protection(
        state.protection, _sample(inputs, reception), reset=reset, config=config
    )
    internal_fault = state.internal_fault and not reset
    was_open = state.contactors.state is ContactorState.OPEN
    feedback = inputs.contactor_feedback
    machine, contactor_out = step_contactors(
        state.contactors,
        ContactorInputs(
            close_request=close_request,
            force_open=report.open_contactors or internal_fault,
            reset_request=reset,
            pack_voltage_v=inputs.pack_voltage_v,
            link_voltage_v=inputs.link_voltage_v,
            current_a=report.current_a,
            feedback=ContactorCommands(
                feedback.main_positive_closed,
                feedback.main_negative_closed,
                feedback.precharge_closed,
            ),
        ),
        config,
    )
    state = replace(
        state,
        step=state.step + 1,
        protection=protection,
        contactors=machine,
        receiver=receiver,
        close_request=close_request,
        internal_fault=internal_fault,
        internal_reason=state.internal_reason if internal_fault else "",
    )
    state = account_charge(state, report, context)
    state = key_on(state, was_open, report, context)
    state = estimate(state, inputs, report, context)
    every = config.pack.estimation_period_ms // config.pack.protection_period_ms
    if context.plating is not None and (state.step - 1) % every == 0:
        state = cap_plating(state, inputs, config, context.plating, context.cell_current_accuracy_a)
    # The readings as their unit types (NewType: the same floats, no per-cell conversion).
    volts = cast("Sequence[Volts]", inputs.cell_voltages_v)
    temps = cast("Sequence[DegreesC]", inputs.cell_temperatures_degc)
    at_rest = machine.state is ContactorState.OPEN and not report.open_contactors
    ekf = None if state.estimation_failed else state.estimator
    # The filter's own variance, not the reported one: balancing weighs cells against each
    # other, and the plateau's floor (SWR_SOC_010) is the doubt of where on a plateau the
    # cells are, which they share after one start; with it an LFP pack after the unknown
    # start balanced to 3.88 % instead of 0.47 % (docs/validation/balancing).
    soc_cells = None if ekf is None else (ekf.x[0], ekf.p[0, 0])
    state = replace(
        state,
        balancing=step_balancing(
            state.balancing,
            volts,
            temps,
            enabled=at_rest and not reset,
            limits=config.control.balancing,
            # Issue 9: on SoC when the (QM(D)) estimate is valid, else on voltage.
            cell_soc=None if soc_cells is None else soc_cells[0].tolist(),
            cell_soc_sigma=None if soc_cells is None else np.sqrt(soc_cells[1]).tolist(),
        ),
        thermal=step_thermal(state.thermal, temps, config.control.thermal),
    )
    outputs = _outputs(state, inputs, report, contactor_out, config)
    if any(f.latched and f.fault not in state.latched for f in outputs.faults):
        state, events = _dtc_events(state, outputs.faults, inputs.time_ms, _freeze(inputs, report))
        outputs = outputs.model_copy(update={"dtc_events": events})
    elif state.latched != outputs.latched_faults:
        state = replace(state, latched=outputs.latched_faults)
    if (state.step - 1) % every == every // 2:  # off the estimation's steps: WCET
        try:
            frames, counters = can_frames(outputs, inputs, report.current_a, state.can_counters)
            state = replace(state, can_counters=counters, can_failed=False)
            outputs = outputs.model_copy(update={"can_frames": frames})
        except Exception:  # noqa: BLE001 - the vehicle detects missing frames by its E2E timeout
            state = replace(state, can_failed=True)
            outputs = outputs.model_copy(update={"faults": (*outputs.faults, _CAN_WARNING)})
    return (state, outputs)


def _extreme(values: Sequence[float]) -> dict[str, float | int]:
    """Largest and smallest finite value with their index (``-1`` and NaN when none is)."""
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite:
        return {"max": math.nan, "max_index": -1, "min": math.nan, "min_index": -1}
    high = max(finite, key=lambda pair: (pair[0], -pair[1]))
    low = min(finite)
    return {"max": high[0], "max_index": high[1], "min": low[0], "min_index": low[1]}


def _freeze(
    inputs: ControllerInputs, report: ProtectionReport
) -> dict[str, float | int | bool | str]:
    """The measured values of one step, kept with each DTC that latches on it.

    Implements: SWR_CTRL_DTC_001
    """
    cells = _extreme(inputs.cell_voltages_v)
    temps = _extreme(inputs.cell_temperatures_degc)
    currents = (*inputs.current_a, math.nan, math.nan)
    feedback = inputs.contactor_feedback
    return {
        "max_cell_v": cells["max"],
        "max_cell_index": cells["max_index"],
        "min_cell_v": cells["min"],
        "min_cell_index": cells["min_index"],
        "max_temperature_degc": temps["max"],
        "max_temperature_index": temps["max_index"],
        "min_temperature_degc": temps["min"],
        "min_temperature_index": temps["min_index"],
        "current_a": report.current_a,
        "current_sensor_1_a": currents[0],
        "current_sensor_2_a": currents[1],
        "pack_voltage_v": inputs.pack_voltage_v,
        "link_voltage_v": inputs.link_voltage_v,
        "isolation_resistance_ohm": inputs.isolation_resistance_ohm,
        "main_positive_closed": feedback.main_positive_closed,
        "main_negative_closed": feedback.main_negative_closed,
        "precharge_closed": feedback.precharge_closed,
    }


def _dtc_events(
    state: ControllerState,
    faults: Sequence[FaultReport],
    time_ms: int,
    freeze: dict[str, float | int | bool | str],
) -> tuple[ControllerState, tuple[DtcEventOutput, ...]]:
    """One DTC event per fault that latched this step (it was not latched the step before).

    Implements: SWR_CTRL_DTC_001
    """
    latched = tuple(fault.fault for fault in faults if fault.latched)
    counts = dict(state.occurrences)
    events: list[DtcEventOutput] = []
    for fault in faults:  # loop-bound: one report per fault kind
        if not fault.latched or fault.fault in state.latched:
            continue
        counts[fault.fault] = counts.get(fault.fault, 0) + 1
        events.append(
            DtcEventOutput(
                dtc=fault.fault.upper(),
                time_ms=time_ms,
                occurrence=counts[fault.fault],
                freeze={**freeze, "step": state.step, "reason": fault.reason},
            )
        )
    return (replace(state, latched=latched, occurrences=tuple(counts.items())), tuple(events))


def _outputs(
    state: ControllerState,
    inputs: ControllerInputs,
    report: ProtectionReport,
    contactor_out: ContactorOutput,
    config: BmsConfig,
) -> ControllerOutputs:
    faults = _fault_reports(report.faults, state)
    latched = tuple(f.fault for f in faults if f.latched)
    charge_a, discharge_a, charge_w, discharge_w, source = _limits(inputs, report, state, config)
    if latched:
        charge_a = discharge_a = charge_w = discharge_w = 0.0
        source = "fault"
    commands = contactor_out.commands
    return ControllerOutputs(
        time_ms=inputs.time_ms,
        step=state.step,
        status=ControllerStatus.FAULT if latched else _STATUS[state.contactors.state],
        contactor_state=state.contactors.state.value,
        contactors=ContactorCommandOutput(
            main_positive=commands.main_positive,
            main_negative=commands.main_negative,
            precharge=commands.precharge,
        ),
        balancing=state.balancing.bleeding,
        thermal_request=state.thermal.request.name.lower(),
        charge_current_limit_a=charge_a,
        discharge_current_limit_a=discharge_a,
        charge_power_limit_w=charge_w,
        discharge_power_limit_w=discharge_w,
        derating=report.derate,
        charge_limited_by=source,
        faults=tuple(faults),
        latched_faults=latched,
        events=tuple(str(event) for event in contactor_out.events),
        soc=state.soc,
        soc_sigma=state.soc_sigma,
        soc_started_from=_soc_origin(state),
        can_frames=(),
    )


def _soc_origin(state: ControllerState) -> SocOrigin | None:
    """Where the SoC filter started this power cycle (None: it has not started)."""
    if state.estimator is None:
        return None
    return "memory" if state.soc_from_memory else "unknown"


def _safe_outputs(state: ControllerState, time_ms: int) -> ControllerOutputs:
    """Outputs of a step that failed: every contactor open, no current, the fault reported.

    Implements: SWR_CTRL_SAFE_001
    """
    return ControllerOutputs(
        time_ms=time_ms,
        step=state.step,
        status=ControllerStatus.FAULT,
        contactor_state=state.contactors.state.value,
        contactors=ContactorCommandOutput(
            main_positive=False, main_negative=False, precharge=False
        ),
        balancing=(False,) * len(state.balancing.bleeding),
        thermal_request="off",
        charge_current_limit_a=0.0,
        discharge_current_limit_a=0.0,
        charge_power_limit_w=0.0,
        discharge_power_limit_w=0.0,
        derating=True,
        charge_limited_by="fault",
        faults=(
            FaultReport(
                fault=INTERNAL_ERROR,
                level="fault",
                latched=True,
                reaction=Reaction.OPEN_CONTACTORS.name.lower(),
                reason=state.internal_reason,
            ),
        ),
        latched_faults=(INTERNAL_ERROR,),
        events=(),
        soc=None,
        soc_sigma=None,
        soc_started_from=None,
        can_frames=(),
    )


class BmsController:
    """The BMS: holds the controller state and runs one step per call, never raising.

    Example::

        controller = BmsController(load_config())
        outputs = controller.step(inputs)   # every 10 ms

    Implements: SWR_CTRL_STEP_001, SWR_CTRL_SAFE_001
    """

    def __init__(
        self,
        config: BmsConfig | None = None,
        *,
        chemistry: Chemistry | None = None,
        state: ControllerState | None = None,
        capacity: CapacityTracker | None = None,
        soc: SocStart | None = None,
    ) -> None:
        """Start in ``state`` (default: the not-yet-run state).

        ``chemistry`` enables the SoC filter and plating cap; ``state`` resumes
        a controller from one it held before (a measurement or a restore);
        ``capacity`` is the capacity tracker a previous power cycle saved
        (``bms.memory.load_capacity(...).tracker()``: its committed sums),
        which the capacity estimate and the SoC filter carry on from
        (SWR_SOH_006), or a new pack's (:func:`bms.controller.new_pack_capacity`). Without
        it the controller has no capacity memory: the pack is of unknown
        age, its capacity prior wide, and it warns ``capacity_unknown``
        (SWR_SOH_008). ``soc`` is each cell's SoC at the last key-off, parked
        (``bms.memory.load_capacity(...).soc_start(now)``), which the SoC
        filter starts from instead of 50 % with a sigma of 30 points
        (SWR_SOC_008), unless the cells' voltage at the first estimation step
        refutes it: then the filter starts unknown and the controller warns
        ``soc_memory_dropped`` for the power cycle (SWR_SOC_009).

        Raises:
            ConfigError: ``chemistry`` does not describe the pack's cell (its label,
                rated capacity or voltage range; SWR_CTRL_CHEM_001).
        """
        config = config if config is not None else load_config()
        if chemistry is not None:
            check_chemistry_matches(config, chemistry)
        model = cell_model(chemistry) if chemistry is not None else None
        self._context = ControllerContext(
            config=config,
            model=model,
            chemistry=chemistry,
            stored_capacity=capacity,
            stored_soc=soc,
        )
        self._state = state if state is not None else ControllerState()

    @property
    def state(self) -> ControllerState:
        """The state after the last step."""
        return self._state

    @property
    def config(self) -> BmsConfig:
        """The pack configuration."""
        return self._context.config

    @property
    def chemistry(self) -> Chemistry | None:
        """The chemistry the estimator runs with (None: no estimation)."""
        return self._context.chemistry

    @property
    def stored_capacity(self) -> CapacityTracker | None:
        """The capacity tracker the controller started from (None: the pack is of unknown age)."""
        return self._context.stored_capacity

    def step(self, inputs: ControllerInputs) -> ControllerOutputs:
        """Run one step; an internal error latches ``internal_error`` and opens every contactor.

        Implements: SWR_CTRL_SAFE_001
        """
        try:
            self._state, outputs = controller_step(self._state, inputs, self._context)
        except Exception as error:  # noqa: BLE001 - the control path never raises (safe state)
            self._state = replace(
                self._state,
                step=self._state.step + 1,
                internal_fault=True,
                internal_reason=f"{type(error).__name__}: {error}"[:200],
            )
            raw_time: object = getattr(inputs, "time_ms", -1)
            time_ms = raw_time if isinstance(raw_time, int) else -1
            outputs = _safe_outputs(self._state, time_ms)
            self._state, events = _dtc_events(self._state, outputs.faults, time_ms, {})
            outputs = outputs.model_copy(update={"dtc_events": events})
        return outputs
