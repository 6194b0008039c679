"""Lithium-plating margin and plating-limited charge current of each cell, from the map.

ASIL: QM(D) (estimation channel). Requirements: SWR_PLAT_002, SWR_PLAT_003.

A chemistry's :class:`~bms.cell.PlatingMap` (built offline by
``bms plating-map`` from PyBaMM's DFN) holds the anode potential against
lithium at the separator during charges, on a (temperature, SoC, current)
grid, and the largest charge current per cell that keeps it at or above the
map's margin on the (temperature, SoC) grid. :func:`plating_limits` reads
both for every cell from its SoC estimate, its standard deviation and its
temperature:

* the **limit** is taken at the conservative end: the SoC moved up by
  ``soc_sigmas`` standard deviations (the limit falls as SoC rises), or to a
  second upper bound when that is higher (``soc_upper``, e.g.
  :func:`coulomb_soc_upper`, the charge counted since a known start: LFP's
  flat OCV can leave the filter's own bound below the truth while it
  charges), and the
  colder of the two temperature breakpoints around the cell (the limit rises
  with temperature, so the colder row is the smaller), linear in SoC between
  breakpoints;
* the **margin** (the anode potential against lithium; plating starts below
  0 V) at a given charge current is interpolated linearly in temperature and
  SoC and linearly in the logarithm of the current (the potential is convex
  in current, so this chord lies below it) at the SoC estimate, and its
  **lower bound** at the conservative end as above, with the smaller of the
  two SoC breakpoints' potentials instead of the chord in SoC (the potential
  steps across graphite's staging plateaus between breakpoints); below the
  smallest current breakpoint the smallest current's potential is used (a lower
  current only raises the potential), above the largest the last segment is
  extended linearly in current.

Fallbacks (never raises): without a map, every cell's limit is 0 A; with a
temperature outside the map's breakpoints, or a non-finite input, every
cell's limit is the map's smallest entry (0 A without a map); in both cases
the margins are NaN and :attr:`PlatingLimits.fallback_reason` says why.

Hand-written interpolation (a few ``numpy`` calls) for the same reason as
:mod:`bms.cell._tables`: scipy's interpolators re-validate on every call.
For the same reason a caller that reads the map every estimation step
converts it once (:func:`plating_tables`): turning the map's nested tuples
into arrays costs more than the interpolation.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell import PlatingMap

__all__ = [
    "PlatingLimits",
    "PlatingTables",
    "coulomb_soc_upper",
    "plating_limits",
    "plating_tables",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

_SOC_SIGMAS = 3.0
"""Standard deviations a SoC bound adds by default (the limit's, and the coulomb bound's)."""


@dataclass(frozen=True)
class PlatingLimits:
    """Each cell's plating-limited charge current and plating margin."""

    cell_charge_current_a: FloatArray
    """Largest charge current per cell keeping the anode above the map's margin (A, >= 0)."""
    margin_v: FloatArray
    """Estimated anode potential against lithium at the given charge current (NaN on fallback)."""
    margin_lower_v: FloatArray
    """Its lower bound (conservative SoC and temperature; NaN on fallback)."""
    fallback_reason: str | None = None
    """Why the most conservative limit applies; None when the map covered every cell."""

    @property
    def min_cell_charge_current_a(self) -> float:
        """The smallest cell limit (0 for an empty pack)."""
        limits = self.cell_charge_current_a
        return float(limits.min()) if limits.size else 0.0


@dataclass(frozen=True)
class PlatingTables:
    """A plating map's axes and tables as arrays (:func:`plating_tables`)."""

    temperature_degc: FloatArray
    """Temperature breakpoints, shape (T,)."""
    soc: FloatArray
    """SoC breakpoints, shape (S,)."""
    current_a: FloatArray
    """Charge-current breakpoints per cell, shape (I,)."""
    max_charge_current_a: FloatArray
    """Plating-limited charge current per cell, shape (T, S)."""
    anode_potential_v: FloatArray
    """Anode potential against lithium at the separator, shape (T, S, I)."""
    smallest_limit_a: float
    """The map's most conservative limit, >= 0: the fallback."""


def plating_tables(plating: PlatingMap) -> PlatingTables:
    """The map as arrays, converted once for a caller that reads it every step."""
    limits = np.asarray(plating.max_charge_current_a, dtype=np.float64)
    return PlatingTables(
        temperature_degc=np.asarray(plating.temperature_breakpoints_degc, dtype=np.float64),
        soc=np.asarray(plating.soc_breakpoints, dtype=np.float64),
        current_a=np.asarray(plating.current_breakpoints_a, dtype=np.float64),
        max_charge_current_a=limits,
        anode_potential_v=np.asarray(plating.anode_potential_v, dtype=np.float64),
        smallest_limit_a=max(float(limits.min()), 0.0),
    )


def _fallback(tables: PlatingTables | None, cells: int, reason: str) -> PlatingLimits:
    floor = 0.0 if tables is None else tables.smallest_limit_a
    nan = np.full(cells, np.nan)
    return PlatingLimits(np.full(cells, floor), nan, nan.copy(), reason)


def _segment(axis: FloatArray, values: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Left breakpoint index and weight in [0, 1] of each value (clamped at the ends)."""
    if axis.size == 1:
        return np.zeros(values.shape, dtype=np.intp), np.zeros(values.shape)
    # np.minimum/np.maximum rather than np.clip: the same result at a fraction of the calls.
    clamped = np.minimum(np.maximum(values, axis[0]), axis[-1])
    index = np.searchsorted(axis, clamped, side="right") - 1
    np.minimum(index, axis.size - 2, out=index)  # >= 0: clamped is at least axis[0]
    weight = (clamped - axis[index]) / (axis[index + 1] - axis[index])
    return index, weight


def _along_soc(
    table: FloatArray, row: npt.NDArray[np.intp], soc_axis: FloatArray, soc: FloatArray
) -> FloatArray:
    """Each cell's value of ``table[row]`` at its SoC, linear in SoC (table shape (T, S, ...))."""
    index, weight = _segment(soc_axis, soc)
    if table.ndim == 3:  # the (T, S, I) cube
        weight = weight[:, None]
    result: FloatArray = table[row, index] * (1.0 - weight) + table[row, index + 1] * weight
    return result


def _soc_bracket_min(
    cube: FloatArray, row: npt.NDArray[np.intp], soc_axis: FloatArray, soc: FloatArray
) -> FloatArray:
    """The smaller of the two SoC breakpoints' rows around each cell (cube shape (T, S, I)).

    The potential steps down across graphite's staging plateaus between
    breakpoints, so a chord in SoC can lie above it; the smaller end cannot.
    Exactly at a breakpoint, that breakpoint's row.
    """
    index, weight = _segment(soc_axis, soc)
    left, right = cube[row, index], cube[row, index + 1]
    result: FloatArray = np.where(
        (weight <= 0.0)[:, None],
        left,
        np.where((weight >= 1.0)[:, None], right, np.minimum(left, right)),
    )
    return result


def _along_current(
    potentials: FloatArray, current_axis: FloatArray, current_a: FloatArray
) -> FloatArray:
    """Each cell's potential (rows of ``potentials``) at its current; see the module doc."""
    if current_axis.size == 1:
        return potentials[:, 0].copy()
    low = np.maximum(current_a, current_axis[0])
    index = np.searchsorted(current_axis, low, side="right") - 1  # >= 0: low >= the first
    np.minimum(index, current_axis.size - 2, out=index)
    left_a, right_a = current_axis[index], current_axis[index + 1]
    inside = np.log(np.minimum(low, right_a) / left_a) / np.log(right_a / left_a)
    beyond = np.maximum(low - right_a, 0.0) / (right_a - left_a)  # linear extension
    weight = inside + beyond
    cells = np.arange(potentials.shape[0])
    left, right = potentials[cells, index], potentials[cells, index + 1]
    result: FloatArray = left + (right - left) * weight
    return result


def plating_limits(  # noqa: PLR0913 - the inputs of the estimate
    plating: PlatingMap | PlatingTables | None,
    *,
    soc: FloatArray,
    soc_sigma: FloatArray,
    temperature_degc: FloatArray,
    charge_current_a: float = 0.0,
    soc_sigmas: float = _SOC_SIGMAS,
    soc_upper: FloatArray | None = None,
) -> PlatingLimits:
    """Plating-limited charge current and plating margin of each cell (see the module doc).

    Implements: SWR_PLAT_002, SWR_PLAT_003

    Args:
        plating: the chemistry's map, or its :func:`plating_tables` (converted
            once by a caller that reads it every step); None if it has none.
        soc: SoC estimate of each cell.
        soc_sigma: its standard deviation.
        temperature_degc: each cell's temperature.
        charge_current_a: charge current per cell (magnitude) the margin is estimated at.
        soc_sigmas: standard deviations added to the SoC at the conservative end.
        soc_upper: another upper bound of each cell's SoC (e.g.
            :func:`coulomb_soc_upper`); the conservative end is then the
            larger of the two. None: the estimate's bound alone.

    Returns:
        The limits; the most conservative ones, with the reason, when the map
        is missing or does not cover a cell, or an input is not finite.
    """
    socs = np.asarray(soc, dtype=np.float64).reshape(-1)
    sigmas = np.asarray(soc_sigma, dtype=np.float64).reshape(-1)
    temperatures = np.asarray(temperature_degc, dtype=np.float64).reshape(-1)
    cells = socs.size
    if plating is None:
        return _fallback(None, cells, "the chemistry has no plating map: charge limited to 0 A")
    if isinstance(plating, PlatingMap):
        plating = plating_tables(plating)
    if sigmas.size != cells or temperatures.size != cells:
        return _fallback(plating, cells, "SoC, sigma and temperature differ in length")
    uppers = socs if soc_upper is None else np.asarray(soc_upper, dtype=np.float64).reshape(-1)
    if uppers.size != cells:
        return _fallback(plating, cells, "SoC upper bound differs in length")
    finite = (socs, sigmas, temperatures, uppers, np.array([charge_current_a, soc_sigmas]))
    if not all(np.all(np.isfinite(values)) for values in finite):
        return _fallback(plating, cells, "a SoC, sigma, temperature or current is not finite")
    t_axis = plating.temperature_degc
    if cells and (temperatures.min() < t_axis[0] or temperatures.max() > t_axis[-1]):
        return _fallback(
            plating,
            cells,
            f"cell temperature {temperatures.min():g}..{temperatures.max():g} degC outside the "
            f"plating map's {t_axis[0]:g}..{t_axis[-1]:g} degC",
        )
    soc_axis, current_axis = plating.soc, plating.current_a
    limits, cube = plating.max_charge_current_a, plating.anode_potential_v
    high_soc = np.minimum(np.maximum(socs + abs(soc_sigmas) * np.abs(sigmas), uppers), 1.0)
    np.maximum(high_soc, 0.0, out=high_soc)
    t_index, t_weight = _segment(t_axis, temperatures)
    cold = t_index  # the colder breakpoint: the smaller limit (the map is monotone)
    at_top = t_weight >= 1.0  # exactly at the hottest breakpoint: that row
    cold = np.where(at_top, np.minimum(t_index + 1, t_axis.size - 1), cold)
    limit = np.maximum(_along_soc(limits, cold, soc_axis, high_soc), 0.0)
    current = np.full(cells, abs(charge_current_a))
    lower = _along_current(_soc_bracket_min(cube, cold, soc_axis, high_soc), current_axis, current)
    warm = np.minimum(t_index + 1, t_axis.size - 1)
    at_estimate = _along_soc(cube, t_index, soc_axis, socs) * (1.0 - t_weight[:, None]) + (
        _along_soc(cube, warm, soc_axis, socs) * t_weight[:, None]
    )
    margin = _along_current(at_estimate, current_axis, current)
    return PlatingLimits(limit, margin, np.minimum(lower, margin))


def coulomb_soc_upper(  # noqa: PLR0913 - the bound's inputs
    start_soc: FloatArray | float,
    *,
    start_sigma: FloatArray | float,
    charged_ah: float,
    elapsed_s: float,
    capacity_ah: FloatArray | float,
    capacity_lower_ah: FloatArray | float,
    gain_error: float,
    offset_a: float,
) -> FloatArray:
    """An upper bound of each cell's SoC from the charge counted since a known start.

    Implements: SWR_PLAT_002

    ``start_soc`` and ``start_sigma`` are the SoC estimate at the start (e.g.
    after a rest) and its standard deviation, ``charged_ah`` is the measured
    net charge put in since then (charge positive), ``gain_error`` and
    ``offset_a`` bound the current sensor's relative gain error and offset,
    ``capacity_ah`` is each cell's capacity estimate and
    ``capacity_lower_ah`` its lower bound (the estimate less three standard
    deviations). The true charge put in is at most ``q = (charged_ah +
    offset_a * elapsed_s / 3600) / (1 - gain_error)`` (``1 + gain_error``
    when that is negative), whatever the SoC filter believes: a bound that
    does not depend on the OCV, for a chemistry whose flat OCV leaves the
    filter's own bound unreliable while charging.

    The bound is ``start_soc + q / capacity_ah`` plus the root sum of squares
    of the two independent errors' three-sigma excursions: the start's,
    ``3 start_sigma``, and the capacity's, ``q / capacity_lower_ah - q /
    capacity_ah`` (exact in the capacity, not linearised: 1/C is convex).
    The sensor's error bounds are worst cases, not sigmas, and stay in
    ``q``. Adding the two excursions instead would bound a joint event
    rarer than either three-sigma one and cost a new LFP pack's 10-80 %
    charge 7 % of time against a CC-CV (docs/validation/plating). Clamped
    to [0, 1]; NaN in, NaN out.
    """
    counted = charged_ah + abs(offset_a) * elapsed_s / 3600.0
    gain = abs(gain_error)
    scale = 1.0 / (1.0 - gain) if counted >= 0.0 else 1.0 / (1.0 + gain)
    charge = counted * scale
    moved = charge / np.asarray(capacity_ah, dtype=np.float64)
    capacity_excursion = charge / np.asarray(capacity_lower_ah, dtype=np.float64) - moved
    start_excursion = _SOC_SIGMAS * np.abs(np.asarray(start_sigma, dtype=np.float64))
    start = np.asarray(start_soc, dtype=np.float64)
    result: FloatArray = np.clip(
        start + moved + np.hypot(start_excursion, capacity_excursion), 0.0, 1.0
    )
    return np.atleast_1d(result)
