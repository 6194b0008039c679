"""Vectorised table lookup: a chemistry's tables as numpy arrays, bilinear in (T, SoC).

ASIL: QM(D) (estimation channel). Requirements: SWR_CELL_002.

:func:`cell_tables` turns a validated :class:`~bms.cell.Chemistry` into one
stacked array so that :func:`lookup` evaluates every parameter of every cell
with a handful of numpy operations (no Python loop over cells): the cost of an
estimator step for a 96-cell pack is dominated by numpy call overhead, so the
four corner gathers are shared by all tables.

Interpolation is bilinear in (temperature, SoC) and clamped at the table
edges (the contract of the chemistry file). scipy's ``RegularGridInterpolator``
does the same but re-validates its inputs on every call, which costs more than
the whole filter step; hence this small hand-written version.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell._chemistry import Chemistry

__all__ = ["CellParameters", "CellTables", "FloatArray", "cell_tables", "lookup", "ocv"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

_OCV, _R0, _R1, _TAU1, _R2, _TAU2 = range(6)


@dataclass(frozen=True)
class CellTables:
    """A chemistry's tables as arrays, ready for vectorised lookup."""

    soc: FloatArray
    """SoC breakpoints, shape (S,)."""
    temperature_degc: FloatArray
    """Temperature breakpoints, shape (T,)."""
    stacked: FloatArray
    """OCV, R0, R1, tau1, R2, tau2 stacked and flattened: shape (6, T * S)."""
    capacity_ah: FloatArray
    """Capacity at each temperature breakpoint, shape (T,)."""
    nominal_capacity_ah: float
    """Nominal capacity (25 degC, C/20)."""
    min_voltage_v: float
    """Lower cut-off voltage of the chemistry."""
    max_voltage_v: float
    """Upper cut-off voltage of the chemistry."""


@dataclass(frozen=True)
class CellParameters:
    """Every equivalent-circuit parameter at each cell's (temperature, SoC), shape (cells,)."""

    ocv_v: FloatArray
    """Open-circuit voltage."""
    docv_dsoc_v: FloatArray
    """Slope of the OCV in SoC (per unit SoC) on the segment that holds the SoC."""
    r0_ohm: FloatArray
    """Series resistance."""
    r1_ohm: FloatArray
    """Fast RC pair resistance."""
    tau1_s: FloatArray
    """Fast RC pair time constant."""
    r2_ohm: FloatArray
    """Slow RC pair resistance."""
    tau2_s: FloatArray
    """Slow RC pair time constant."""
    capacity_ah: FloatArray
    """Capacity of the chemistry at the cell's temperature (before per-cell scaling)."""


def cell_tables(chemistry: Chemistry) -> CellTables:
    """Arrays of a validated chemistry, for :func:`lookup`.

    Implements: SWR_CELL_002
    """
    tables = [
        chemistry.ocv_v,
        chemistry.r0_ohm,
        chemistry.r1_ohm,
        chemistry.tau1_s,
        chemistry.r2_ohm,
        chemistry.tau2_s,
    ]
    stacked = np.array(tables, dtype=np.float64).reshape(len(tables), -1)
    return CellTables(
        soc=np.array(chemistry.soc_breakpoints, dtype=np.float64),
        temperature_degc=np.array(chemistry.temperature_breakpoints_degc, dtype=np.float64),
        stacked=stacked,
        capacity_ah=np.array(chemistry.capacity_ah_by_temperature, dtype=np.float64),
        nominal_capacity_ah=chemistry.nominal_capacity_ah,
        min_voltage_v=chemistry.min_voltage_v,
        max_voltage_v=chemistry.max_voltage_v,
    )


def _bracket(
    axis: FloatArray, values: FloatArray
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Lower and upper breakpoint index and weight of each value, clamped to the axis."""
    last = axis.shape[0] - 1
    if last == 0:
        zeros = np.zeros(values.shape, dtype=np.intp)
        return zeros, zeros, np.zeros(values.shape)
    clamped = np.minimum(np.maximum(values, axis[0]), axis[-1])
    lower = np.minimum(np.searchsorted(axis, clamped, side="right") - 1, last - 1)
    upper = lower + 1
    weight = (clamped - axis[lower]) / (axis[upper] - axis[lower])
    return lower, upper, weight


def lookup(tables: CellTables, temperature_degc: FloatArray, soc: FloatArray) -> CellParameters:
    """Every parameter at each cell's (temperature, SoC), bilinear and clamped at the edges.

    Implements: SWR_CELL_002

    Args:
        tables: from :func:`cell_tables`.
        temperature_degc: cell temperatures, shape (cells,).
        soc: cell states of charge, shape (cells,).

    Returns:
        The parameters, each of shape (cells,). The OCV slope is that of the
        SoC segment holding the (clamped) SoC, so it stays informative at the
        table edges.
    """
    t_lo, t_hi, t_w = _bracket(tables.temperature_degc, temperature_degc)
    s_lo, s_hi, s_w = _bracket(tables.soc, soc)
    columns = tables.soc.shape[0]
    flat = tables.stacked
    c00 = flat[:, t_lo * columns + s_lo]
    c01 = flat[:, t_lo * columns + s_hi]
    c10 = flat[:, t_hi * columns + s_lo]
    c11 = flat[:, t_hi * columns + s_hi]
    low_t = c00 + (c01 - c00) * s_w
    high_t = c10 + (c11 - c10) * s_w
    values = low_t + (high_t - low_t) * t_w
    span = tables.soc[s_hi] - tables.soc[s_lo]
    rise = (c01[_OCV] - c00[_OCV]) * (1.0 - t_w) + (c11[_OCV] - c10[_OCV]) * t_w
    slope = rise / np.where(span > 0.0, span, 1.0)
    capacity = (
        tables.capacity_ah[t_lo] + (tables.capacity_ah[t_hi] - tables.capacity_ah[t_lo]) * t_w
    )
    return CellParameters(
        ocv_v=values[_OCV],
        docv_dsoc_v=slope,
        r0_ohm=values[_R0],
        r1_ohm=values[_R1],
        tau1_s=values[_TAU1],
        r2_ohm=values[_R2],
        tau2_s=values[_TAU2],
        capacity_ah=capacity,
    )


def ocv(tables: CellTables, temperature_degc: FloatArray, soc: FloatArray) -> FloatArray:
    """Open-circuit voltage only, bilinear and clamped: a cheaper :func:`lookup`.

    Implements: SWR_CELL_002
    """
    t_lo, t_hi, t_w = _bracket(tables.temperature_degc, temperature_degc)
    s_lo, s_hi, s_w = _bracket(tables.soc, soc)
    columns = tables.soc.shape[0]
    row = tables.stacked[_OCV]
    low_t = row[t_lo * columns + s_lo]
    low_t = low_t + (row[t_lo * columns + s_hi] - low_t) * s_w
    high_t = row[t_hi * columns + s_lo]
    high_t = high_t + (row[t_hi * columns + s_hi] - high_t) * s_w
    result: FloatArray = low_t + (high_t - low_t) * t_w
    return result
