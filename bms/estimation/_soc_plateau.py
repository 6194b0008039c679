"""The SoC bound an unsure start cannot beat on a flat OCV: the plateau's floor.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOC_010.

A filter started unsure (the unknown start, 50 % and 30 points) on a flat
OCV is over-confident: its Gaussian follows the OCV's slope where its
estimate is, so one that settled on the edge of LFP's step, where the
slope is a few mV per point, claims a sigma of two points while the truth
is ten points away on a plateau whose voltage differs by a few mV, which
the RC voltages, the current offset and the resistance take up. One
Gaussian cannot hold "on the step or on the plateau" (a Gaussian sum can,
at fifteen filters a cell: docs/validation). What the voltage cannot tell
apart is known from the OCV table alone: every SoC whose OCV lies within
``plateau_voltage_v`` of the OCV at the estimate. The sigma a cell reports
is therefore at least a third of the farthest such SoC's distance from its
estimate, from a start that was unsure until the estimate reaches a knee
(where the floor is at most ``plateau_release_sigma``: there the voltage
places the SoC, and from a known SoC the filter alone is honest). The floor is
on the reported sigma only: the filter's own covariance and gain are left
as they are (flooring them too made the filter follow the voltage onto the
step, and lost more than it gained, docs/validation).

By default only a flat OCV gets the floor (``plateau_floor``, decided as
``surface_lag_slope`` is): the NMC cell's unknown start is honest without
it, and its flat stretch at 85-92 % would only add pessimism.

The floor is a table per temperature breakpoint on a uniform SoC grid,
made once per tuning and chemistry (:class:`bms.estimation._soc_constants.StepConstants`)
and read bilinearly, like the circuit's tables.
"""

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bms.cell import CellTables, ocv

if TYPE_CHECKING:  # its module reads this one's table builder
    from bms.estimation._soc_constants import StepConstants

__all__ = [
    "PLATEAU_GRID_POINTS",
    "plateau_floor",
    "plateau_sigma",
    "plateau_sigma_table",
    "still_marked",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""
BoolArray = npt.NDArray[np.bool_]
"""A per-cell flag array, shape (cells,)."""

PLATEAU_GRID_POINTS = 201
"""SoC points of the floor's table, 0 to 1: a half-point grid (the floor is a third of a
distance, so it is read to a sixth of a point)."""


def plateau_sigma_table(tables: CellTables, plateau_voltage_v: float) -> FloatArray:
    """A third of the farthest SoC whose OCV is within ``plateau_voltage_v``, shape (T, grid).

    Implements: SWR_SOC_010

    One row per temperature breakpoint of ``tables``, one column per point
    of the uniform grid of :data:`PLATEAU_GRID_POINTS` SoCs from 0 to 1. The
    set is not required to be connected: any SoC the voltage cannot tell
    from the estimate counts, wherever it lies, so the farthest is its
    lowest or its highest member.
    """
    grid = np.linspace(0.0, 1.0, PLATEAU_GRID_POINTS)
    last = grid.size - 1
    table = np.empty((tables.temperature_degc.size, grid.size))
    for row, temperature in enumerate(tables.temperature_degc):
        voltage = ocv(tables, np.full(grid.size, temperature), grid)
        alike = np.abs(voltage[:, None] - voltage[None, :]) <= plateau_voltage_v
        lowest = grid[np.argmax(alike, axis=1)]
        highest = grid[last - np.argmax(alike[:, ::-1], axis=1)]
        table[row] = np.maximum(grid - lowest, highest - grid) / 3.0
    table.setflags(write=False)
    return table


def plateau_sigma(
    table: FloatArray, tables: CellTables, soc: FloatArray, temperature_degc: FloatArray
) -> FloatArray:
    """The floor at each cell's SoC and temperature, bilinear in both, shape (cells,).

    Implements: SWR_SOC_010

    ``table`` from :func:`plateau_sigma_table` with the same ``tables``; a
    temperature beyond the breakpoints reads the end row, a SoC is clipped
    to [0, 1].
    """
    rows, points = table.shape
    position = np.interp(temperature_degc, tables.temperature_degc, np.arange(rows, dtype=float))
    lower = np.minimum(position.astype(np.intp), max(rows - 2, 0))
    t_weight = position - lower
    upper = np.minimum(lower + 1, rows - 1)
    position = np.clip(soc, 0.0, 1.0) * (points - 1)
    left = np.minimum(position.astype(np.intp), points - 2)
    s_weight = position - left
    flat = table.ravel()
    below, above = (
        flat[row * points + left] * (1.0 - s_weight) + flat[row * points + left + 1] * s_weight
        for row in (lower, upper)
    )
    result: FloatArray = below + (above - below) * t_weight
    return result


def plateau_floor(
    constants: "StepConstants | None",
    marked: BoolArray | None,
    soc: FloatArray,
    temperature_degc: FloatArray,
) -> FloatArray | None:
    """The floor at each cell's SoC (None: no cell marked, no step yet, or no table).

    Implements: SWR_SOC_010
    """
    if marked is None or constants is None or constants.plateau_sigma is None:
        return None
    return plateau_sigma(constants.plateau_sigma, constants.tables, soc, temperature_degc)


def still_marked(
    marked: BoolArray | None, floor: FloatArray | None, release_sigma: float
) -> BoolArray | None:
    """The cells that keep the floor after a step: not those at a knee (None: no cell).

    Implements: SWR_SOC_010

    A cell whose floor is at most ``release_sigma`` gives it up. Without a floor (the
    tuning or the chemistry wants none) no cell keeps a mark.
    """
    if marked is None or floor is None:
        return None
    keep = np.greater(floor, release_sigma)
    keep &= marked
    return keep if keep.any() else None
