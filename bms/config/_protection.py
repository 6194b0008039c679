"""Protection thresholds: two tiers each, with debounce and fault tolerant time.

ASIL: D. Tiers and their consequence:

* ``warning_*``: crossing it raises a warning and derates the current limits;
* ``fault_*``: crossing it for ``debounce_ms`` latches a fault and opens the
  contactors (the safe state);
* the cell's absolute limit (:class:`~bms.config.CellLimits`) lies beyond the
  fault tier and is never reached when the reaction works.

The debounce must end inside the fault tolerant time; the pack-level check in
:class:`~bms.config.BmsConfig` adds the task period and the contactor opening
time to it.
"""

from typing import Annotated

from pydantic import Field, model_validator

from bms.config._base import StrictModel, require_increasing

__all__ = [
    "CurrentLimit",
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


class ProtectionConfig(StrictModel):
    """Every protection threshold of the pack."""

    cell_voltage: VoltageLimits
    """Cell over- and under-voltage."""
    charge_current: CurrentLimit
    """Pack over-current while charging."""
    discharge_current: CurrentLimit
    """Pack over-current while discharging."""
    charge_temperature: TemperatureLimits
    """Cell temperature window while charging (narrower: lithium plating when cold)."""
    discharge_temperature: TemperatureLimits
    """Cell temperature window while discharging or at rest."""
