"""Passive balancing: decide per cell whether to bleed charge through its resistor.

ASIL: D. Requirements: SWR_BAL_001, SWR_BAL_002, SWR_BAL_003, SWR_BAL_004,
SWR_BAL_005.

Follows the project's state-machine recipe: a frozen state (the previous
decision, which gives the hysteresis), one pure :func:`step_balancing`
with no clock and no I/O. Balancing only ever removes charge, so the safety
rules are about *not* bleeding: never the lowest cell, never while any cell
is at or below the under-voltage inhibit or any sensor is hot, never on a
measurement that is missing or not finite (fail-safe default: no bleeding).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from bms.config import BalancingConfig
from bms.units import DegreesC, Volts

__all__ = ["BalancingInhibit", "BalancingState", "step_balancing"]


class BalancingInhibit(Enum):
    """Why no cell bleeds at all, or ``NONE`` when the cell-by-cell rule decided."""

    NONE = "none"
    DISABLED = "disabled"
    """The caller did not enable balancing (for example while driving or with a fault)."""
    INVALID_MEASUREMENT = "invalid_measurement"
    """A voltage or temperature is missing or not finite."""
    UNDER_VOLTAGE = "under_voltage"
    """A cell is at or below ``min_cell_voltage_v``."""
    OVER_TEMPERATURE = "over_temperature"
    """A temperature sensor reads at or above ``max_temperature_degc``."""


@dataclass(frozen=True)
class BalancingState:
    """The balancing decision of the last step; it is also the command to the resistors."""

    bleeding: tuple[bool, ...] = ()
    """One flag per series cell: ``True`` closes that cell's balancing switch."""
    inhibit: BalancingInhibit = BalancingInhibit.DISABLED
    """Why balancing is off as a whole, ``NONE`` when the per-cell rule applied."""

    @property
    def active(self) -> bool:
        """Whether any cell bleeds."""
        return any(self.bleeding)


def _inhibit(
    cell_voltages_v: Sequence[Volts],
    cell_temperatures_degc: Sequence[DegreesC],
    *,
    enabled: bool,
    limits: BalancingConfig,
) -> BalancingInhibit:
    """The first reason that forbids all bleeding, or ``NONE``."""
    reason = BalancingInhibit.NONE
    measurements = [*cell_voltages_v, *cell_temperatures_degc]
    if not enabled:
        reason = BalancingInhibit.DISABLED
    elif (
        not cell_voltages_v
        or not cell_temperatures_degc
        or not all(math.isfinite(value) for value in measurements)
    ):
        reason = BalancingInhibit.INVALID_MEASUREMENT
    elif min(cell_voltages_v) <= limits.min_cell_voltage_v:
        reason = BalancingInhibit.UNDER_VOLTAGE
    elif max(cell_temperatures_degc) >= limits.max_temperature_degc:
        reason = BalancingInhibit.OVER_TEMPERATURE
    return reason


def step_balancing(
    state: BalancingState,
    cell_voltages_v: Sequence[Volts],
    cell_temperatures_degc: Sequence[DegreesC],
    *,
    enabled: bool,
    limits: BalancingConfig,
) -> BalancingState:
    """Decide which cells bleed in this step.

    Implements: SWR_BAL_001, SWR_BAL_002, SWR_BAL_003, SWR_BAL_004, SWR_BAL_005

    A cell is a candidate when it is more than ``start_delta_v`` above the
    lowest cell, or was bleeding and is still more than ``stop_delta_v``
    above it (hysteresis). Since ``stop_delta_v > 0``, the lowest cell is
    never a candidate. Of the candidates, the ``max_bleeding_cells`` highest
    bleed (ties by lower index). A previous decision of another length than
    ``cell_voltages_v`` is ignored (taken as no cell bleeding).

    Args:
        state: the previous decision.
        cell_voltages_v: one voltage per series cell.
        cell_temperatures_degc: every temperature sensor of the pack.
        enabled: whether the caller allows balancing now (for example at
            rest or charging, and no fault active).
        limits: the balancing thresholds.

    Returns:
        The new decision; all ``False`` with the reason when inhibited.

    Contracts (PEP 316, checked by CrossHair with floats as reals; the IEEE
    cases are properties in ``verification/bms/properties/test_ieee_edges.py``):

    post:
        len(__return__.bleeding) == len(cell_voltages_v)
        __return__.inhibit is BalancingInhibit.NONE or not any(__return__.bleeding)
        sum(__return__.bleeding) <= limits.max_bleeding_cells
        enabled or not any(__return__.bleeding)
        not any(__return__.bleeding) or all(math.isfinite(v) for v in cell_voltages_v)
        not any(__return__.bleeding) or min(cell_voltages_v) > limits.min_cell_voltage_v
        not any(__return__.bleeding) or max(cell_temperatures_degc) < limits.max_temperature_degc
        not any(b and v <= min(cell_voltages_v) for b, v in zip(_.bleeding, cell_voltages_v))
    """
    count = len(cell_voltages_v)
    inhibit = _inhibit(cell_voltages_v, cell_temperatures_degc, enabled=enabled, limits=limits)
    if inhibit is not BalancingInhibit.NONE:
        return BalancingState(bleeding=(False,) * count, inhibit=inhibit)
    previous = state.bleeding if len(state.bleeding) == count else (False,) * count
    lowest_v = min(cell_voltages_v)
    candidates = [
        index
        for index, voltage_v in enumerate(cell_voltages_v)
        if voltage_v - lowest_v > limits.start_delta_v
        or (previous[index] and voltage_v - lowest_v > limits.stop_delta_v)
    ]
    candidates.sort(key=lambda index: (-cell_voltages_v[index], index))
    chosen = set(candidates[: limits.max_bleeding_cells])
    return BalancingState(
        bleeding=tuple(index in chosen for index in range(count)),
        inhibit=BalancingInhibit.NONE,
    )
