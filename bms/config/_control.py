"""Control thresholds: passive balancing, current derating and thermal requests.

ASIL: D (balancing and derating act on the cells; a wrong threshold can drain
a weak cell or allow too much current). Requirements: SWR_BAL_*, SWR_DER_*,
SWR_THM_* (``requirements/swr/control.rst``).

Logic lives in :mod:`bms.control`; this module holds only the typed,
documented limits, each with what crossing it does. The checks against the
protection thresholds (a control limit must act *before* protection trips)
are in :func:`control_problems`, called by :class:`~bms.config.BmsConfig`.
"""

import itertools
import math
from typing import Annotated

from pydantic import Field, model_validator

from bms.config._base import StrictModel, require_increasing
from bms.config._protection import ProtectionConfig

__all__ = [
    "BalancingConfig",
    "ControlConfig",
    "DeratingConfig",
    "DeratingTable",
    "ThermalConfig",
    "control_problems",
]

_Factor = Annotated[float, Field(ge=0.0, le=1.0)]


class BalancingConfig(StrictModel):
    """Passive (resistive) balancing: which cells may bleed charge, and when not."""

    start_delta_v: Annotated[float, Field(gt=0.0, le=0.5)]
    """A cell starts bleeding when it is more than this above the lowest cell."""
    stop_delta_v: Annotated[float, Field(gt=0.0, le=0.5)]
    """A bleeding cell stops once it is this close to the lowest cell (hysteresis)."""
    min_cell_voltage_v: Annotated[float, Field(gt=0.0, lt=10.0)]
    """No cell bleeds while any cell is at or below this voltage (under-voltage inhibit)."""
    max_temperature_degc: Annotated[float, Field(ge=0.0, le=100.0)]
    """No cell bleeds while any temperature sensor reads at or above this (heat inhibit)."""
    max_bleeding_cells: Annotated[int, Field(ge=1, le=256)]
    """At most this many cells bleed at once (heat of the balancing resistors)."""
    resistance_ohm: Annotated[float, Field(gt=0.0, le=10_000.0)]
    """Balancing resistor of one series group: a bleeding group draws its cell voltage over
    this, shared by its parallel cells; the SoC filter is told that current (SWR_BAL_008)."""

    @model_validator(mode="after")
    def _hysteresis(self) -> "BalancingConfig":
        require_increasing(
            self, "stop_delta_v", "start_delta_v", context="hysteresis needs stop < start"
        )
        return self


class DeratingTable(StrictModel):
    """A piecewise-linear factor in [0, 1] over one quantity, clamped beyond the ends."""

    breakpoints: tuple[float, ...]
    """Values of the quantity (unit given by the field holding the table), strictly increasing."""
    factors: tuple[_Factor, ...]
    """Share of the maximum current allowed at each breakpoint, in [0, 1]."""

    @model_validator(mode="after")
    def _shape(self) -> "DeratingTable":
        if len(self.breakpoints) < 2 or len(self.breakpoints) != len(self.factors):
            raise ValueError(
                f"breakpoints (len {len(self.breakpoints)}) and factors "
                f"(len {len(self.factors)}) must have the same length, at least 2"
            )
        if not all(math.isfinite(value) for value in self.breakpoints):
            raise ValueError(f"breakpoints={self.breakpoints} must all be finite")
        if not all(a < b for a, b in itertools.pairwise(self.breakpoints)):
            raise ValueError(f"breakpoints={self.breakpoints} must be strictly increasing")
        return self

    def is_non_increasing(self) -> bool:
        """Whether the factor never rises as the quantity rises."""
        return all(a >= b for a, b in itertools.pairwise(self.factors))

    def is_non_decreasing(self) -> bool:
        """Whether the factor never falls as the quantity rises."""
        return all(a <= b for a, b in itertools.pairwise(self.factors))

    def is_unimodal(self) -> bool:
        """Whether the factor first never falls, then never rises (one plateau or peak)."""
        peak = self.factors.index(max(self.factors))
        rising, falling = self.factors[: peak + 1], self.factors[peak:]
        return all(a <= b for a, b in itertools.pairwise(rising)) and all(
            a >= b for a, b in itertools.pairwise(falling)
        )


class DeratingConfig(StrictModel):
    """Charge and discharge current limits: maxima and the factors that reduce them.

    The limit in each direction is the maximum times the smallest factor of
    temperature (over every sensor), pack SoC and cell voltage proximity.
    Crossing into a table's falling part derates; a factor of 0 stops current
    in that direction (the contactors stay closed; protection opens them).
    """

    max_charge_current_a: Annotated[float, Field(gt=0.0)]
    """Highest charge current limit ever reported (pack, amperes)."""
    max_discharge_current_a: Annotated[float, Field(gt=0.0)]
    """Highest discharge current limit ever reported (pack, amperes)."""
    charge_temperature: DeratingTable
    """Charge factor over cell temperature (degc); one plateau, 0 at both ends."""
    discharge_temperature: DeratingTable
    """Discharge factor over cell temperature (degc); one plateau, 0 at both ends."""
    charge_soc: DeratingTable
    """Charge factor over pack SoC (fraction); never rising with SoC."""
    discharge_soc: DeratingTable
    """Discharge factor over pack SoC (fraction); never falling with SoC."""
    charge_taper_start_v: Annotated[float, Field(gt=0.0, lt=10.0)]
    """Highest cell voltage where the charge limit starts falling linearly."""
    charge_taper_end_v: Annotated[float, Field(gt=0.0, lt=10.0)]
    """Highest cell voltage where the charge limit reaches 0."""
    discharge_taper_start_v: Annotated[float, Field(gt=0.0, lt=10.0)]
    """Lowest cell voltage where the discharge limit starts falling linearly."""
    discharge_taper_end_v: Annotated[float, Field(gt=0.0, lt=10.0)]
    """Lowest cell voltage where the discharge limit reaches 0."""

    @model_validator(mode="after")
    def _shapes(self) -> "DeratingConfig":
        require_increasing(self, "charge_taper_start_v", "charge_taper_end_v")
        require_increasing(self, "discharge_taper_end_v", "discharge_taper_start_v")
        problems = []
        for name in ("charge_temperature", "discharge_temperature"):
            table: DeratingTable = getattr(self, name)
            if not table.is_unimodal() or table.factors[0] != 0.0 or table.factors[-1] != 0.0:
                problems.append(
                    f"{name}.factors={table.factors} must rise, then fall, and be 0 at both ends"
                )
        if not self.charge_soc.is_non_increasing():
            problems.append(f"charge_soc.factors={self.charge_soc.factors} must never rise")
        if not self.discharge_soc.is_non_decreasing():
            problems.append(f"discharge_soc.factors={self.discharge_soc.factors} must never fall")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ThermalConfig(StrictModel):
    """Heating and cooling requests to the vehicle's thermal system, with hysteresis."""

    heat_on_degc: float
    """Heating is requested when the coldest sensor is at or below this."""
    heat_off_degc: float
    """Heating stops when the coldest sensor is at or above this."""
    cool_off_degc: float
    """Cooling stops when the hottest sensor is at or below this."""
    cool_on_degc: float
    """Cooling is requested when the hottest sensor is at or above this."""

    @model_validator(mode="after")
    def _ordered(self) -> "ThermalConfig":
        require_increasing(
            self,
            "heat_on_degc",
            "heat_off_degc",
            "cool_off_degc",
            "cool_on_degc",
            context="hysteresis bands must not overlap",
        )
        return self


class ControlConfig(StrictModel):
    """Balancing, derating and thermal-management thresholds."""

    balancing: BalancingConfig
    """Passive balancing."""
    derating: DeratingConfig
    """Current limits reported to the vehicle."""
    thermal: ThermalConfig
    """Heating and cooling requests."""


def control_problems(control: ControlConfig, protection: ProtectionConfig) -> list[str]:
    """Check that every control limit acts inside the protection thresholds.

    Args:
        control: the control section.
        protection: the protection section it must stay inside.

    Returns:
        One message per violated rule, each starting with the blamed field
        (``control.…``) so the loader can point at its line; empty if none.
    """
    cell_v = protection.cell_voltage
    derating, thermal = control.derating, control.thermal
    checks: list[tuple[str, float, str, str, float]] = [
        (
            "control.balancing.min_cell_voltage_v",
            control.balancing.min_cell_voltage_v,
            ">=",
            "protection.cell_voltage.under_warning_v",
            cell_v.under_warning_v,
        ),
        (
            "control.derating.charge_taper_end_v",
            derating.charge_taper_end_v,
            "<=",
            "protection.cell_voltage.over_warning_v",
            cell_v.over_warning_v,
        ),
        (
            "control.derating.discharge_taper_end_v",
            derating.discharge_taper_end_v,
            ">=",
            "protection.cell_voltage.under_warning_v",
            cell_v.under_warning_v,
        ),
        (
            "control.derating.max_charge_current_a",
            derating.max_charge_current_a,
            "<=",
            "protection.charge_current.warning_a",
            protection.charge_current.warning_a,
        ),
        (
            "control.derating.max_discharge_current_a",
            derating.max_discharge_current_a,
            "<=",
            "protection.discharge_current.warning_a",
            protection.discharge_current.warning_a,
        ),
        (
            "control.thermal.cool_on_degc",
            thermal.cool_on_degc,
            "<=",
            "protection.charge_temperature.over_warning_degc",
            protection.charge_temperature.over_warning_degc,
        ),
        (
            "control.thermal.heat_on_degc",
            thermal.heat_on_degc,
            ">=",
            "protection.discharge_temperature.under_warning_degc",
            protection.discharge_temperature.under_warning_degc,
        ),
    ]
    problems = [
        f"{name}={value} must be {op} {limit_name}={limit}"
        for name, value, op, limit_name, limit in checks
        if not (value >= limit if op == ">=" else value <= limit)
    ]
    for name, window in (
        ("charge", protection.charge_temperature),
        ("discharge", protection.discharge_temperature),
    ):
        table: DeratingTable = getattr(derating, f"{name}_temperature")
        if (
            not window.under_fault_degc
            <= table.breakpoints[0]
            < table.breakpoints[-1]
            <= (window.over_fault_degc)
        ):
            problems.append(
                f"control.derating.{name}_temperature.breakpoints: {table.breakpoints[0]} .. "
                f"{table.breakpoints[-1]} must lie inside protection.{name}_temperature "
                f"under_fault_degc={window.under_fault_degc} .. "
                f"over_fault_degc={window.over_fault_degc} (the factor is 0 at both ends)"
            )
    return problems
