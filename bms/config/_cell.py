"""The absolute limits of a cell chemistry: the envelope no threshold may exceed.

ASIL: D. These are the cell maker's limits; crossing one can start thermal
runaway or plate lithium, so every protection threshold sits strictly inside.
"""

from typing import Annotated

from pydantic import Field, model_validator

from bms.config._base import StrictModel, require_increasing

__all__ = ["CellLimits"]


class CellLimits(StrictModel):
    """Absolute limits of one cell, from its data sheet."""

    chemistry: Annotated[str, Field(min_length=1)]
    """Chemistry label, such as ``NMC`` or ``LFP``."""
    nominal_capacity_ah: Annotated[float, Field(gt=0.0, le=1000.0)]
    """Rated capacity of one cell."""
    absolute_min_voltage_v: Annotated[float, Field(gt=0.0, lt=10.0)]
    """Below this the cell is damaged (copper dissolution); never reached in operation."""
    absolute_max_voltage_v: Annotated[float, Field(gt=0.0, lt=10.0)]
    """Above this the cell is damaged (overcharge, runaway risk); never reached."""
    absolute_min_temperature_degc: Annotated[float, Field(ge=-60.0, le=0.0)]
    """Lowest temperature the cell may see at all."""
    absolute_max_temperature_degc: Annotated[float, Field(ge=30.0, le=100.0)]
    """Highest temperature the cell may see at all."""
    absolute_max_charge_current_a: Annotated[float, Field(gt=0.0)]
    """Highest charge current of one cell, any duration."""
    absolute_max_discharge_current_a: Annotated[float, Field(gt=0.0)]
    """Highest discharge current of one cell, any duration."""

    @model_validator(mode="after")
    def _ordered(self) -> "CellLimits":
        require_increasing(self, "absolute_min_voltage_v", "absolute_max_voltage_v")
        require_increasing(self, "absolute_min_temperature_degc", "absolute_max_temperature_degc")
        return self
