"""Plating-aware charge limit and balancing-aware SoC filter input of the controller.

ASIL: QM(D) (estimation channel). Requirements: SWR_PLAT_005, SWR_BAL_008.

What the controller keeps between its steps for two estimation inputs, as
typed frozen state advanced by pure functions (no clock: ``dt_s`` is the
protection period, an input):

* :class:`ChargeBound`, the state of a coulomb-counted upper bound of each
  cell's SoC for the plating cap (:func:`bms.estimation.coulomb_soc_upper`):
  the SoC filter's own 3-sigma bound does not hold while a cell charges
  (NMC: the truth leaves it between 30 and 85 % SoC), a bound from the charge
  counted since a known start does. The start is the filter's estimate and
  its standard deviation once the pack has not charged for
  :data:`BOUND_REST_S` (the docstring of ``coulomb_soc_upper``: "the SoC
  estimate at the start (e.g. after a rest)"); it restarts at every
  estimation step while that lasts, and freezes when a charge begins.
  Before the first such start nothing is known and the bound is 1. Only the
  charge put in is counted (a discharge is not subtracted), with the worst
  current sensor's accuracy as an offset on every sample, so the bound
  holds whatever the current's sign and whatever the capacity's error in a
  discharge; a NaN current makes it NaN (the plating estimate then falls
  back to the map's smallest limit) until the next start.
* :func:`bleed_current`, the balancing current the controller commanded
  for the estimation period's last protection step (the one in force when
  the voltages were sampled): each bleeding cell's measured voltage over the
  balancing resistance, divided by the parallel count (the filter models one
  cell). The filter holds its inputs over the period (sample and hold, as
  the string current); the command in force at the sample keeps the
  resistive drop of the measurement consistent, where the period's mean
  does not in a period in which bleeding starts or stops (on the ECM plant,
  2 A per cell bled for 10 s: 0.05 % against 0.17 % largest SoC error).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bms.cell import PlatingMap
from bms.estimation import PlatingTables, coulomb_soc_upper, plating_limits

__all__ = [
    "BOUND_REST_S",
    "ChargeBound",
    "bleed_current",
    "count_charge",
    "plating_charge_limit",
    "restart_bound",
    "soc_upper_bound",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

BOUND_REST_S = 300.0
"""Time without charge after which the filter's own bound is trusted as a start: five times
the shortest slow time constant of the shipped NMC model (60 s at 25 degC); a judgement,
not a measured figure."""
_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class ChargeBound:
    """State of the coulomb-counted SoC upper bound (see the module docstring)."""

    start_soc: tuple[float, ...] = ()
    """Each cell's SoC estimate at the last start; empty before the first start."""
    start_sigma: tuple[float, ...] = ()
    """Its standard deviation at the last start."""
    charged_ah: float = 0.0
    """Charge put into each cell since the start, as measured (discharges not subtracted)."""
    elapsed_s: float = 0.0
    """Time since the start (the sensor offset accumulates over it)."""
    idle_s: float = 0.0
    """How long the pack has not been charging, up to the last step."""


def count_charge(
    bound: ChargeBound,
    pack_current_a: float,
    *,
    parallel_count: int,
    dt_s: float,
    charge_detection_a: float,
) -> ChargeBound:
    """Advance the bound's count by one protection step of ``dt_s`` at the measured current.

    Implements: SWR_PLAT_005

    ``pack_current_a`` is positive on discharge; the pack charges below
    ``-charge_detection_a`` (NaN counts as charging, as in the protection).
    """
    cell_charge_a = -pack_current_a / parallel_count
    charged = cell_charge_a if not cell_charge_a <= 0.0 else 0.0  # NaN stays NaN
    idle = pack_current_a >= -charge_detection_a
    return replace(
        bound,
        charged_ah=bound.charged_ah + charged * dt_s / _SECONDS_PER_HOUR,
        elapsed_s=bound.elapsed_s + dt_s,
        idle_s=bound.idle_s + dt_s if idle else 0.0,
    )


def restart_bound(bound: ChargeBound, soc: FloatArray, soc_sigma: FloatArray) -> ChargeBound:
    """Restart from the filter's estimate and its sigma after :data:`BOUND_REST_S` idle.

    Implements: SWR_PLAT_005

    A non-finite estimate does not restart the bound.
    """
    if bound.idle_s < BOUND_REST_S or not (
        np.all(np.isfinite(soc)) and np.all(np.isfinite(soc_sigma))
    ):
        return bound
    return ChargeBound(
        start_soc=tuple(np.asarray(soc, dtype=np.float64).tolist()),
        start_sigma=tuple(np.abs(np.asarray(soc_sigma, dtype=np.float64)).tolist()),
        idle_s=bound.idle_s,
    )


def soc_upper_bound(
    bound: ChargeBound,
    cells: int,
    *,
    capacity_ah: FloatArray | float,
    capacity_lower_ah: FloatArray | float,
    offset_a: float,
) -> FloatArray:
    """Each cell's SoC upper bound now (1 before the first start).

    Implements: SWR_PLAT_005

    ``capacity_ah`` is each cell's capacity estimate, ``capacity_lower_ah``
    its lower bound, and ``offset_a`` bounds the measured cell current's
    error (:func:`bms.estimation.coulomb_soc_upper`).
    """
    if len(bound.start_soc) != cells or len(bound.start_sigma) != cells:
        return np.ones(cells)
    return coulomb_soc_upper(
        np.asarray(bound.start_soc, dtype=np.float64),
        start_sigma=np.asarray(bound.start_sigma, dtype=np.float64),
        charged_ah=bound.charged_ah,
        elapsed_s=bound.elapsed_s,
        capacity_ah=capacity_ah,
        capacity_lower_ah=capacity_lower_ah,
        gain_error=0.0,
        offset_a=offset_a,
    )


def plating_charge_limit(  # noqa: PLR0913 - the plating estimate's inputs
    plating: PlatingMap | PlatingTables | None,
    *,
    soc: FloatArray,
    soc_sigma: FloatArray,
    temperature_degc: FloatArray,
    soc_upper: FloatArray,
    parallel_count: int,
) -> tuple[float, str | None]:
    """The pack's plating-limited charge current and the fallback reason (None: the map's).

    Implements: SWR_PLAT_005

    The smallest cell's limit (:func:`bms.estimation.plating_limits` at the
    SoC estimate plus 3 sigma or ``soc_upper``, whichever is higher) times
    the parallel count, as the State of Function's plating cap.
    """
    limits = plating_limits(
        plating,
        soc=soc,
        soc_sigma=soc_sigma,
        temperature_degc=temperature_degc,
        soc_upper=soc_upper,
    )
    return (limits.min_cell_charge_current_a * parallel_count, limits.fallback_reason)


def bleed_current(
    bleeding: Sequence[bool],
    cell_voltages_v: Sequence[float],
    *,
    resistance_ohm: float,
    parallel_count: int,
    max_voltage_v: float,
) -> FloatArray | None:
    """Each cell's balancing current in force when the voltages were sampled (None: none).

    Implements: SWR_BAL_008

    ``bleeding`` is the command of the previous protection step, in force
    over the step that ends with this sample; a bleeding group draws its
    measured voltage (clamped to [0, ``max_voltage_v``], 0 when not finite)
    over ``resistance_ohm``, shared by its ``parallel_count`` cells. None
    when no cell bleeds or the lengths differ.
    """
    if not any(bleeding) or len(bleeding) != len(cell_voltages_v):
        return None
    volts = np.asarray(cell_voltages_v, dtype=np.float64)
    volts = np.clip(np.where(np.isfinite(volts), volts, 0.0), 0.0, max_voltage_v)
    current: FloatArray = (
        np.asarray(bleeding, dtype=np.float64) * volts / (resistance_ohm * parallel_count)
    )
    return current
