"""Passive balancing: decide per cell whether to bleed charge through its resistor.

ASIL: D. Requirements: SWR_BAL_001, SWR_BAL_002, SWR_BAL_003, SWR_BAL_004,
SWR_BAL_005, SWR_BAL_006, SWR_BAL_007.

Follows the project's state-machine recipe: a frozen state (the previous
decision, which gives the hysteresis), one pure :func:`step_balancing`
with no clock and no I/O. Balancing only ever removes charge, so the safety
rules are about *not* bleeding: never the lowest cell, never while any cell
is at or below the under-voltage inhibit or any sensor is hot, never on a
measurement that is missing or not finite (fail-safe default: no bleeding).

Two bases (issue 9, item 4): on **SoC** when the caller gives a finite SoC
estimate and standard deviation for every cell (the cell with the lowest SoC
is the lowest cell; a cell bleeds only while its SoC stays above the lowest
one's by more than the thresholds *plus* ``sigma_factor`` standard deviations
of the difference, so a bound that is not yet tight cannot drain a cell below
the lowest, and only while the highest cell is at or above ``min_soc``, since
equal SoC near the top is what gives equal SoC at the end of charge when
capacities differ), else on **voltage** (the rule of SWR_BAL_001/005). On
either basis no cell within ``stop_delta_v`` of the lowest voltage bleeds
(SWR_BAL_001, TSR_BALANCING_SAFE), and the inhibits hold.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from bms.config import BalancingConfig
from bms.units import DegreesC, Volts

__all__ = ["BalancingInhibit", "BalancingState", "SocBalancingTuning", "step_balancing"]


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
    LOW_SOC = "low_soc"
    """On the SoC basis: the highest cell's SoC is below ``min_soc`` (top balancing only)."""


@dataclass(frozen=True)
class SocBalancingTuning:
    """Thresholds of balancing on SoC (fractions of full charge, not percent).

    The defaults suit the 96s20p reference pack with 100 mA-class bleed
    resistors; :func:`step_balancing` rejects none of them (an invalid
    tuning, such as ``stop_delta >= start_delta``, simply bleeds less).
    """

    start_delta: float = 0.004
    """A cell starts bleeding when its conservative SoC difference to the lowest cell
    exceeds this (0.4 points)."""
    stop_delta: float = 0.001
    """A bleeding cell stops once its conservative difference is at or below this."""
    sigma_factor: float = 1.0
    """Standard deviations of the difference ``sqrt(sigma_i^2 + sigma_low^2)`` subtracted
    from it (conservative: the difference is over-estimated less often)."""
    min_soc: float = 0.8
    """No cell bleeds on the SoC basis while the highest cell's SoC is below this (the pack
    is not near the top of its charge)."""


@dataclass(frozen=True)
class BalancingState:
    """The balancing decision of the last step; it is also the command to the resistors."""

    bleeding: tuple[bool, ...] = ()
    """One flag per series cell: ``True`` closes that cell's balancing switch."""
    inhibit: BalancingInhibit = BalancingInhibit.DISABLED
    """Why balancing is off as a whole, ``NONE`` when the per-cell rule applied."""
    basis: Literal["voltage", "soc"] = "voltage"
    """Which rule decided: SoC when a valid estimate of every cell was given."""

    @property
    def active(self) -> bool:
        """Whether any cell bleeds."""
        return any(self.bleeding)


def _inhibit_reason(
    *, enabled: bool, measurements_valid: bool, under_voltage: bool, over_temperature: bool
) -> BalancingInhibit:
    """The first reason that forbids all bleeding, or ``NONE``, from the four facts.

    Implements: SWR_BAL_002, SWR_BAL_003, SWR_BAL_004

    post: (__return__ is BalancingInhibit.NONE) == (enabled and measurements_valid and not under_voltage and not over_temperature)
    post: enabled or __return__ is BalancingInhibit.DISABLED
    """  # noqa: E501 - a contract is one line
    reason = BalancingInhibit.NONE
    if not enabled:
        reason = BalancingInhibit.DISABLED
    elif not measurements_valid:
        reason = BalancingInhibit.INVALID_MEASUREMENT
    elif under_voltage:
        reason = BalancingInhibit.UNDER_VOLTAGE
    elif over_temperature:
        reason = BalancingInhibit.OVER_TEMPERATURE
    return reason


def _inhibit(
    cell_voltages_v: Sequence[Volts],
    cell_temperatures_degc: Sequence[DegreesC],
    *,
    enabled: bool,
    min_cell_voltage_v: float,
    max_temperature_degc: float,
) -> BalancingInhibit:
    """The first reason that forbids all bleeding, or ``NONE``.

    Implements: SWR_BAL_002, SWR_BAL_003, SWR_BAL_004

    post: __return__ is not BalancingInhibit.NONE or enabled
    post: __return__ is not BalancingInhibit.NONE or all(math.isfinite(v) for v in cell_voltages_v)
    post: __return__ is not BalancingInhibit.NONE or min(cell_voltages_v) > min_cell_voltage_v
    post: __return__ is not BalancingInhibit.NONE or max(cell_temperatures_degc) < max_temperature_degc
    """  # noqa: E501 - a contract is one line
    measurements = [*cell_voltages_v, *cell_temperatures_degc]
    valid = (
        bool(cell_voltages_v)
        and bool(cell_temperatures_degc)
        and all(math.isfinite(value) for value in measurements)
    )
    return _inhibit_reason(
        enabled=enabled,
        measurements_valid=valid,
        under_voltage=valid and min(cell_voltages_v) <= min_cell_voltage_v,
        over_temperature=valid and max(cell_temperatures_degc) >= max_temperature_degc,
    )


def _clear_of_lowest(
    ranked: Sequence[int], cell_voltages_v: Sequence[float], stop_delta_v: float
) -> list[int]:
    """The cells of ``ranked`` (in its order) more than ``stop_delta_v`` above the lowest cell.

    Implements: SWR_BAL_001

    pre: len(cell_voltages_v) > 0
    pre: all(0 <= i < len(cell_voltages_v) for i in ranked)
    pre: stop_delta_v > 0.0
    post: all(cell_voltages_v[i] > min(cell_voltages_v) for i in __return__)
    post: all(i in ranked for i in __return__)
    """
    lowest_v = min(cell_voltages_v)
    return [index for index in ranked if cell_voltages_v[index] - lowest_v > stop_delta_v]


def _select(ranked: Sequence[int], count: int, max_bleeding_cells: int) -> tuple[bool, ...]:
    """One flag per cell: the first ``max_bleeding_cells`` of ``ranked`` bleed.

    Implements: SWR_BAL_005

    pre: count >= 0
    pre: max_bleeding_cells >= 1
    post: len(__return__) == count
    post: sum(__return__) <= max_bleeding_cells
    post: all(i in ranked for i in range(count) if __return__[i])
    """
    chosen = set(ranked[:max_bleeding_cells])
    return tuple(index in chosen for index in range(count))


def _soc_valid(
    count: int, cell_soc: Sequence[float] | None, cell_soc_sigma: Sequence[float] | None
) -> bool:
    """Whether a SoC estimate and a sigma >= 0, all finite, are given for each of ``count``."""
    return (
        cell_soc is not None
        and cell_soc_sigma is not None
        and len(cell_soc) == count
        and len(cell_soc_sigma) == count
        and all(math.isfinite(z) for z in cell_soc)
        and all(math.isfinite(s) and s >= 0.0 for s in cell_soc_sigma)
    )


def _soc_candidates(
    previous: tuple[bool, ...],
    cell_soc: Sequence[float],
    cell_soc_sigma: Sequence[float],
    tuning: SocBalancingTuning,
) -> list[tuple[float, int]]:
    """``(conservative SoC difference, index)`` of each cell that may bleed on the SoC basis.

    Implements: SWR_BAL_006
    """
    lowest = min(range(len(cell_soc)), key=lambda index: (cell_soc[index], index))
    soc_low, sigma_low = cell_soc[lowest], cell_soc_sigma[lowest]
    chosen: list[tuple[float, int]] = []
    for index, (soc, sigma) in enumerate(zip(cell_soc, cell_soc_sigma, strict=True)):
        margin = tuning.sigma_factor * math.sqrt(sigma * sigma + sigma_low * sigma_low)
        difference = soc - soc_low - margin
        starts = difference > tuning.start_delta
        keeps = previous[index] and difference > tuning.stop_delta
        if index != lowest and difference > 0.0 and (starts or keeps):
            chosen.append((difference, index))
    return chosen


def step_balancing(  # noqa: PLR0913 - the SoC basis adds its estimate, bound and tuning
    state: BalancingState,
    cell_voltages_v: Sequence[Volts],
    cell_temperatures_degc: Sequence[DegreesC],
    *,
    enabled: bool,
    limits: BalancingConfig,
    cell_soc: Sequence[float] | None = None,
    cell_soc_sigma: Sequence[float] | None = None,
    soc_tuning: SocBalancingTuning | None = None,
) -> BalancingState:
    """Decide which cells bleed in this step.

    Implements: SWR_BAL_001, SWR_BAL_002, SWR_BAL_003, SWR_BAL_004, SWR_BAL_005,
    SWR_BAL_006, SWR_BAL_007

    On the voltage basis a cell is a candidate when it is more than
    ``start_delta_v`` above the lowest cell, or was bleeding and is still
    more than ``stop_delta_v`` above it (hysteresis). Since
    ``stop_delta_v > 0``, the lowest cell is never a candidate. On the SoC
    basis (``cell_soc`` and ``cell_soc_sigma`` finite, one per cell, sigmas
    >= 0) a cell is a candidate when ``soc - soc_low - k sigma_diff`` exceeds
    ``start_delta`` (or ``stop_delta`` while it bleeds), it is not the lowest
    SoC cell nor within ``stop_delta_v`` of the lowest voltage, and the
    highest SoC is at least ``min_soc``. Of the candidates, the
    ``max_bleeding_cells`` highest (largest difference) bleed (ties by lower
    index). A previous decision of another length than
    ``cell_voltages_v`` is ignored (taken as no cell bleeding).

    Args:
        state: the previous decision.
        cell_voltages_v: one voltage per series cell.
        cell_temperatures_degc: every temperature sensor of the pack.
        enabled: whether the caller allows balancing now (for example at
            rest or charging, and no fault active).
        limits: the balancing thresholds.
        cell_soc: SoC estimate of each cell (fraction); ``None`` balances on voltage.
        cell_soc_sigma: standard deviation of each SoC estimate.
        soc_tuning: thresholds of the SoC basis (defaults when ``None``).

    Returns:
        The new decision; all ``False`` with the reason when inhibited.

    Contracts. The decision is composed of small functions, and CrossHair
    checks the conditions of this function on each of them (a symbolic call
    of the whole function explores only a dozen paths within a condition's
    budget); the IEEE cases and the whole function are properties in
    ``verification/bms/properties/test_ieee_edges.py``:

    * one flag per cell, at most ``max_bleeding_cells`` set, each one a
      ranked candidate: :func:`_select` (integer logic);
    * bleeding only when not inhibited, and inhibited unless enabled, every
      voltage and temperature finite, the lowest cell above
      ``min_cell_voltage_v`` and the hottest sensor below
      ``max_temperature_degc``: :func:`_inhibit_reason` (enum logic) and
      :func:`_inhibit` (the floats); every inhibited result is all ``False``;
    * no bleeding cell at or below the lowest voltage: every ranked cell
      passes :func:`_clear_of_lowest` (``stop_delta_v > 0`` by the
      configuration), on both bases.
    """
    count = len(cell_voltages_v)
    inhibit = _inhibit(
        cell_voltages_v,
        cell_temperatures_degc,
        enabled=enabled,
        min_cell_voltage_v=limits.min_cell_voltage_v,
        max_temperature_degc=limits.max_temperature_degc,
    )
    if inhibit is not BalancingInhibit.NONE:
        return BalancingState(bleeding=(False,) * count, inhibit=inhibit)
    previous = state.bleeding if len(state.bleeding) == count else (False,) * count
    if (
        cell_soc is not None
        and cell_soc_sigma is not None
        and _soc_valid(count, cell_soc, cell_soc_sigma)
    ):
        tuning = soc_tuning if soc_tuning is not None else SocBalancingTuning()
        if max(cell_soc) < tuning.min_soc:
            return BalancingState(
                bleeding=(False,) * count, inhibit=BalancingInhibit.LOW_SOC, basis="soc"
            )
        by_difference = sorted(
            (-difference, index)
            for difference, index in _soc_candidates(previous, cell_soc, cell_soc_sigma, tuning)
        )
        ranked = _clear_of_lowest(
            [index for _, index in by_difference], cell_voltages_v, limits.stop_delta_v
        )
        return BalancingState(
            bleeding=_select(ranked, count, limits.max_bleeding_cells),
            inhibit=BalancingInhibit.NONE,
            basis="soc",
        )
    lowest_v = min(cell_voltages_v)
    candidates = [
        index
        for index, voltage_v in enumerate(cell_voltages_v)
        if voltage_v - lowest_v > limits.start_delta_v
        or (previous[index] and voltage_v - lowest_v > limits.stop_delta_v)
    ]
    candidates.sort(key=lambda index: (-cell_voltages_v[index], index))
    return BalancingState(
        bleeding=_select(
            _clear_of_lowest(candidates, cell_voltages_v, limits.stop_delta_v),
            count,
            limits.max_bleeding_cells,
        ),
        inhibit=BalancingInhibit.NONE,
    )
