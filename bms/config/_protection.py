"""Protection thresholds: two tiers each, with debounce and fault tolerant time.

ASIL: D. Tiers and their consequence:

* ``warning_*``: crossing it raises a warning and derates the current limits;
* ``fault_*``: crossing it for ``debounce_ms`` latches a fault and opens the
  contactors (the safe state);
* the cell's absolute limit (:class:`~bms.config.CellLimits`) lies beyond the
  fault tier and is never reached when the reaction works.

The debounce must end inside the fault tolerant time; the pack-level check in
:class:`~bms.config.BmsConfig` adds the task period and the contactor opening
time to it (:meth:`ProtectionConfig.timing_problems`).

Requirements: SWR_PROT_CFG_001.
"""

import itertools
from typing import Annotated

from pydantic import Field, model_validator

from bms.config._base import StrictModel, require_increasing

__all__ = [
    "CommunicationLimits",
    "ContactorSequenceLimits",
    "CurrentLimit",
    "CurrentTemperatureDerating",
    "IsolationLimits",
    "PlausibilityLimits",
    "ProtectionConfig",
    "TemperatureLimits",
    "TimedLimit",
    "VoltageLimits",
]

_DEBOUNCE_CONTEXT = "the fault must latch inside its fault tolerant time"


class TimedLimit(StrictModel):
    """Timing shared by every limit: how long a crossing must last, and the budget."""

    debounce_ms: Annotated[int, Field(ge=0, le=60_000)]
    """A crossing must persist this long (in fresh samples) before the fault latches."""
    fault_tolerant_time_ms: Annotated[int, Field(gt=0, le=600_000)]
    """Time from fault onset to the hazard (FTTI); the safe state must be reached before it."""

    @model_validator(mode="after")
    def _debounce_inside_ftti(self) -> "TimedLimit":
        require_increasing(self, "debounce_ms", "fault_tolerant_time_ms", context=_DEBOUNCE_CONTEXT)
        return self


class VoltageLimits(StrictModel):
    """Cell over- and under-voltage thresholds."""

    over_warning_v: float
    """Highest cell voltage before a warning and derating."""
    over_fault_v: float
    """Highest cell voltage before the contactors open."""
    under_warning_v: float
    """Lowest cell voltage before a warning and derating."""
    under_fault_v: float
    """Lowest cell voltage before the contactors open."""
    timing: TimedLimit
    """Debounce and fault tolerant time of both voltage faults."""

    @model_validator(mode="after")
    def _ordered(self) -> "VoltageLimits":
        require_increasing(
            self, "under_fault_v", "under_warning_v", "over_warning_v", "over_fault_v"
        )
        return self


class CurrentLimit(StrictModel):
    """Pack over-current thresholds in one direction (magnitudes, in amperes)."""

    warning_a: Annotated[float, Field(gt=0.0)]
    """Current magnitude above which the BMS warns and derates."""
    fault_a: Annotated[float, Field(gt=0.0)]
    """Current magnitude above which the contactors open."""
    timing: TimedLimit
    """Debounce and fault tolerant time."""

    @model_validator(mode="after")
    def _ordered(self) -> "CurrentLimit":
        require_increasing(self, "warning_a", "fault_a")
        return self


class TemperatureLimits(StrictModel):
    """Cell temperature window for one direction of current (charge or discharge)."""

    under_fault_degc: float
    """Below this the contactors open (charging here plates lithium)."""
    under_warning_degc: float
    """Below this the BMS warns and derates."""
    over_warning_degc: float
    """Above this the BMS warns, derates and requests cooling."""
    over_fault_degc: float
    """Above this the contactors open."""
    timing: TimedLimit
    """Debounce and fault tolerant time of the temperature faults."""

    @model_validator(mode="after")
    def _ordered(self) -> "TemperatureLimits":
        require_increasing(
            self, "under_fault_degc", "under_warning_degc", "over_warning_degc", "over_fault_degc"
        )
        return self


_Scale = Annotated[float, Field(gt=0.0, le=1.0)]


class CurrentTemperatureDerating(StrictModel):
    """Temperature dependence of the current limits: a scale on both tiers of each direction.

    The allowed current (warning and fault tier) at a cell temperature is the
    configured tier times the scale interpolated linearly between the
    breakpoints (clamped outside); the pack's limit uses the worst cell.
    """

    breakpoints_degc: tuple[float, ...]
    """Cell temperatures of the table, strictly increasing (at least two)."""
    charge_scale: tuple[_Scale, ...]
    """Scale of the charge-current tiers at each breakpoint, in (0, 1]."""
    discharge_scale: tuple[_Scale, ...]
    """Scale of the discharge-current tiers at each breakpoint, in (0, 1]."""

    @model_validator(mode="after")
    def _table_shape(self) -> "CurrentTemperatureDerating":
        count = len(self.breakpoints_degc)
        if count < 2:  # a table needs two points to interpolate
            raise ValueError(f"breakpoints_degc has {count} entries; at least 2 are needed")
        for lower, upper in itertools.pairwise(self.breakpoints_degc):
            if not lower < upper:
                raise ValueError(
                    f"breakpoints_degc must strictly increase ({lower} is followed by {upper})"
                )
        for name in ("charge_scale", "discharge_scale"):
            length = len(getattr(self, name))
            if length != count:
                raise ValueError(
                    f"{name} has {length} entries; it must have one per breakpoint ({count})"
                )
        return self


class PlausibilityLimits(StrictModel):
    """Sensor plausibility: what no healthy sensor can report.

    Every implausible reading is a fault tier (contactors open after
    ``timing.debounce_ms``); the redundant current sensors also have a
    warning tier. A group of sensors that delivers no fresh sample for
    ``max_stale_periods`` protection periods is itself a fault.
    """

    cell_voltage_min_v: float
    """Lowest cell voltage the measurement chain can report; below it the reading is implausible."""
    cell_voltage_max_v: float
    """Highest cell voltage the measurement chain can report."""
    temperature_min_degc: float
    """Lowest temperature a healthy sensor reports; below it the sensor is implausible."""
    temperature_max_degc: float
    """Highest temperature a healthy sensor reports."""
    open_wire_v: Annotated[float, Field(gt=0.0)]
    """A cell reading below this is an open sense wire (fault)."""
    open_wire_drop_v: Annotated[float, Field(gt=0.0)]
    """A cell falling by more than this in one sample while a neighbour rises as much is an open
    wire (the pattern of a broken sense line between them)."""
    max_cell_voltage_rate_v_per_s: Annotated[float, Field(gt=0.0)]
    """A cell voltage changing faster than this between two fresh samples is implausible."""
    max_temperature_rate_degc_per_s: Annotated[float, Field(gt=0.0)]
    """A temperature changing faster than this between two fresh samples is implausible."""
    stuck_time_ms: Annotated[int, Field(gt=0, le=600_000)]
    """A reading bit-identical over this long, while it should move, is a stuck sensor."""
    stuck_fault_tolerant_time_ms: Annotated[int, Field(gt=0, le=600_000)]
    """FTTI of a stuck cell reading: the time the true cell voltage needs to move from the fault
    tier to the cell's absolute limit at the pack's largest rate of change (a stuck value is
    hazardous only once the true voltage has drifted that far; SWR_PROT_PLAUS_003)."""
    stuck_min_current_a: Annotated[float, Field(gt=0.0)]
    """Cell voltages must move while the pack current magnitude is at least this."""
    current_mismatch_warning_fraction: Annotated[float, Field(gt=0.0, lt=1.0)]
    """The two current sensors disagreeing by more than this share of their combined accuracy
    raise a warning; by more than their combined accuracy, a fault once debounced."""
    max_stale_periods: Annotated[int, Field(ge=1, le=10)]
    """Protection periods without a fresh sample of a sensor group before the stream is a fault."""
    timing: TimedLimit
    """Debounce and FTTI of the sensor faults (range, NaN, rate, stuck, open wire)."""
    current_mismatch_timing: TimedLimit
    """Debounce and FTTI of the redundant current sensor disagreement."""

    @model_validator(mode="after")
    def _ordered(self) -> "PlausibilityLimits":
        require_increasing(self, "cell_voltage_min_v", "open_wire_v", "cell_voltage_max_v")
        require_increasing(self, "temperature_min_degc", "temperature_max_degc")
        return self


class IsolationLimits(StrictModel):
    """Insulation resistance between the high-voltage system and chassis, per volt of pack."""

    warning_ohm_per_v: Annotated[float, Field(gt=0.0)]
    """Below this many ohms per volt of pack voltage the BMS warns."""
    fault_ohm_per_v: Annotated[float, Field(gt=0.0)]
    """Below this many ohms per volt the contactors open (at least 100 ohm/V)."""
    sample_period_ms: Annotated[int, Field(gt=0, le=10_000)]
    """Update period of the isolation monitor: each fresh reading counts this long in the
    debounce, and none for ``plausibility.max_stale_periods`` of these is a stale stream."""
    timing: TimedLimit
    """Debounce and FTTI of the isolation fault."""

    @model_validator(mode="after")
    def _ordered(self) -> "IsolationLimits":
        require_increasing(self, "fault_ohm_per_v", "warning_ohm_per_v")
        return self


class CommunicationLimits(StrictModel):
    """Loss of the vehicle's command messages (decoded CAN)."""

    warning_ms: Annotated[int, Field(gt=0, le=60_000)]
    """Without a valid vehicle message for this long the BMS warns and derates."""
    timeout_ms: Annotated[int, Field(gt=0, le=60_000)]
    """Without a valid vehicle message for this long the communication is lost (fault)."""
    timing: TimedLimit
    """Debounce (after the timeout) and FTTI of the communication fault."""
    corruption_timing: TimedLimit
    """Debounce and FTTI of corrupted vehicle messages (wrong CRC, length or alive counter):
    the fault latches when the last frame of a protected message has failed its E2E check for
    ``debounce_ms`` (a single bad frame followed by a good one does not latch)."""

    @model_validator(mode="after")
    def _ordered(self) -> "CommunicationLimits":
        require_increasing(self, "warning_ms", "timeout_ms")
        return self


class ContactorSequenceLimits(StrictModel):
    """Precharge, opening and weld-check thresholds of the contactor sequence."""

    precharge_voltage_tolerance_fraction: Annotated[float, Field(gt=0.0, lt=0.5)]
    """Precharge is done when the link voltage is within this share of the pack voltage."""
    precharge_done_current_a: Annotated[float, Field(gt=0.0)]
    """... and the pack current magnitude is below this (50 mA per cell, times parallel count)."""
    minimum_dwell_ms: Annotated[int, Field(ge=0, le=60_000)]
    """Least time in the open state before a new close attempt (no chatter)."""
    emergency_current_a: Annotated[float, Field(gt=0.0)]
    """Opening above this current magnitude is an emergency opening, recorded as an event."""
    open_current_wait_ms: Annotated[int, Field(ge=0, le=60_000)]
    """A normal open request waits this long for the current to fall below the emergency
    current before it opens anyway (as an emergency)."""
    weld_check_ms: Annotated[int, Field(gt=0, le=10_000)]
    """Time after the open command at which feedback and link voltage are checked for welding."""
    weld_link_voltage_fraction: Annotated[float, Field(gt=0.0, lt=1.0)]
    """A link voltage above this share of the pack voltage at the weld check means a weld."""
    feedback_timing: TimedLimit
    """Debounce and FTTI of a contactor whose auxiliary contact disagrees with its coil command
    (dropped out while commanded closed, or closed while commanded open); the debounce starts
    after ``pack.contactors.opening_time_ms`` of mechanical travel following each command."""


class ProtectionConfig(StrictModel):
    """Every protection threshold of the pack."""

    cell_voltage: VoltageLimits
    """Cell over- and under-voltage."""
    charge_current: CurrentLimit
    """Pack over-current while charging."""
    discharge_current: CurrentLimit
    """Pack over-current while discharging."""
    current_temperature_derating: CurrentTemperatureDerating
    """Temperature dependence of both current limits."""
    charge_temperature: TemperatureLimits
    """Cell temperature window while charging (narrower: lithium plating when cold)."""
    discharge_temperature: TemperatureLimits
    """Cell temperature window while discharging or at rest."""
    charge_detection_a: Annotated[float, Field(gt=0.0)]
    """The pack is charging (charge temperature window applies) when the current is below
    minus this value."""
    derate_fraction: Annotated[float, Field(gt=0.0, lt=1.0)]
    """Share of the current limits left while a derating warning is active."""
    plausibility: PlausibilityLimits
    """Sensor plausibility."""
    isolation: IsolationLimits
    """Insulation monitoring."""
    communication: CommunicationLimits
    """Vehicle communication timeout."""
    crash: TimedLimit
    """Debounce and FTTI of the crash disconnect."""
    contactor_sequence: ContactorSequenceLimits
    """Precharge, opening and weld detection."""

    def timings(self) -> dict[str, TimedLimit]:
        """Every debounce with its fault tolerant time, by dotted field name."""
        return {
            "cell_voltage": self.cell_voltage.timing,
            "charge_current": self.charge_current.timing,
            "discharge_current": self.discharge_current.timing,
            "charge_temperature": self.charge_temperature.timing,
            "discharge_temperature": self.discharge_temperature.timing,
            "plausibility": self.plausibility.timing,
            "plausibility.current_mismatch": self.plausibility.current_mismatch_timing,
            "isolation": self.isolation.timing,
            "communication": self.communication.timing,
            "communication.corruption": self.communication.corruption_timing,
            "crash": self.crash,
            "contactor_sequence.feedback": self.contactor_sequence.feedback_timing,
        }

    def timing_problems(self, period_ms: int, opening_time_ms: int) -> list[str]:
        """Every reaction that cannot finish inside its fault tolerant time.

        Implements: SWR_PROT_CFG_001

        A fault is classified on the sample after its onset (one period; one
        isolation-monitor period for the isolation fault), latches after its
        debounce, and the open command then needs the contactor opening time.
        A stale stream, which stops every debounce, is itself a fault after
        ``max_stale_periods`` and must fit the shortest FTTI of the sensor
        faults; the communication timeout adds to its own debounce; the weld
        check cannot come before the contacts have opened.
        """
        overhead_ms = period_ms + opening_time_ms
        problems = [
            f"protection.{name}.timing: debounce_ms={timing.debounce_ms} + "
            f"pack.protection_period_ms + pack.contactors.opening_time_ms ({overhead_ms}) "
            f"must be <= fault_tolerant_time_ms={timing.fault_tolerant_time_ms}"
            for name, timing in self.timings().items()
            if name not in {"communication", "isolation"}
            and timing.debounce_ms + overhead_ms > timing.fault_tolerant_time_ms
        ]
        isolation = self.isolation
        isolation_ms = isolation.timing.debounce_ms + isolation.sample_period_ms + opening_time_ms
        if isolation_ms > isolation.timing.fault_tolerant_time_ms:
            problems.append(
                f"protection.isolation.timing: debounce_ms={isolation.timing.debounce_ms} + "
                f"sample_period_ms + pack.contactors.opening_time_ms ({isolation_ms} ms in all) "
                f"must be <= fault_tolerant_time_ms={isolation.timing.fault_tolerant_time_ms}"
            )
        comm = self.communication
        if comm.timeout_ms + comm.timing.debounce_ms + overhead_ms > (
            comm.timing.fault_tolerant_time_ms
        ):
            problems.append(
                f"protection.communication.timeout_ms={comm.timeout_ms} + timing.debounce_ms="
                f"{comm.timing.debounce_ms} + period + opening ({overhead_ms}) must be <= "
                f"timing.fault_tolerant_time_ms={comm.timing.fault_tolerant_time_ms}"
            )
        sensor_ftti_ms = min(
            self.cell_voltage.timing.fault_tolerant_time_ms,
            self.charge_current.timing.fault_tolerant_time_ms,
            self.discharge_current.timing.fault_tolerant_time_ms,
            self.charge_temperature.timing.fault_tolerant_time_ms,
            self.discharge_temperature.timing.fault_tolerant_time_ms,
        )
        stale_ms = self.plausibility.max_stale_periods * period_ms
        if stale_ms + overhead_ms > sensor_ftti_ms:
            problems.append(
                f"protection.plausibility.max_stale_periods={self.plausibility.max_stale_periods}"
                f" x pack.protection_period_ms + period + opening ({stale_ms + overhead_ms} ms) "
                f"must be <= the shortest sensor FTTI ({sensor_ftti_ms} ms)"
            )
        plausibility = self.plausibility
        stuck_ms = plausibility.stuck_time_ms + plausibility.timing.debounce_ms + overhead_ms
        if stuck_ms > plausibility.stuck_fault_tolerant_time_ms:
            problems.append(
                f"protection.plausibility.stuck_time_ms={plausibility.stuck_time_ms} + "
                f"timing.debounce_ms + period + opening ({stuck_ms} ms) must be <= "
                f"stuck_fault_tolerant_time_ms={plausibility.stuck_fault_tolerant_time_ms}"
            )
        feedback = self.contactor_sequence.feedback_timing
        feedback_ms = opening_time_ms + feedback.debounce_ms + overhead_ms
        if feedback_ms > feedback.fault_tolerant_time_ms:
            problems.append(
                f"protection.contactor_sequence.feedback_timing: opening travel + debounce_ms="
                f"{feedback.debounce_ms} + period + opening ({feedback_ms} ms) must be <= "
                f"fault_tolerant_time_ms={feedback.fault_tolerant_time_ms}"
            )
        if self.contactor_sequence.weld_check_ms < opening_time_ms:
            problems.append(
                f"protection.contactor_sequence.weld_check_ms="
                f"{self.contactor_sequence.weld_check_ms} must be >= "
                f"pack.contactors.opening_time_ms={opening_time_ms}"
            )
        return problems
