"""Where the on-board capacity estimate starts, and the lowest capacity it allows.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOH_005, SWR_SOH_008, SWR_SOH_009,
SWR_PLAT_005.

The capacity tracker (:mod:`bms.estimation._capacity_pairs`) starts from a
prior, one AWTLS pseudo-pair per cell. What the prior may claim depends on
what is known of the pack:

* :func:`initial_capacity_tracker`, a **new pack**: the configured
  capacities with the tuning's uncertainty (3 % by default). This is what a
  factory writes to the capacity file at end of line
  (``bms.memory.save_capacity``).
* :func:`graded_capacity_tracker`, a **new pack of graded cells**: each
  cell's capacity as measured before assembly, with the measurement's
  uncertainty, usually far below the configured spread.
* :func:`unknown_age_capacity_tracker`, a pack **of unknown age**: no
  capacity file (lost, never written, or refused). The pack may be anywhere
  from new to the end of its service, :data:`UNKNOWN_AGE_END_OF_LIFE` of its
  configured capacity; the prior is the Gaussian with the mean and variance
  of a fade spread evenly over that range, with the new pack's spread on
  top. Starting such a pack from the new pack's prior left a 15 %-faded LFP
  pack 5 sigma off, a bound its flat OCV never lets the pairs correct
  (docs/validation/onboard_capacity).

:func:`parked_capacity` is where a tracker resumed from its capacity file
starts after the pack was parked: the file's sums with the calendar fade
the parking may have cost at worst (:class:`CalendarWalk`) added to their
3-sigma bound (the throughput's walk, SWR_SOH_007, sees nothing while the
pack is off).

:func:`capacity_estimate_at_coldest` and :func:`capacity_lower_bound` are
the capacities a coulomb-counted SoC upper bound divides by (the plating
cap's, SWR_PLAT_005): each cell's estimate, and the estimate less three
standard deviations, at the coldest temperature's capacity.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell import CellTables
from bms.estimation._capacity import (
    CapacityState,
    predict_capacity,
    prior_sums,
)
from bms.estimation._capacity_pairs import FORGETTING, CapacityTracker
from bms.estimation._soc_tuning import SocFilterTuning

__all__ = [
    "UNKNOWN_AGE_END_OF_LIFE",
    "CalendarWalk",
    "capacity_estimate_at_coldest",
    "capacity_lower_bound",
    "graded_capacity_tracker",
    "initial_capacity_tracker",
    "parked_capacity",
    "unknown_age_capacity_tracker",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

UNKNOWN_AGE_END_OF_LIFE = 0.70
"""The least capacity, as a share of the configured one, of a pack still in service: the
prognosis's last threshold (70 %). A pack of unknown age is assumed anywhere above it."""
_PERCENT = 100.0
_SIGMAS = 3.0


@dataclass(frozen=True)
class CalendarWalk:
    """A chemistry's worst calendar fade: ``scale_pct * days ** exponent`` percent from new.

    ``bms.aging.worst_calendar_fade`` gives it from the fitted aging model.
    """

    scale_pct: float
    """Percent lost in the first day."""
    exponent: float
    """The power of time (about 0.5: calendar fade goes as the square root of time)."""


def initial_capacity_tracker(
    tables: CellTables, capacity_scale: FloatArray | float, tuning: SocFilterTuning, cells: int
) -> CapacityTracker:
    """A new pack's prior: the configured capacities with the tuning's capacity uncertainty.

    Implements: SWR_SOH_005
    """
    sigma = tuning.capacity_uncertainty_pct / _PERCENT
    return _prior_tracker(tables, capacity_scale, cells, mean=1.0, sigma=sigma)


def graded_capacity_tracker(
    tables: CellTables, capacity_ah: FloatArray, sigma_pct: float
) -> CapacityTracker:
    """A new pack whose cells' capacities were measured before assembly (graded).

    Implements: SWR_SOH_008

    Each cell starts at its measured capacity (Ah, at 25 degC, as the
    tables' nominal one) with ``sigma_pct`` percent of it: the measurement's
    standard deviation, which includes what storage between the measurement
    and the first key-on may have cost. Raises ValueError, naming the
    argument, for a capacity that is not finite and > 0 or a sigma that is
    not finite and > 0.
    """
    measured = np.asarray(capacity_ah, dtype=np.float64).reshape(-1)
    if measured.size == 0:
        message = "capacity_ah: no measured capacity"
        raise ValueError(message)
    bad = np.flatnonzero(~(np.isfinite(measured) & (measured > 0.0)))
    if bad.size:
        cell = int(bad[0])
        message = (
            f"capacity_ah: cell {cell}'s measured capacity {measured[cell]} is not finite and > 0"
        )
        raise ValueError(message)
    if not (math.isfinite(sigma_pct) and sigma_pct > 0.0):
        message = f"sigma_pct: the measurement's sigma must be finite and > 0, got {sigma_pct}"
        raise ValueError(message)
    scale = measured / tables.nominal_capacity_ah
    return _prior_tracker(tables, scale, measured.size, mean=1.0, sigma=sigma_pct / _PERCENT)


def unknown_age_capacity_tracker(
    tables: CellTables, capacity_scale: FloatArray | float, tuning: SocFilterTuning, cells: int
) -> CapacityTracker:
    """The prior of a pack of unknown age: anywhere from new to the end of its service.

    Implements: SWR_SOH_008

    A fade spread evenly over ``[0, 1 - UNKNOWN_AGE_END_OF_LIFE]`` has the mean
    half of it and the variance its square over 12; the new pack's spread
    (the tuning's capacity uncertainty) adds its own. With the defaults,
    85 % of the configured capacity with a sigma of 9.2 %: a new cell at
    +3 % is 2 sigma above it, a cell at the end of its service 1.6 below.
    """
    fade = 1.0 - UNKNOWN_AGE_END_OF_LIFE
    new_sigma = tuning.capacity_uncertainty_pct / _PERCENT
    sigma = math.sqrt(new_sigma**2 + fade**2 / 12.0)
    return _prior_tracker(tables, capacity_scale, cells, mean=1.0 - fade / 2.0, sigma=sigma)


def parked_capacity(
    state: CapacityState, walk: CalendarWalk, *, age_days: float, parked_days: float
) -> CapacityState:
    """The committed sums after the pack was parked ``parked_days`` from age ``age_days``.

    Implements: SWR_SOH_009

    A cell parked from age ``t`` for ``d`` days loses at most ``L = b ((t +
    d)^z - t^z)`` percent (``walk``: the chemistry's worst calendar fade),
    and never gains. The estimate stays and its sigma grows by ``L / 3``
    of its capacity (:func:`bms.estimation.predict_capacity`), so that the
    3-sigma bound of an error ``e`` grows by the loss ``e`` may have
    taken: parks in a row add their losses. A random walk of standard
    deviation ``L`` per park (this function's first version) added them in
    quadrature; over a pack's nightly parks that fell far behind the loss
    itself, and a tracker that learns little (LFP's plateau) left
    BLAST-Lite's calendar-aged cells outside its 3 sigma
    (docs/validation/onboard_capacity, "Calendar fade while parked").
    ``age_days`` may be any lower bound of the pack's age (the capacity
    file's own): with an exponent below 1 a younger age gives a larger
    growth. Non-finite or negative ages, a ``parked_days`` that is
    not > 0 (a clock set back) or a walk that is not finite and > 0 change
    nothing.
    """
    values = (age_days, parked_days, walk.scale_pct, walk.exponent)
    if not all(math.isfinite(value) for value in values):
        return state
    if age_days < 0.0 or parked_days <= 0.0 or walk.scale_pct <= 0.0 or walk.exponent <= 0.0:
        return state
    lost = (age_days + parked_days) ** walk.exponent - age_days**walk.exponent
    share = walk.scale_pct / _PERCENT * lost
    sigma = state.capacity_sigma_ah
    grown = sigma + share * state.capacity_ah / _SIGMAS
    return predict_capacity(state, grown * grown - sigma * sigma)


def capacity_estimate_at_coldest(estimate: CapacityState, tables: CellTables) -> FloatArray:
    """Each cell's capacity estimate at its coldest temperature's capacity, Ah.

    Implements: SWR_PLAT_005

    The coulomb-counted SoC bound's capacity (beside
    :func:`capacity_lower_bound`): the estimate is in the nominal capacity
    at 25 degC (the tracker counts charge that way); a cold cell holds
    less, by the tables' smallest capacity over the nominal.
    """
    return estimate.capacity_ah * _coldest_share(tables)


def capacity_lower_bound(estimate: CapacityState, tables: CellTables) -> FloatArray:
    """Each cell's capacity less three sigmas, at its coldest temperature's capacity, Ah.

    Implements: SWR_PLAT_005

    As :func:`capacity_estimate_at_coldest`, three standard deviations
    lower. At least zero: a bound at zero makes a coulomb-counted SoC bound
    1 (the most conservative) as soon as any charge is counted.
    """
    lowest = estimate.capacity_ah - _SIGMAS * estimate.capacity_sigma_ah
    return np.maximum(lowest, 0.0) * _coldest_share(tables)


def _coldest_share(tables: CellTables) -> float:
    """The tables' smallest capacity over the nominal one (0.997 for ``NMC_Chen2020``)."""
    return float(np.min(tables.capacity_ah)) / tables.nominal_capacity_ah


def _prior_tracker(
    tables: CellTables,
    capacity_scale: FloatArray | float,
    cells: int,
    *,
    mean: float,
    sigma: float,
) -> CapacityTracker:
    """A tracker whose every cell starts at ``mean`` with ``sigma`` (shares of its capacity).

    Each cell's AWTLS sums hold its own scaled prior, not only its reported
    estimate: the sums are what the next pair is solved with, and sums of the
    nominal capacity pulled a cell configured at 80 % to 97 % with its first
    pair, however well that pair agreed with 80 %. The pre-scaling ``k`` is
    one over the nominal capacity: a SoC change and its charge weigh alike.
    """
    nominal = tables.nominal_capacity_ah
    scale = np.broadcast_to(np.asarray(capacity_scale, dtype=np.float64), (cells,))
    capacity, capacity_sigma = mean * nominal * scale, sigma * nominal * scale
    k = 1.0 / nominal
    prior = CapacityState(
        c=prior_sums(k, capacity, capacity_sigma),
        k=k,
        gamma=FORGETTING,
        capacity_ah=capacity,
        capacity_sigma_ah=capacity_sigma,
    )
    return CapacityTracker(committed=prior, estimate=prior)
