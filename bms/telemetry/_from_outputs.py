"""Telemetry built from the controller's existing inputs and outputs.

ASIL: D (SWR_TEL_001 to SWR_TEL_003 are ASIL D: they serve TSR_FAULT_MEMORY; the
control path never reads telemetry). Requirements:
SWR_TEL_001, SWR_TEL_003.

:class:`TelemetryRecorder` watches one (inputs, outputs) pair per controller
step and returns the records due: a :class:`PeriodicRecord` every
``period_ms`` and a :class:`SessionRecord` when a drive or charge session
(main contactors connected) ends. Per-cell estimates the controller does not
report (cell SoC, capacity, resistance, plating margin) come in an optional
:class:`CellEstimates`, which the simulator scripts fill from their
estimators. :class:`TelemetryTap` is a :class:`bms.controller.BmsController`
that records its own steps, for ``bms replay --telemetry``, with the cell
SoC, capacity and resistance of its own estimation channel.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, assert_never

import numpy as np
import numpy.typing as npt

from bms.cell import Chemistry
from bms.config import BmsConfig
from bms.controller import (
    BmsController,
    ControllerInputs,
    ControllerOutputs,
    ControllerState,
    ControllerStatus,
)
from bms.controller._outputs import ChargeLimitSource
from bms.estimation import CapacityTracker, SocStart, reported_soc_sigma, state_of_health
from bms.telemetry._model import (
    TELEMETRY_SCHEMA_VERSION,
    Bounded,
    CellRange,
    Counters,
    Limits,
    LoggedFault,
    PeriodicRecord,
    SessionRecord,
)
from bms.telemetry._reader import write_telemetry

__all__ = ["CellEstimates", "TelemetryRecorder", "TelemetryTap"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

_MS_PER_HOUR = 3_600_000.0


@dataclass(frozen=True)
class CellEstimates:
    """Per-cell estimates with their standard deviations; any may be missing."""

    soc: FloatArray | None = None
    """SoC estimate of each cell (fraction)."""
    soc_sigma: FloatArray | None = None
    """Its standard deviation."""
    capacity_ah: FloatArray | None = None
    """Capacity estimate of each cell."""
    capacity_sigma_ah: FloatArray | None = None
    """Its standard deviation."""
    health: FloatArray | None = None
    """State of Health of each cell: its capacity over the configured cell capacity."""
    health_sigma: FloatArray | None = None
    """Its standard deviation, bounding the true capacity (the current sensor's gain in it)."""
    resistance_factor: FloatArray | None = None
    """Resistance of each cell relative to the chemistry tables."""
    resistance_sigma: FloatArray | None = None
    """Its standard deviation."""
    plating_margin_v: FloatArray | None = None
    """Lithium-plating margin of each cell."""
    plating_sigma_v: FloatArray | None = None
    """Its standard deviation."""


def _range(values: Sequence[float] | FloatArray | None) -> CellRange | None:
    """Lowest and highest finite value with their indices; ``None`` when none is finite."""
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array)
    if not finite.any():
        return None
    low = int(np.argmin(np.where(finite, array, np.inf)))
    high = int(np.argmax(np.where(finite, array, -np.inf)))
    return CellRange(min=float(array[low]), max=float(array[high]), min_index=low, max_index=high)


def _pick(values: FloatArray | None, sigmas: FloatArray | None, *, lowest: bool) -> Bounded | None:
    """The lowest (or highest) finite value with its own sigma."""
    if values is None or sigmas is None or values.shape != sigmas.shape:
        return None
    finite = np.isfinite(values)
    if not finite.any():
        return None
    masked = np.where(finite, values, np.inf if lowest else -np.inf)
    index = int(np.argmin(masked) if lowest else np.argmax(masked))
    return Bounded(value=float(values[index]), sigma=float(sigmas[index]))


def _non_negative(value: float) -> float:
    """A reported limit as the schema wants it: finite values below 0 and NaN become 0."""
    return value if value > 0.0 else 0.0


def _thermal(request: str) -> Literal["off", "heat", "cool"]:
    """The thermal request as the schema names it (anything unknown logged as ``cool``)."""
    if request == "off":
        return "off"
    return "heat" if request == "heat" else "cool"


def _status(
    status: ControllerStatus,
) -> Literal["standby", "precharging", "connected", "opening", "fault"]:
    """The operating state as the schema names it."""
    match status:
        case ControllerStatus.STANDBY:
            return "standby"
        case ControllerStatus.PRECHARGING:
            return "precharging"
        case ControllerStatus.CONNECTED:
            return "connected"
        case ControllerStatus.OPENING:
            return "opening"
        case ControllerStatus.FAULT:
            return "fault"
        case _:
            assert_never(status)


@dataclass
class _Session:
    """The drive or charge session in progress."""

    start_ms: int
    soc_start: float | None
    charge_in_ah: float = 0.0
    charge_out_ah: float = 0.0
    max_charge_a: float = 0.0
    max_discharge_a: float = 0.0
    volt_min: float = math.inf
    volt_max: float = -math.inf
    temp_min: float = math.inf
    temp_max: float = -math.inf
    faults: frozenset[str] = frozenset()
    last_ms: int = 0
    soc_end: float | None = None
    latched: bool = False
    plating_limited_s: float = 0.0
    limited_by: ChargeLimitSource | None = None
    """What set the charge limit at the session's last step (it holds until the next)."""


class TelemetryRecorder:
    """Turns controller steps into telemetry records (periodic and per session).

    Example::

        recorder = TelemetryRecorder(period_ms=1000)
        for inputs in frames:
            outputs = controller.step(inputs)
            records.extend(recorder.observe(inputs, outputs))
        records.extend(recorder.finish())   # the open session's summary, if any
        write_telemetry(sink, records)
    """

    def __init__(self, period_ms: int = 1000) -> None:
        """Record every ``period_ms`` (> 0) of controller time.

        Raises:
            ValueError: on a period that is not > 0.
        """
        if period_ms <= 0:
            raise ValueError(f"period_ms={period_ms} must be > 0")
        self.period_ms = period_ms
        """Period of the periodic records."""
        self._next_ms: int | None = None
        self._last_ms: int | None = None
        self._charge_in_ah = self._charge_out_ah = self._balancing_s = 0.0
        self._steps = self._fault_onsets = self._latch_onsets = 0
        self._events = self._sessions = 0
        self._active: frozenset[str] = frozenset()
        self._latched: frozenset[str] = frozenset()
        self._session: _Session | None = None

    def observe(
        self,
        inputs: ControllerInputs | None,
        outputs: ControllerOutputs,
        estimates: CellEstimates | None = None,
    ) -> list[PeriodicRecord | SessionRecord]:
        """Account for one step; return the records due now (possibly none).

        Implements: SWR_TEL_001, SWR_TEL_003

        Args:
            inputs: what the controller read (``None`` when unknown: currents
                count as 0 and voltages and temperatures as missing).
            outputs: what it answered.
            estimates: per-cell estimates beyond the controller's outputs.
        """
        dt_ms = 0 if self._last_ms is None else max(outputs.time_ms - self._last_ms, 0)
        self._last_ms = outputs.time_ms
        current_a = inputs.current_a[0] if inputs is not None and inputs.current_a else 0.0
        current_a = current_a if math.isfinite(current_a) else 0.0
        charge_ah = current_a * dt_ms / _MS_PER_HOUR
        self._charge_out_ah += max(charge_ah, 0.0)
        self._charge_in_ah += max(-charge_ah, 0.0)
        self._steps += 1
        if any(outputs.balancing):
            self._balancing_s += dt_ms / 1000.0
        active = frozenset(f.fault for f in outputs.faults)
        latched = frozenset(outputs.latched_faults)
        self._fault_onsets += len(active - self._active)
        self._latch_onsets += len(latched - self._latched)
        self._active, self._latched = active, latched
        self._events += len(outputs.events)
        records: list[PeriodicRecord | SessionRecord] = []
        records.extend(self._track_session(inputs, outputs, current_a, charge_ah, dt_ms))
        if self._next_ms is None or outputs.time_ms >= self._next_ms:
            records.append(self._periodic(inputs, outputs, current_a, estimates))
            self._next_ms = outputs.time_ms + self.period_ms
        return records

    def finish(self) -> list[PeriodicRecord | SessionRecord]:
        """Close the session in progress, if any, and return its summary."""
        session, self._session = self._session, None
        return [] if session is None else [self._summary(session)]

    def _track_session(
        self,
        inputs: ControllerInputs | None,
        outputs: ControllerOutputs,
        current_a: float,
        charge_ah: float,
        dt_ms: int,
    ) -> list[PeriodicRecord | SessionRecord]:
        """Open, update or close the session; the summary when one closes."""
        connected = outputs.status == "connected"
        session = self._session
        if session is None:
            if not connected:
                return []
            self._sessions += 1
            session = self._session = _Session(start_ms=outputs.time_ms, soc_start=outputs.soc)
        elif not connected:
            session.latched = bool(outputs.latched_faults)
            self._session = None
            return [self._summary(session)]
        session.last_ms = outputs.time_ms
        session.soc_end = outputs.soc
        if session.limited_by == "plating":  # the last step's limit held until this one
            session.plating_limited_s += dt_ms / 1000.0
        session.limited_by = outputs.charge_limited_by
        session.charge_out_ah += max(charge_ah, 0.0)
        session.charge_in_ah += max(-charge_ah, 0.0)
        session.max_discharge_a = max(session.max_discharge_a, current_a)
        session.max_charge_a = max(session.max_charge_a, -current_a)
        session.faults = session.faults | frozenset(f.fault for f in outputs.faults)
        if inputs is not None:
            volts = _range(inputs.cell_voltages_v)
            temps = _range(inputs.cell_temperatures_degc)
            if volts is not None:
                session.volt_min = min(session.volt_min, volts.min)
                session.volt_max = max(session.volt_max, volts.max)
            if temps is not None:
                session.temp_min = min(session.temp_min, temps.min)
                session.temp_max = max(session.temp_max, temps.max)
        return []

    def _summary(self, session: _Session) -> SessionRecord:
        def seen(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return SessionRecord(
            schema_version=TELEMETRY_SCHEMA_VERSION,
            kind="session",
            session="charge" if session.charge_in_ah > session.charge_out_ah else "drive",
            start_ms=session.start_ms,
            end_ms=max(session.last_ms, session.start_ms),
            charge_in_ah=session.charge_in_ah,
            charge_out_ah=session.charge_out_ah,
            max_charge_current_a=session.max_charge_a,
            max_discharge_current_a=session.max_discharge_a,
            soc_start=session.soc_start,
            soc_end=session.soc_end,
            plating_limited_s=session.plating_limited_s,
            cell_voltage_min_v=seen(session.volt_min),
            cell_voltage_max_v=seen(session.volt_max),
            temperature_min_degc=seen(session.temp_min),
            temperature_max_degc=seen(session.temp_max),
            faults_seen=tuple(sorted(session.faults)),
            ended_by_fault=session.latched,
        )

    def _periodic(
        self,
        inputs: ControllerInputs | None,
        outputs: ControllerOutputs,
        current_a: float,
        estimates: CellEstimates | None,
    ) -> PeriodicRecord:
        cells = estimates if estimates is not None else CellEstimates()
        soc = (
            Bounded(
                value=outputs.soc,
                sigma=outputs.soc_sigma if outputs.soc_sigma is not None else math.inf,
            )
            if outputs.soc is not None
            else None
        )
        return PeriodicRecord(
            schema_version=TELEMETRY_SCHEMA_VERSION,
            kind="periodic",
            time_ms=outputs.time_ms,
            status=_status(outputs.status),
            contactor_state=outputs.contactor_state,
            pack_current_a=current_a,
            pack_voltage_v=inputs.pack_voltage_v if inputs is not None else math.nan,
            cell_voltage_v=_range(inputs.cell_voltages_v if inputs is not None else None),
            temperature_degc=_range(inputs.cell_temperatures_degc if inputs is not None else None),
            soc=soc,
            soc_started_from=outputs.soc_started_from,
            cell_soc=_range(cells.soc),
            capacity_ah=_pick(cells.capacity_ah, cells.capacity_sigma_ah, lowest=True),
            state_of_health=_pick(cells.health, cells.health_sigma, lowest=True),
            resistance_factor=_pick(cells.resistance_factor, cells.resistance_sigma, lowest=False),
            plating_margin_v=_pick(cells.plating_margin_v, cells.plating_sigma_v, lowest=True),
            limits=Limits(
                charge_current_a=_non_negative(outputs.charge_current_limit_a),
                discharge_current_a=_non_negative(outputs.discharge_current_limit_a),
                charge_power_w=_non_negative(outputs.charge_power_limit_w),
                discharge_power_w=_non_negative(outputs.discharge_power_limit_w),
                derating=outputs.derating,
                charge_limited_by=outputs.charge_limited_by,
            ),
            faults=tuple(
                LoggedFault(
                    fault=f.fault,
                    level="fault" if f.level == "fault" else "warning",
                    latched=f.latched,
                    reaction=f.reaction,
                    reason=f.reason,
                )
                for f in outputs.faults
            ),
            balancing_cells=sum(outputs.balancing),
            thermal_request=_thermal(outputs.thermal_request),
            counters=Counters(
                steps=self._steps,
                charge_in_ah=self._charge_in_ah,
                charge_out_ah=self._charge_out_ah,
                fault_onsets=self._fault_onsets,
                latch_onsets=self._latch_onsets,
                contactor_events=self._events,
                sessions=self._sessions,
                balancing_s=self._balancing_s,
            ),
        )


def _controller_estimates(
    state: ControllerState, configured_ah: float | None = None
) -> CellEstimates | None:
    """What the controller's estimation channel knows per cell (None: it does not run).

    Implements: SWR_TEL_003

    The SoC from the SoC filter; the capacity from its dual estimation; the
    resistance from the filter's joint resistance state ``delta`` (a cell's
    resistance is its model's scale times ``1 + delta``). With the configured
    cell capacity, the State of Health (:func:`bms.estimation.state_of_health`).
    """
    ekf, capacity = state.estimator, state.capacity
    if ekf is None or capacity is None:
        return None
    estimate = capacity.tracker.estimate
    health = health_sigma = None
    if configured_ah is not None and configured_ah > 0.0:
        health, health_sigma = state_of_health(
            estimate.capacity_ah,
            estimate.capacity_sigma_ah,
            configured_ah,
            capacity.tuning.current_gain_error_pct,
        )
    scale = np.broadcast_to(
        np.asarray(capacity.model.resistance_scale, dtype=np.float64), ekf.x[4].shape
    )
    return CellEstimates(
        soc=ekf.x[0].copy(),
        soc_sigma=reported_soc_sigma(ekf),
        capacity_ah=estimate.capacity_ah,
        capacity_sigma_ah=estimate.capacity_sigma_ah,
        health=health,
        health_sigma=health_sigma,
        resistance_factor=scale * (1.0 + ekf.x[4]),
        resistance_sigma=scale * np.sqrt(ekf.p[4, 4]),
    )


class TelemetryTap(BmsController):
    """A :class:`BmsController` that records telemetry of its own steps (``bms replay``).

    Example::

        controller = TelemetryTap(config, chemistry=chemistry, period_ms=1000)
        ... controller.step(inputs) ...
        controller.write(Path("telemetry.jsonl"))
    """

    def __init__(
        self,
        config: BmsConfig | None = None,
        *,
        chemistry: Chemistry | None = None,
        period_ms: int = 1000,
        capacity: CapacityTracker | None = None,
        soc: SocStart | None = None,
    ) -> None:
        """The controller of :class:`BmsController`, plus a recorder every ``period_ms``."""
        super().__init__(config, chemistry=chemistry, capacity=capacity, soc=soc)
        self.recorder = TelemetryRecorder(period_ms)
        """The recorder fed by every step."""
        self.records: list[PeriodicRecord | SessionRecord] = []
        """Records so far (the open session's summary is added by :meth:`write`)."""
        self.dropped = 0
        """Steps whose record the schema rejected (not written)."""

    def step(self, inputs: ControllerInputs) -> ControllerOutputs:
        """Run one step and record it (recording never changes what the controller does)."""
        outputs = super().step(inputs)
        chemistry = self.chemistry
        configured = None if chemistry is None else chemistry.nominal_capacity_ah
        estimates = _controller_estimates(self.state, configured)
        try:
            self.records.extend(self.recorder.observe(inputs, outputs, estimates))
        except ValueError:  # a record the schema rejects is dropped, never the step
            self.dropped += 1
        return outputs

    def write(self, path: Path) -> int:
        """Close the open session and write every record to ``path``; returns the count.

        Raises:
            OSError: if the file cannot be written.
        """
        self.records.extend(self.recorder.finish())
        with path.open("w", encoding="utf-8") as sink:
            return write_telemetry(sink, self.records)
