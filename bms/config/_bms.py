"""The whole BMS configuration, and the rules that span its parts.

ASIL: D. A threshold is only safe relative to the cell it protects and to the
time the pack needs to react, so these cross-model checks live here.
"""

from typing import Literal

from pydantic import model_validator

from bms.config._base import StrictModel
from bms.config._cell import CellLimits
from bms.config._control import ControlConfig, control_problems
from bms.config._pack import PackConfig
from bms.config._protection import ProtectionConfig

__all__ = ["BmsConfig"]


class BmsConfig(StrictModel):
    """Pack structure, cell limits and protection thresholds, checked together."""

    format_version: Literal[1]
    """Version of the pack file format; only version 1 exists."""
    pack: PackConfig
    """What the pack is made of and how it is sampled."""
    cell: CellLimits
    """The cell's absolute limits."""
    protection: ProtectionConfig
    """Warning and fault thresholds."""
    control: ControlConfig
    """Balancing, derating and thermal-request thresholds, inside the protection ones."""

    @model_validator(mode="after")
    def _thresholds_inside_cell_limits(self) -> "BmsConfig":
        problems = list(self._envelope_problems()) + list(self._timing_problems())
        problems += control_problems(self.control, self.protection)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _envelope_problems(self) -> list[str]:
        cell, protection, parallel = self.cell, self.protection, self.pack.parallel_count
        checks = [
            (
                "protection.cell_voltage.over_fault_v",
                protection.cell_voltage.over_fault_v,
                "<",
                "cell.absolute_max_voltage_v",
                cell.absolute_max_voltage_v,
            ),
            (
                "protection.cell_voltage.under_fault_v",
                protection.cell_voltage.under_fault_v,
                ">",
                "cell.absolute_min_voltage_v",
                cell.absolute_min_voltage_v,
            ),
            (
                "protection.charge_current.fault_a",
                protection.charge_current.fault_a,
                "<=",
                "cell.absolute_max_charge_current_a x pack.parallel_count",
                cell.absolute_max_charge_current_a * parallel,
            ),
            (
                "protection.discharge_current.fault_a",
                protection.discharge_current.fault_a,
                "<=",
                "cell.absolute_max_discharge_current_a x pack.parallel_count",
                cell.absolute_max_discharge_current_a * parallel,
            ),
        ]
        for window_name in ("charge_temperature", "discharge_temperature"):
            window = getattr(protection, window_name)
            checks.append(
                (
                    f"protection.{window_name}.over_fault_degc",
                    window.over_fault_degc,
                    "<",
                    "cell.absolute_max_temperature_degc",
                    cell.absolute_max_temperature_degc,
                )
            )
            checks.append(
                (
                    f"protection.{window_name}.under_fault_degc",
                    window.under_fault_degc,
                    ">",
                    "cell.absolute_min_temperature_degc",
                    cell.absolute_min_temperature_degc,
                )
            )
        return [
            f"{name}={value} must be {op} {limit_name}={limit}"
            for name, value, op, limit_name, limit in checks
            if not _holds(value, op, limit)
        ]

    def _timing_problems(self) -> list[str]:
        """The debounce, one task period and the contactor opening must fit the FTTI."""
        return self.protection.timing_problems(
            self.pack.protection_period_ms, self.pack.contactors.opening_time_ms
        )


def _holds(value: float, op: str, limit: float) -> bool:
    """Evaluate one comparison of the envelope table."""
    if op == "<":
        return value < limit
    if op == ">":
        return value > limit
    return value <= limit
