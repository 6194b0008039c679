"""Vectorised table lookup: a chemistry's tables as numpy arrays, bilinear in (T, SoC).

ASIL: QM(D) (estimation channel). Requirements: SWR_CELL_002.

:func:`cell_tables` turns a validated :class:`~bms.cell.Chemistry` into
precomputed bilinear coefficients, one set per grid cell (temperature segment
x SoC segment) and per quantity, so that :func:`lookup` evaluates every
parameter of every cell with one gather and four multiply-adds
(``f = c0 + c1 w_s + (c2 + c3 w_s) w_t``) instead of four corner gathers per
table: the cost of an estimator step for a 96-cell pack is dominated by numpy
call overhead, and this layout keeps the number of numpy calls independent of
the number of tables. The quantities (rows of :func:`lookup_rows`, named by
:class:`Row`) are the six tables, the series drop's kinetic curvature
``1 / kinetic_current_a`` (0 for a chemistry without it: the linear circuit;
:mod:`bms.cell._kinetics`), the OCV slope in SoC, the capacity, and the
fit residual of the pulse tests (the circuit's own voltage error at that
temperature, which the estimators use as a measurement-noise floor).

A chemistry with a ``charge`` section has a second set of coefficients,
``charge_coefficients``, in which the resistance rows (R0, R1, R2) and the
kinetic curvature are the charge tables' and the others the same: a lookup given which cells charge
(their current below zero) reads each cell's from its set.

Interpolation is bilinear in (temperature, SoC) and clamped at the table
edges (the contract of the chemistry file). scipy's ``RegularGridInterpolator``
does the same but re-validates its inputs on every call, which costs more than
the whole filter step; hence this small hand-written version.
"""

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from bms.cell._chemistry import Chemistry, Table
from bms.cell._kinetics import BEND_LIMIT_C_RATE

__all__ = [
    "CellParameters",
    "CellTables",
    "FloatArray",
    "Row",
    "cell_tables",
    "lookup",
    "lookup_rows",
    "lookup_rows_at",
    "ocv",
    "ocv_at",
    "ocv_rows",
    "soc_bracket",
    "temperature_bracket",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""
IndexArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


class Row(IntEnum):
    """Rows of :func:`lookup_rows`: the interpolated quantities.

    The two resistances of the RC pairs are adjacent, and so are their time
    constants, so that the filter handles both pairs with one slice.
    """

    OCV = 0
    R0 = 1
    R1 = 2
    R2 = 3
    TAU1 = 4
    TAU2 = 5
    KINETIC = 6
    DOCV_DSOC = 7
    CAPACITY = 8
    FIT_RMSE = 9


_QUANTITIES = len(Row)
_TABLE_ROWS = 7
_MID_SOC = (0.1, 0.9)
"""The SoC range whose OCV slope characterises a chemistry (the ends' knees left out)."""


@dataclass(frozen=True)
class CellTables:
    """A chemistry's tables as arrays, ready for vectorised lookup."""

    soc: FloatArray
    """SoC breakpoints, shape (S,)."""
    temperature_degc: FloatArray
    """Temperature breakpoints, shape (T,)."""
    capacity_ah: FloatArray
    """Capacity at each temperature breakpoint, shape (T,)."""
    nominal_capacity_ah: float
    """Nominal capacity (25 degC, C/20)."""
    min_voltage_v: float
    """Lower cut-off voltage of the chemistry."""
    max_voltage_v: float
    """Upper cut-off voltage of the chemistry."""
    coefficients: FloatArray
    """Bilinear coefficients ``(c0, c1, c2, c3)`` of every :class:`Row` in every grid cell.

    Shape (4, rows, (T - 1) * (S - 1)) (a single temperature counts as one
    segment), grid cell index ``t_segment * (S - 1) + s_segment``.
    """
    charge_coefficients: FloatArray
    """``coefficients`` with the resistance rows of the chemistry's charge tables
    (``coefficients`` itself when the chemistry has none)."""
    has_charge_tables: bool
    """Whether the chemistry has a ``charge`` section."""
    has_kinetics: bool
    """Whether either direction's series drop is bent (:mod:`bms.cell._kinetics`)."""
    bend_limit_a: float
    """Current up to which the series drop bends (1C), its secant beyond (``_kinetics``)."""
    ocv_coefficients: FloatArray
    """The OCV row of ``coefficients``, contiguous: shape (4, grid cells)."""
    circuit_coefficients: FloatArray
    """``coefficients`` without the fit-residual row (the last), contiguous: the rows a
    filter step reads when it does not use the residual (one gather of fewer values)."""
    soc_inverse_span: FloatArray
    """1 / width of each SoC segment, shape (S - 1,)."""
    soc_uniform_step: float
    """Width of every SoC segment if the SoC grid is uniform (bracketed by arithmetic), else 0."""
    temperature_inverse_span: FloatArray
    """1 / width of each temperature segment, shape (max(T - 1, 1),); 0 for one temperature."""
    fit_rmse_v: FloatArray
    """Pulse-test fit residual of the circuit at each temperature breakpoint, shape (T,)."""
    temperature_position: FloatArray
    """``0, 1, ..., T - 1`` as floats: ``np.interp`` onto it gives a temperature's
    fractional breakpoint index (segment and weight in one call, clamped at the ends)."""
    soc_position: FloatArray
    """``0, 1, ..., S - 1`` as floats: the same for the SoC breakpoints."""
    ocv_median_slope_v: float
    """Median slope of the OCV in SoC over 10-90 % SoC at every temperature, V per unit SoC.

    How much a millivolt says about the SoC on this chemistry: 0.92 V (9.2 mV
    per %) for PyBaMM's NMC cell (Chen2020), 0.22 V for its LFP cell (Prada2013).
    """


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
    kinetic_curvature_per_a: FloatArray
    """``1 / kinetic_current_a`` of the series drop (:mod:`bms.cell._kinetics`); 0: linear."""
    capacity_ah: FloatArray
    """Capacity of the chemistry at the cell's temperature (before per-cell scaling)."""


def _fit_rmse_by_breakpoint(chemistry: Chemistry) -> FloatArray:
    """The fit report's pulse residual at each temperature breakpoint.

    A breakpoint the report does not name takes the largest residual reported
    (or the whole-fit RMS of the OCV when the report names none): the
    conservative choice for a noise floor.
    """
    reported = {
        float(key): value for key, value in chemistry.fit.pulse_rmse_v_by_temperature.items()
    }
    fallback = max(reported.values(), default=chemistry.fit.ocv_rmse_v)
    return np.array(
        [reported.get(t, fallback) for t in chemistry.temperature_breakpoints_degc],
        dtype=np.float64,
    )


def _curvature(kinetic_current_a: Table | None, like: Table) -> FloatArray:
    """``1 / kinetic_current_a`` on the grid of ``like``; zeros (the linear drop) for None."""
    if kinetic_current_a is None:
        return np.zeros_like(np.asarray(like, dtype=np.float64))
    result: FloatArray = 1.0 / np.asarray(kinetic_current_a, dtype=np.float64)
    return result


def _coefficients(
    grid: FloatArray, soc: FloatArray, capacity: FloatArray, fit: FloatArray
) -> FloatArray:
    """Bilinear coefficients of the stacked tables (rows, T, S) on every grid cell."""
    if grid.shape[1] == 1:  # one temperature: a flat second row makes every t-weight moot
        grid = np.concatenate([grid, grid], axis=1)
        capacity = np.concatenate([capacity, capacity])
        fit = np.concatenate([fit, fit])
    f00 = grid[:, :-1, :-1]
    f01 = grid[:, :-1, 1:]
    f10 = grid[:, 1:, :-1]
    f11 = grid[:, 1:, 1:]
    t_segments, s_segments = f00.shape[1], f00.shape[2]
    result = np.zeros((4, _QUANTITIES, t_segments, s_segments))
    table_rows = slice(0, _TABLE_ROWS)
    result[0, table_rows] = f00
    result[1, table_rows] = f01 - f00
    result[2, table_rows] = f10 - f00
    result[3, table_rows] = f11 - f10 - f01 + f00
    span = np.diff(soc)[None, :]
    result[0, Row.DOCV_DSOC] = (f01[Row.OCV] - f00[Row.OCV]) / span
    result[2, Row.DOCV_DSOC] = (f11[Row.OCV] - f10[Row.OCV] - f01[Row.OCV] + f00[Row.OCV]) / span
    for row, values in ((Row.CAPACITY, capacity), (Row.FIT_RMSE, fit)):
        result[0, row] = values[:-1, None]
        result[2, row] = np.diff(values)[:, None]
    return result.reshape(4, _QUANTITIES, t_segments * s_segments)


def cell_tables(chemistry: Chemistry) -> CellTables:
    """Arrays of a validated chemistry, for :func:`lookup`.

    Implements: SWR_CELL_002, SWR_CELL_005
    """
    dynamic = (
        chemistry.r0_ohm,
        chemistry.r1_ohm,
        chemistry.r2_ohm,
        chemistry.tau1_s,
        chemistry.tau2_s,
    )
    curvature = _curvature(chemistry.kinetic_current_a, chemistry.ocv_v)
    grid = np.array([chemistry.ocv_v, *dynamic, curvature], dtype=np.float64)
    soc = np.array(chemistry.soc_breakpoints, dtype=np.float64)
    temperature = np.array(chemistry.temperature_breakpoints_degc, dtype=np.float64)
    capacity = np.array(chemistry.capacity_ah_by_temperature, dtype=np.float64)
    fit = _fit_rmse_by_breakpoint(chemistry)
    coefficients = _coefficients(grid, soc, capacity, fit)
    charge_coefficients = coefficients
    has_kinetics = chemistry.kinetic_current_a is not None
    if chemistry.charge is not None:
        section = chemistry.charge
        charge_resistances = (section.r0_ohm, section.r1_ohm, section.r2_ohm)
        charge_curvature = _curvature(section.kinetic_current_a, chemistry.ocv_v)
        has_kinetics = has_kinetics or section.kinetic_current_a is not None
        charge_grid = np.array(
            [
                chemistry.ocv_v,
                *charge_resistances,
                chemistry.tau1_s,
                chemistry.tau2_s,
                charge_curvature,
            ],
            dtype=np.float64,
        )
        charge_coefficients = _coefficients(charge_grid, soc, capacity, fit)
    t_inverse = 1.0 / np.diff(temperature) if temperature.size > 1 else np.zeros(1)
    widths = np.diff(soc)
    uniform = bool(np.all(np.abs(widths - widths[0]) <= 1e-12 * widths[0]))
    return CellTables(
        soc=soc,
        temperature_degc=temperature,
        capacity_ah=capacity,
        nominal_capacity_ah=chemistry.nominal_capacity_ah,
        min_voltage_v=chemistry.min_voltage_v,
        max_voltage_v=chemistry.max_voltage_v,
        coefficients=coefficients,
        charge_coefficients=charge_coefficients,
        has_charge_tables=chemistry.charge is not None,
        has_kinetics=has_kinetics,
        bend_limit_a=BEND_LIMIT_C_RATE * chemistry.nominal_capacity_ah,
        ocv_coefficients=np.ascontiguousarray(coefficients[:, Row.OCV]),
        circuit_coefficients=np.ascontiguousarray(coefficients[:, : Row.FIT_RMSE]),
        soc_inverse_span=1.0 / widths,
        soc_uniform_step=float(widths[0]) if uniform else 0.0,
        temperature_inverse_span=t_inverse,
        fit_rmse_v=fit,
        temperature_position=np.arange(temperature.size, dtype=np.float64),
        soc_position=np.arange(soc.size, dtype=np.float64),
        ocv_median_slope_v=_median_mid_slope(np.asarray(chemistry.ocv_v, np.float64), soc),
    )


def _median_mid_slope(ocv_v: FloatArray, soc: FloatArray) -> float:
    """Median OCV slope over the segments whose middle lies in 10-90 % SoC (all temperatures)."""
    middle = 0.5 * (soc[1:] + soc[:-1])
    inside = (middle >= _MID_SOC[0]) & (middle <= _MID_SOC[1])
    slopes = np.diff(ocv_v, axis=1) / np.diff(soc)
    return float(np.median(slopes[:, inside] if inside.any() else slopes))


def _bracket(
    axis: FloatArray, inverse_span: FloatArray, values: FloatArray
) -> tuple[IndexArray, FloatArray]:
    """Segment index and weight in the segment of each value, clamped to the axis."""
    last = axis.shape[0] - 1
    if last == 0:
        return np.zeros(values.shape, dtype=np.intp), np.zeros(values.shape)
    clamped = np.minimum(np.maximum(values, axis[0]), axis[-1])
    lower = np.minimum(np.searchsorted(axis, clamped, side="right") - 1, last - 1)
    weight: FloatArray = (clamped - axis[lower]) * inverse_span[lower]
    return lower, weight


def soc_bracket(tables: CellTables, soc: FloatArray) -> tuple[IndexArray, FloatArray]:
    """SoC segment of each value and its weight in it, clamped to the grid.

    On a uniform grid by arithmetic (no search, no gather).

    Implements: SWR_CELL_002
    """
    step = tables.soc_uniform_step
    if step == 0.0:
        return _bracket(tables.soc, tables.soc_inverse_span, soc)
    axis = tables.soc
    last = axis.shape[0] - 1
    position = (np.minimum(np.maximum(soc, axis[0]), axis[-1]) - axis[0]) * (1.0 / step)
    lower = np.minimum(position.astype(np.intp), last - 1)
    weight: FloatArray = position - lower
    return lower, weight


def temperature_bracket(
    tables: CellTables, temperature_degc: FloatArray
) -> tuple[IndexArray, FloatArray]:
    """First grid-cell index of each temperature's segment, and the weight in it.

    Computed once per step and shared by :func:`lookup_rows` and the
    OCV-only lookups of that step.

    Implements: SWR_CELL_002
    """
    segment, weight = _bracket(
        tables.temperature_degc, tables.temperature_inverse_span, temperature_degc
    )
    base: IndexArray = segment * tables.soc_inverse_span.shape[0]
    return base, weight


def lookup_rows(
    tables: CellTables,
    base: IndexArray,
    t_weight: FloatArray,
    soc: FloatArray,
    charging: BoolArray | None = None,
) -> FloatArray:
    """Every :class:`Row` at each cell, shape (rows, cells), from a :func:`temperature_bracket`.

    ``charging`` (shape (cells,), or one value for all) selects the charge
    tables' resistances for the cells it marks (those whose current is below
    zero); ``None`` reads the top-level tables for every cell.

    Implements: SWR_CELL_002, SWR_CELL_005
    """
    s_segment, s_weight = soc_bracket(tables, soc)
    return lookup_rows_at(tables, base + s_segment, s_weight, t_weight, charging)


def lookup_rows_at(
    tables: CellTables,
    cells: IndexArray,
    s_weight: FloatArray,
    t_weight: FloatArray,
    charging: BoolArray | None = None,
) -> FloatArray:
    """:func:`lookup_rows` from grid-cell indices and both weights already known.

    Implements: SWR_CELL_002, SWR_CELL_005
    """
    c = np.take(tables.coefficients, cells, axis=2)
    if charging is not None and tables.has_charge_tables:
        c = np.where(charging, np.take(tables.charge_coefficients, cells, axis=2), c)
    result: FloatArray = c[0] + c[1] * s_weight + (c[2] + c[3] * s_weight) * t_weight
    return result


def ocv_rows(
    tables: CellTables, base: IndexArray, t_weight: FloatArray, soc: FloatArray
) -> FloatArray:
    """The OCV alone at each (temperature bracket, SoC), shape (cells,).

    Implements: SWR_CELL_002
    """
    s_segment, s_weight = soc_bracket(tables, soc)
    return ocv_at(tables, base + s_segment, s_weight, t_weight)


def ocv_at(
    tables: CellTables, cells: IndexArray, s_weight: FloatArray, t_weight: FloatArray
) -> FloatArray:
    """:func:`ocv_rows` from grid-cell indices and both weights already known.

    Implements: SWR_CELL_002
    """
    c = np.take(tables.ocv_coefficients, cells, axis=1)
    result: FloatArray = c[0] + c[1] * s_weight + (c[2] + c[3] * s_weight) * t_weight
    return result


def lookup(
    tables: CellTables,
    temperature_degc: FloatArray,
    soc: FloatArray,
    charging: BoolArray | None = None,
) -> CellParameters:
    """Every parameter at each cell's (temperature, SoC), bilinear and clamped at the edges.

    Implements: SWR_CELL_002, SWR_CELL_005

    Args:
        tables: from :func:`cell_tables`.
        temperature_degc: cell temperatures, shape (cells,).
        soc: cell states of charge, shape (cells,).
        charging: which cells read the charge resistances (those whose
            current is below zero), shape (cells,) or one value; ``None`` for none.

    Returns:
        The parameters, each of shape (cells,). The OCV slope is that of the
        SoC segment holding the (clamped) SoC, so it stays informative at the
        table edges.
    """
    base, t_weight = temperature_bracket(tables, np.asarray(temperature_degc, dtype=np.float64))
    rows = lookup_rows(tables, base, t_weight, np.asarray(soc, dtype=np.float64), charging)
    return CellParameters(
        ocv_v=rows[Row.OCV],
        docv_dsoc_v=rows[Row.DOCV_DSOC],
        r0_ohm=rows[Row.R0],
        r1_ohm=rows[Row.R1],
        tau1_s=rows[Row.TAU1],
        r2_ohm=rows[Row.R2],
        tau2_s=rows[Row.TAU2],
        kinetic_curvature_per_a=rows[Row.KINETIC],
        capacity_ah=rows[Row.CAPACITY],
    )


def ocv(tables: CellTables, temperature_degc: FloatArray, soc: FloatArray) -> FloatArray:
    """Open-circuit voltage only, bilinear and clamped: a cheaper :func:`lookup`.

    Implements: SWR_CELL_002
    """
    base, t_weight = temperature_bracket(tables, np.asarray(temperature_degc, dtype=np.float64))
    return ocv_rows(tables, base, t_weight, np.asarray(soc, dtype=np.float64))
