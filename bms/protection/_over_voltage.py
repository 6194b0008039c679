"""Cell over-voltage detection: classify each sample, debounce, latch.

ASIL: D. Requirements: SWR_PROT_OV_001.

A thin use of the generic monitor (:mod:`bms.protection._debounce`). A
non-finite reading counts as a crossing, because a cell whose voltage is
unknown may be overcharging (fail-safe default).
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bms.config import VoltageLimits
from bms.protection._debounce import Level, MonitorState, step_monitor
from bms.units import Milliseconds, Volts

__all__ = ["OverVoltageState", "classify_cell_over_voltage", "step_cell_over_voltage"]

OverVoltageState = MonitorState
"""Debounce state of the over-voltage fault (the generic monitor state)."""


def classify_cell_over_voltage(
    cell_voltages_v: Sequence[Volts] | npt.NDArray[np.float64], limits: VoltageLimits
) -> Level:
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
    volts = np.asarray(cell_voltages_v, dtype=np.float64)
    level = Level.NORMAL
    highest_v = float(volts.max()) if volts.size else float("nan")
    if not bool(np.isfinite(volts).all()) or not highest_v <= limits.over_fault_v:
        level = Level.FAULT
    elif highest_v > limits.over_warning_v:
        level = Level.WARNING
    return level


def step_cell_over_voltage(
    state: MonitorState,
    cell_voltages_v: Sequence[Volts] | npt.NDArray[np.float64],
    *,
    fresh: bool,
    period_ms: Milliseconds,
    limits: VoltageLimits,
) -> MonitorState:
    """Advance the over-voltage debounce by one protection period.

    Implements: SWR_PROT_OV_001

    The counter advances only on a fresh sample (a frozen stream must not
    latch a fault, nor clear one); it restarts when a fresh sample is below
    the fault tier; the fault latches once the crossing has lasted
    ``limits.timing.debounce_ms``.
    """
    level = classify_cell_over_voltage(cell_voltages_v, limits)
    return step_monitor(
        state,
        level,
        fresh=fresh,
        period_ms=period_ms,
        debounce_ms=limits.timing.debounce_ms,
    )
