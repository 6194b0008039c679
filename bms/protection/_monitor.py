"""The protection task: every fault classified, debounced and latched each period.

ASIL: D. Requirements: SWR_PROT_OV_001, SWR_PROT_UV_001, SWR_PROT_OC_001,
SWR_PROT_OC_002, SWR_PROT_TEMP_001, SWR_PROT_TEMP_002, SWR_PROT_PLAUS_001,
SWR_PROT_ISO_001, SWR_PROT_COMM_001, SWR_PROT_COMM_002, SWR_PROT_CRASH_001, SWR_PROT_DEB_001,
SWR_PROT_RST_001, SWR_PROT_REACT_001, SWR_PROT_LIM_001.

:func:`step_protection` runs once per protection period: it classifies the
sample against every fault (:mod:`bms.protection._classify`,
:mod:`bms.protection._plausibility`), debounces each with the generic monitor
on the freshness of the sensor group it reads, and derives the reaction:
open the contactors while any fault is latched, derate while a derating
warning is active, and the temperature-dependent current limits.
"""

import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from bms.config import BmsConfig, TimedLimit
from bms.protection._classify import (
    Classified,
    FloatArray,
    classify_cell_under_voltage,
    classify_communication,
    classify_crash,
    classify_isolation,
    classify_over_current,
    classify_temperature_window,
    current_scale,
)
from bms.protection._debounce import Level, MonitorState, reset_monitor, step_monitor
from bms.protection._faults import FaultId, Reaction, fault_reaction, warning_reaction
from bms.protection._over_voltage import classify_cell_over_voltage
from bms.protection._plausibility import PlausibilitySample, PlausibilityState, step_plausibility

__all__ = [
    "FaultStatus",
    "ProtectionReport",
    "ProtectionSample",
    "ProtectionState",
    "fault_timing",
    "fault_timings",
    "step_protection",
]

_FAULTS: tuple[FaultId, ...] = tuple(FaultId)


@dataclass(frozen=True)
class ProtectionSample:
    """The readings of one protection period."""

    cell_voltages_v: FloatArray
    """One voltage per series cell."""
    cell_temperatures_degc: FloatArray
    """One reading per temperature sensor."""
    currents_a: FloatArray
    """One reading per current sensor, configuration order; positive discharges."""
    pack_voltage_v: float
    """Pack voltage (battery side of the contactors)."""
    isolation_resistance_ohm: float
    """Insulation resistance from the isolation monitor."""
    cells_fresh: bool = True
    """Whether the cell voltages are a new sample."""
    temperatures_fresh: bool = True
    """Whether the temperatures are a new sample."""
    current_fresh: bool = True
    """Whether the currents are a new sample."""
    isolation_fresh: bool = True
    """Whether the isolation resistance is a new reading."""
    vehicle_message_ok: bool = True
    """Whether a valid (E2E-checked) vehicle command arrived this period."""
    crash: bool = False
    """Crash signalled by the vehicle."""
    crash_message_ok: bool = True
    """Whether a valid (E2E-checked) crash message arrived this period."""
    communication_corrupt: str = ""
    """Why a protected vehicle message is corrupted (its last frame failed the E2E check:
    CRC, length or alive counter); empty when every message's last frame was accepted."""


@dataclass(frozen=True)
class ProtectionState:
    """Everything the protection remembers between periods."""

    monitors: tuple[MonitorState, ...] = tuple(MonitorState() for _ in _FAULTS)
    """One debounce per fault, in :class:`FaultId` order."""
    reasons: tuple[str, ...] = tuple("" for _ in _FAULTS)
    """Why each latched fault latched (the reason of the sample that latched it)."""
    plausibility: PlausibilityState = field(default_factory=PlausibilityState)
    """Memory of the plausibility checks."""
    communication_age_ms: int = 0
    """Time since the last valid vehicle message."""
    isolation_age_ms: int = 0
    """Time since the last fresh isolation reading."""
    crash_age_ms: int = 0
    """Time since the last valid crash message."""


@dataclass(frozen=True)
class FaultStatus:
    """One fault that is not normal: its tier now, whether latched, and why."""

    fault: FaultId
    """Which fault."""
    level: Level
    """Level of the last fresh sample."""
    latched: bool
    """Whether the fault is latched (contactors open until reset)."""
    reason: str
    """Why: the latching reason if latched, else this sample's reason."""


@dataclass(frozen=True)
class ProtectionReport:
    """What the protection decided this period."""

    faults: tuple[FaultStatus, ...]
    """Every fault at warning or fault level, or latched."""
    open_contactors: bool
    """Whether any latched fault demands the safe state."""
    derate: bool
    """Whether an active warning demands derating."""
    charge_current_limit_a: float
    """Allowed charge current magnitude (0 while the contactors must open)."""
    discharge_current_limit_a: float
    """Allowed discharge current magnitude (0 while the contactors must open)."""
    current_a: float
    """The pack current the protection trusts (first finite sensor; NaN if none)."""


def fault_timing(fault: FaultId, config: BmsConfig) -> TimedLimit:
    """The debounce and fault tolerant time that govern ``fault``.

    Implements: SWR_PROT_DEB_001
    """
    return fault_timings(config)[fault]


def fault_timings(config: BmsConfig) -> dict[FaultId, TimedLimit]:
    """The debounce and fault tolerant time of every fault.

    Implements: SWR_PROT_DEB_001
    """
    protection = config.protection
    return {
        FaultId.CELL_OVER_VOLTAGE: protection.cell_voltage.timing,
        FaultId.CELL_UNDER_VOLTAGE: protection.cell_voltage.timing,
        FaultId.CHARGE_OVER_CURRENT: protection.charge_current.timing,
        FaultId.DISCHARGE_OVER_CURRENT: protection.discharge_current.timing,
        FaultId.CHARGE_OVER_TEMPERATURE: protection.charge_temperature.timing,
        FaultId.CHARGE_UNDER_TEMPERATURE: protection.charge_temperature.timing,
        FaultId.DISCHARGE_OVER_TEMPERATURE: protection.discharge_temperature.timing,
        FaultId.DISCHARGE_UNDER_TEMPERATURE: protection.discharge_temperature.timing,
        FaultId.VOLTAGE_SENSOR: protection.plausibility.timing,
        FaultId.TEMPERATURE_SENSOR: protection.plausibility.timing,
        FaultId.CURRENT_SENSOR: protection.plausibility.timing,
        FaultId.CURRENT_SENSOR_MISMATCH: protection.plausibility.current_mismatch_timing,
        FaultId.OPEN_WIRE: protection.plausibility.timing,
        FaultId.STALE_DATA: protection.plausibility.timing,
        FaultId.ISOLATION: protection.isolation.timing,
        FaultId.COMMUNICATION_TIMEOUT: protection.communication.timing,
        FaultId.CRASH: protection.crash,
        FaultId.COMMUNICATION_CORRUPT: protection.communication.corruption_timing,
    }


_IDLE = MonitorState()
"""A monitor that has seen nothing but normal samples (or was cleared to normal)."""

_STALE_IS_ITS_OWN_DEBOUNCE = MappingProxyType({FaultId.STALE_DATA: True})
"""The stale-stream fault latches as soon as ``max_stale_periods`` are reached: the count of
missing periods is its debounce."""


def _monitor_timing(
    fault: FaultId, timings: dict[FaultId, TimedLimit], config: BmsConfig
) -> tuple[int, int]:
    """The sample period and the debounce the monitor of ``fault`` counts with."""
    debounce_ms = 0 if fault in _STALE_IS_ITS_OWN_DEBOUNCE else timings[fault].debounce_ms
    sample_ms = (
        config.protection.isolation.sample_period_ms
        if fault is FaultId.ISOLATION
        else config.pack.protection_period_ms
    )
    return (sample_ms, debounce_ms)


def _inside(values: FloatArray, low: float, high: float) -> bool:
    """Whether there are readings and every one is finite and within [low, high]."""
    return bool(values.size) and bool(((values >= low) & (values <= high)).all())


def _trusted_current(currents_a: FloatArray) -> float:
    """The first finite current reading (the more accurate sensor comes first), else NaN."""
    finite = currents_a[np.isfinite(currents_a)]
    return float(finite[0]) if finite.size else math.nan


def _classify(
    sample: ProtectionSample,
    state: ProtectionState,
    config: BmsConfig,
    current_a: float,
    scales: tuple[float, float],
) -> dict[FaultId, Classified]:
    """Classify the physical faults of one sample."""
    protection = config.protection
    temps = sample.cell_temperatures_degc
    charging = not current_a >= -protection.charge_detection_a  # NaN counts as charging
    charge_over, charge_under = classify_temperature_window(
        temps, protection.charge_temperature, active=charging, window="charge"
    )
    discharge_over, discharge_under = classify_temperature_window(
        temps, protection.discharge_temperature, active=True, window="discharge"
    )
    pack_v = sample.pack_voltage_v
    reference_v = (
        pack_v
        if math.isfinite(pack_v) and pack_v > 0.0
        else config.pack.series_count * protection.cell_voltage.over_fault_v
    )
    volts = sample.cell_voltages_v
    over_level = classify_cell_over_voltage(volts, protection.cell_voltage)
    over_reason = ""
    if over_level is not Level.NORMAL:
        worst = int(np.argmax(np.where(np.isfinite(volts), volts, np.inf))) if volts.size else -1
        over_reason = (
            f"cell {worst}: {float(volts[worst]):.4f} V above the over-voltage tier"
            if worst >= 0
            else "no cell voltage measured"
        )
    charge_scale, discharge_scale = scales
    return {
        FaultId.CELL_OVER_VOLTAGE: (over_level, over_reason),
        FaultId.CELL_UNDER_VOLTAGE: classify_cell_under_voltage(volts, protection.cell_voltage),
        FaultId.CHARGE_OVER_CURRENT: classify_over_current(
            sample.currents_a,
            protection.charge_current,
            charge_scale,
            charge=True,
        ),
        FaultId.DISCHARGE_OVER_CURRENT: classify_over_current(
            sample.currents_a,
            protection.discharge_current,
            discharge_scale,
            charge=False,
        ),
        FaultId.CHARGE_OVER_TEMPERATURE: charge_over,
        FaultId.CHARGE_UNDER_TEMPERATURE: charge_under,
        FaultId.DISCHARGE_OVER_TEMPERATURE: discharge_over,
        FaultId.DISCHARGE_UNDER_TEMPERATURE: discharge_under,
        FaultId.ISOLATION: classify_isolation(
            sample.isolation_resistance_ohm, reference_v, protection.isolation
        ),
        FaultId.COMMUNICATION_TIMEOUT: classify_communication(
            max(state.communication_age_ms, state.crash_age_ms), protection.communication
        ),
        FaultId.CRASH: classify_crash(sample.crash),
        FaultId.COMMUNICATION_CORRUPT: (
            (Level.FAULT, sample.communication_corrupt)
            if sample.communication_corrupt
            else (Level.NORMAL, "")
        ),
    }


def _freshness(sample: ProtectionSample) -> dict[FaultId, bool]:
    """Whether this period's sample is fresh for the sensor group each fault reads.

    The stale stream, communication (loss and corruption) and crash faults are evaluated every
    period.
    """
    return {
        FaultId.CELL_OVER_VOLTAGE: sample.cells_fresh,
        FaultId.CELL_UNDER_VOLTAGE: sample.cells_fresh,
        FaultId.VOLTAGE_SENSOR: sample.cells_fresh,
        FaultId.OPEN_WIRE: sample.cells_fresh,
        FaultId.CHARGE_OVER_CURRENT: sample.current_fresh,
        FaultId.DISCHARGE_OVER_CURRENT: sample.current_fresh,
        FaultId.CURRENT_SENSOR: sample.current_fresh,
        FaultId.CURRENT_SENSOR_MISMATCH: sample.current_fresh,
        FaultId.CHARGE_OVER_TEMPERATURE: sample.temperatures_fresh,
        FaultId.CHARGE_UNDER_TEMPERATURE: sample.temperatures_fresh,
        FaultId.DISCHARGE_OVER_TEMPERATURE: sample.temperatures_fresh,
        FaultId.DISCHARGE_UNDER_TEMPERATURE: sample.temperatures_fresh,
        FaultId.TEMPERATURE_SENSOR: sample.temperatures_fresh,
        FaultId.ISOLATION: sample.isolation_fresh,
        FaultId.STALE_DATA: True,
        FaultId.COMMUNICATION_TIMEOUT: True,
        FaultId.CRASH: True,
        FaultId.COMMUNICATION_CORRUPT: True,
    }


def step_protection(
    state: ProtectionState, sample: ProtectionSample, *, reset: bool, config: BmsConfig
) -> tuple[ProtectionState, ProtectionReport]:
    """Run the protection for one period.

    Implements: SWR_PROT_DEB_001, SWR_PROT_RST_001, SWR_PROT_REACT_001, SWR_PROT_LIM_001,
    SWR_PROT_COMM_001, SWR_PROT_COMM_002

    The charge current limit is 0 A while any temperature is outside the
    charge window's warning tier (or unknown): the vehicle must not charge
    nor regenerate there, so the charge window's faults are not reached by
    regenerative braking in the cold.

    Args:
        state: the state after the previous period.
        sample: this period's readings.
        reset: an explicit reset request whose other conditions (contactors
            open, vehicle at standstill) the caller has checked.
        config: the pack configuration.

    Returns:
        The new state and the report (faults, reaction, current limits).
    """
    period_ms = config.pack.protection_period_ms
    current_a = _trusted_current(sample.currents_a)
    age_ms = 0 if sample.vehicle_message_ok else state.communication_age_ms + period_ms
    isolation_age_ms = 0 if sample.isolation_fresh else state.isolation_age_ms + period_ms
    crash_age_ms = 0 if sample.crash_message_ok else state.crash_age_ms + period_ms
    state = ProtectionState(
        state.monitors, state.reasons, state.plausibility, age_ms, isolation_age_ms, crash_age_ms
    )
    plausibility, plausibility_levels = step_plausibility(
        state.plausibility,
        PlausibilitySample(
            cell_voltages_v=sample.cell_voltages_v,
            cell_temperatures_degc=sample.cell_temperatures_degc,
            currents_a=sample.currents_a,
            cells_fresh=sample.cells_fresh,
            temperatures_fresh=sample.temperatures_fresh,
            current_fresh=sample.current_fresh,
        ),
        config,
    )
    derating = config.protection.current_temperature_derating
    temps = sample.cell_temperatures_degc
    scales = (
        current_scale(temps, derating, charge=True),
        current_scale(temps, derating, charge=False),
    )
    levels = _classify(sample, state, config, current_a, scales) | plausibility_levels
    isolation_stale_ms = (
        config.protection.plausibility.max_stale_periods
        * config.protection.isolation.sample_period_ms
    )
    if isolation_age_ms >= isolation_stale_ms and levels[FaultId.STALE_DATA][0] is Level.NORMAL:
        levels[FaultId.STALE_DATA] = (
            Level.FAULT,
            f"no fresh isolation reading for {isolation_age_ms} ms",
        )
    monitors: list[MonitorState] = []
    reasons: list[str] = []
    statuses: list[FaultStatus] = []
    open_contactors = False
    derate = False
    timings = fault_timings(config)
    freshness = _freshness(sample)
    for index, fault in enumerate(_FAULTS):
        level, reason = levels[fault]
        before = state.monitors[index]
        if level is Level.NORMAL and before == _IDLE:
            # An idle monitor stays idle on a normal sample, fresh or not, reset or not, and
            # reports nothing: skip the steps that would rebuild the same state (speed only).
            monitors.append(_IDLE)
            reasons.append("")
            continue
        fresh = freshness[fault]
        sample_ms, debounce_ms = _monitor_timing(fault, timings, config)
        after = reset_monitor(
            step_monitor(before, level, fresh=fresh, period_ms=sample_ms, debounce_ms=debounce_ms),
            fresh=fresh,
            reset=reset,
        )
        kept_reason = state.reasons[index]
        if after.latched and not before.latched:
            kept_reason = reason
        elif not after.latched:
            kept_reason = ""
        monitors.append(after)
        reasons.append(kept_reason)
        if after.latched:
            open_contactors = open_contactors or (fault_reaction(fault) is Reaction.OPEN_CONTACTORS)
        if after.level is Level.WARNING or (after.level is Level.FAULT and not after.latched):
            derate = derate or warning_reaction(fault) is Reaction.DERATE
        if after.latched or after.level is not Level.NORMAL:
            statuses.append(FaultStatus(fault, after.level, after.latched, kept_reason or reason))
    protection = config.protection
    factor = 0.0 if open_contactors else (protection.derate_fraction if derate else 1.0)
    charge_window = protection.charge_temperature
    charge_factor = (
        factor
        if _inside(temps, charge_window.under_warning_degc, charge_window.over_warning_degc)
        else 0.0
    )
    report = ProtectionReport(
        faults=tuple(statuses),
        open_contactors=open_contactors,
        derate=derate,
        charge_current_limit_a=protection.charge_current.warning_a * scales[0] * charge_factor,
        discharge_current_limit_a=protection.discharge_current.warning_a * scales[1] * factor,
        current_a=current_a,
    )
    new_state = ProtectionState(
        tuple(monitors), tuple(reasons), plausibility, age_ms, isolation_age_ms, crash_age_ms
    )
    return (new_state, report)
