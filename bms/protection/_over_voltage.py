"""Cell over-voltage detection: classify each sample, debounce, latch.

ASIL: D. Requirements: SWR_PROT_OV_001.

Follows the project's state-machine recipe: a frozen state, one pure
``step`` with time as an input, no clock and no I/O. A non-finite reading
counts as a crossing, because a cell whose voltage is unknown may be
overcharging (fail-safe default).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from bms.config import VoltageLimits
from bms.units import Milliseconds, Volts

__all__ = ["Level", "OverVoltageState", "classify_cell_over_voltage", "step_cell_over_voltage"]


class Level(IntEnum):
    """Severity of one sample against a two-tier limit; ordered so ``max`` is the worst."""

    NORMAL = 0
    WARNING = 1
    FAULT = 2


@dataclass(frozen=True)
class OverVoltageState:
    """Debounce state of the over-voltage fault."""

    crossing_ms: int = 0
    """Time the fault tier has been crossed, counted over fresh samples only."""
    latched: bool = False
    """Whether the fault has latched; it stays latched until an explicit reset."""


def classify_cell_over_voltage(cell_voltages_v: Sequence[Volts], limits: VoltageLimits) -> Level:
    """Worst over-voltage level over all cells of one sample.

    Implements: SWR_PROT_OV_001

    Args:
        cell_voltages_v: one voltage per series cell.
        limits: the warning and fault tiers.

    Returns:
        ``FAULT`` if any cell is above the fault tier, is not finite, or no
        cell was measured; ``WARNING`` if any is above the warning tier;
        ``NORMAL`` otherwise.
    """
    level = Level.FAULT if not cell_voltages_v else Level.NORMAL
    for voltage_v in cell_voltages_v:
        if not math.isfinite(voltage_v) or voltage_v > limits.over_fault_v:
            level = Level.FAULT
        elif voltage_v > limits.over_warning_v:
            level = max(level, Level.WARNING)
    return level


def step_cell_over_voltage(
    state: OverVoltageState,
    cell_voltages_v: Sequence[Volts],
    *,
    fresh: bool,
    period_ms: Milliseconds,
    limits: VoltageLimits,
) -> OverVoltageState:
    """Advance the over-voltage debounce by one protection period.

    Implements: SWR_PROT_OV_001

    The counter advances only on a fresh sample (a frozen stream must not
    latch a fault, nor clear one); it restarts when a fresh sample is below
    the fault tier; the fault latches once the crossing has lasted
    ``limits.timing.debounce_ms``.
    """
    if state.latched or not fresh:
        return state
    if classify_cell_over_voltage(cell_voltages_v, limits) is not Level.FAULT:
        return OverVoltageState()
    crossing_ms = state.crossing_ms + period_ms
    return OverVoltageState(
        crossing_ms=crossing_ms, latched=crossing_ms >= limits.timing.debounce_ms
    )
