"""The pack's structure: series and parallel count, sensors, contactors and timing.

ASIL: D (the series count sizes every per-cell array the protection reads).
"""

from typing import Annotated

from pydantic import Field, model_validator

from bms.config._base import StrictModel

__all__ = ["ContactorConfig", "CurrentSensorConfig", "PackConfig"]


class CurrentSensorConfig(StrictModel):
    """One of the two independent pack current sensors."""

    name: str
    """Label used in fault records, such as ``shunt`` or ``hall``."""
    range_a: Annotated[float, Field(gt=0.0)]
    """Full-scale measuring range, symmetric about zero, in amperes."""
    accuracy_a: Annotated[float, Field(ge=0.0)]
    """Worst-case absolute error over temperature, in amperes."""


class ContactorConfig(StrictModel):
    """Timing of the contactors, which bounds every fault reaction."""

    opening_time_ms: Annotated[int, Field(gt=0, le=1000)]
    """Worst-case time from the open command to the contacts separating."""
    precharge_timeout_ms: Annotated[int, Field(gt=0, le=10_000)]
    """Precharge must finish within this time or the attempt fails."""
    precharge_max_attempts: Annotated[int, Field(ge=1, le=5)]
    """Failed precharge attempts allowed before a lockout."""


class PackConfig(StrictModel):
    """Structure of the pack: what is connected and how it is sampled."""

    name: Annotated[str, Field(min_length=1)]
    """Human-readable pack name, recorded in every evidence and fault record."""
    series_count: Annotated[int, Field(ge=1, le=256)]
    """Cells (parallel groups) in series; each one is measured and protected."""
    parallel_count: Annotated[int, Field(ge=1, le=64)]
    """Cells in parallel in each group; scales currents and capacity."""
    temperature_sensor_count: Annotated[int, Field(ge=1, le=512)]
    """Cell temperature sensors in the pack."""
    protection_period_ms: Annotated[int, Field(gt=0, le=100)]
    """Period of the protection task; every debounce counts in these steps."""
    estimation_period_ms: Annotated[int, Field(gt=0, le=1000)]
    """Period of the estimation task; a whole multiple of the protection period."""
    current_sensors: tuple[CurrentSensorConfig, CurrentSensorConfig]
    """Exactly two independent current sensors, compared for plausibility."""
    contactors: ContactorConfig
    """Contactor timing."""

    @model_validator(mode="after")
    def _estimation_is_multiple_of_protection(self) -> "PackConfig":
        if self.estimation_period_ms % self.protection_period_ms != 0:
            raise ValueError(
                f"estimation_period_ms={self.estimation_period_ms} must be a whole multiple "
                f"of protection_period_ms={self.protection_period_ms}",
            )
        return self
