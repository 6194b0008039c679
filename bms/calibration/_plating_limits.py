"""The plating map's table arithmetic: limits from simulated potentials, and their refinement.

ASIL: QM (calibration tool; runs offline, never in the control path).
Requirements: SWR_PLAT_004.

Pure numpy, no PyBaMM: :mod:`bms.calibration._plating_map` simulates the
DFN's charges and hands their anode potentials here, as a (temperature,
SoC, current) cube, to become limits (:func:`limit_table`: made
non-increasing in current, the margin's crossing linear in log-current, the
table made monotone by lowering only), and, after a map-following charge
fell short of the margin, to be lowered where it did
(:func:`margin_shortfall`, :func:`lowered_limits`). Split from that module so
that the arithmetic is read, and tested, without the simulation around it.
"""

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "REFINE_EXTRA_V",
    "REFINE_MAX_CUT",
    "limit_current",
    "limit_table",
    "lowered_limits",
    "margin_shortfall",
    "monotone_in_current",
    "monotone_limits",
    "potential_on_grid",
]

FloatArray = npt.NDArray[np.float64]

REFINE_EXTRA_V = 0.002
"""Added to each shortfall when a limit is lowered, so that one pass usually suffices."""
REFINE_MAX_CUT = 0.5
"""A pass lowers a limit to no less than this fraction of it: near full charge the
potential falls so steeply that the steady charges' chord would ask for 0 A."""


def potential_on_grid(
    soc_trace: FloatArray, potential_trace: FloatArray, soc_grid: Sequence[float]
) -> FloatArray:
    """The potential of a charge at each grid SoC; NaN where the charge did not reach it.

    ``soc_trace`` must be non-decreasing (a charge).
    """
    grid = np.asarray(soc_grid, dtype=np.float64)
    result: FloatArray = np.interp(grid, soc_trace, potential_trace)
    result[grid > float(np.max(soc_trace)) + 1e-9] = np.nan
    return result


def monotone_in_current(potentials_v: FloatArray) -> FloatArray:
    """Potentials made non-increasing along the last axis (current); NaN becomes -inf.

    A point a charge did not reach counts as plating, and so does every higher
    current there. Only ever lowers a value.
    """
    filled = np.where(np.isfinite(potentials_v), potentials_v, -np.inf)
    result: FloatArray = np.minimum.accumulate(filled, axis=-1)
    return result


def limit_current(currents_a: Sequence[float], potentials_v: FloatArray, margin_v: float) -> float:
    """Largest current whose potential stays >= ``margin_v``, given non-increasing potentials.

    Linear in the logarithm of the current between the last current that
    keeps the margin and the first that does not (that one's own current if
    its potential is -inf); 0 if even the smallest current breaks the margin,
    the largest current if none does. The potential is convex in current
    (Butler-Volmer kinetics), so a chord linear in current lies above it; in
    log-current the chord lies below it for a linear or convex potential, so
    the limit errs low.

    Implements: SWR_PLAT_004
    """
    currents = np.asarray(currents_a, dtype=np.float64)
    below = np.nonzero(~(potentials_v >= margin_v))[0]
    if below.size == 0:
        return float(currents[-1])
    first = int(below[0])
    if first == 0:
        return 0.0
    upper_v, lower_v = float(potentials_v[first - 1]), float(potentials_v[first])
    if not math.isfinite(lower_v) or upper_v <= lower_v:
        return float(currents[first - 1])
    share = (upper_v - margin_v) / (upper_v - lower_v)
    return float(currents[first - 1] * (currents[first] / currents[first - 1]) ** share)


def monotone_limits(limits_a: FloatArray) -> FloatArray:
    """Limits lowered to be non-increasing in SoC (axis 1) and non-decreasing in temperature.

    Both passes only lower values: along SoC a running minimum from low SoC
    up; along temperature a running minimum from the hottest row down.

    Implements: SWR_PLAT_004
    """
    by_soc = np.minimum.accumulate(limits_a, axis=1)
    result: FloatArray = np.minimum.accumulate(by_soc[::-1], axis=0)[::-1]
    return result


def limit_table(currents_a: Sequence[float], cube_v: FloatArray, margin_v: float) -> FloatArray:
    """The monotone limit table of a (temperature, SoC, current) potential cube.

    Implements: SWR_PLAT_004
    """
    monotone = monotone_in_current(cube_v)
    raw = np.array(
        [[limit_current(currents_a, row, margin_v) for row in table] for table in monotone]
    )
    return monotone_limits(raw)


def _at_current(potentials_v: FloatArray, currents_a: Sequence[float], current_a: float) -> float:
    """A grid point's steady potential at a current, linear in log-current, clamped at the ends."""
    logs = np.log(np.asarray(currents_a, dtype=np.float64))
    return float(np.interp(math.log(max(current_a, 1e-12)), logs, potentials_v))


def margin_shortfall(
    soc_grid: Sequence[float], soc: FloatArray, potential_v: FloatArray, margin_v: float
) -> FloatArray:
    """How far a charge's potential fell below the margin around each grid SoC (V, >= 0).

    Each sample counts for the two grid points around its SoC (the on-board
    limit is read linearly between them); a grid point keeps the largest
    shortfall of its samples, 0 where they all kept the margin.

    Implements: SWR_PLAT_004
    """
    grid = np.asarray(soc_grid, dtype=np.float64)
    shortfall = np.maximum(margin_v - np.asarray(potential_v, dtype=np.float64), 0.0)
    left = np.clip(
        np.searchsorted(grid, np.asarray(soc, dtype=np.float64), side="right") - 1,
        0,
        grid.size - 1,
    )
    result = np.zeros(grid.size)
    np.maximum.at(result, left, shortfall)
    np.maximum.at(result, np.minimum(left + 1, grid.size - 1), shortfall)
    return result


def lowered_limits(
    currents_a: Sequence[float],
    cube_row: FloatArray,
    shortfall_v: FloatArray,
    limits_a: FloatArray,
) -> FloatArray:
    """One temperature's limits lowered so that the steady potential rises by the shortfall.

    ``cube_row`` is the temperature's (SoC, current) slab of the
    constant-current charges. Where a grid point's shortfall is positive its
    limit becomes the current at which the steady potential is the one at the
    present limit plus the shortfall plus :data:`REFINE_EXTRA_V`
    (:func:`limit_current`, linear in log-current): lowering the current
    raises the potential at least as much as the steady charges say, since the
    transient left by the earlier, higher currents shrinks with it. One call
    lowers a limit to no less than :data:`REFINE_MAX_CUT` of it (the next
    map-following charge shows whether that sufficed). Only ever lowers a
    limit; a grid point without shortfall keeps its limit.

    Implements: SWR_PLAT_004
    """
    monotone = monotone_in_current(np.asarray(cube_row, dtype=np.float64))
    result = np.asarray(limits_a, dtype=np.float64).copy()
    for point, shortfall in enumerate(np.asarray(shortfall_v, dtype=np.float64)):
        if shortfall <= 0.0:
            continue
        target = _at_current(monotone[point], currents_a, float(result[point]))
        wanted = target + float(shortfall) + REFINE_EXTRA_V
        lowered = max(
            limit_current(currents_a, monotone[point], wanted), REFINE_MAX_CUT * result[point]
        )
        result[point] = min(result[point], lowered)
    return result
