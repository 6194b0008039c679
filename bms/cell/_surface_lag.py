"""The particles' surface lag: each electrode's potential read where the lithium is, at the surface.

ASIL: QM(D) (estimation channel and test plant). Requirements: SWR_CELL_007.

The OCV table is the cell's potential at rest, when every particle's
lithium is spread evenly. Under load the lithium enters and leaves through
the particles' surface, which runs ahead of their mean concentration by a
lag that diffusion sets, and the electrode's potential is that of its
surface. On a flat potential the lag costs nothing; on a step, such as the
graphite's stage step that PyBaMM's Prada2013 LFP cell crosses at 70 to
80 % SoC, it costs up to 17 mV at C/4, which no resistance of fixed value
follows (the fitted resistances are right only where the slope is the one
of their calibration level).

For a sphere of radius ``R`` and constant diffusivity ``D`` whose mean
stoichiometry moves at a rate ``r`` (Crank, "The Mathematics of Diffusion",
1975, eq. 6.30 in the flux form), the surface runs ahead of the mean by::

    delta(t) = r tau / 3 [1/5 - 2 sum_k exp(-l_k^2 t / tau) / l_k^2],  tau = R^2 / D

from rest, with ``l_k`` the positive roots of ``tan l = l``: the steady lag
``r tau / 15`` is approached through modes of time constants ``tau / l_k^2``.
Here the lag is a sum of the first :data:`DIFFUSION_EIGENVALUES` modes, each
a first-order filter of the rate ``r`` (exact for a rate held over a step),
plus one more filter for all the modes left out: its steady gain is theirs
(14.5 % of the steady lag, which it keeps exact) and its time constant their
gain-weighted mean, ``tau / 1458`` (from ``sum 1 / l_k^2 = 1 / 10`` and ``sum
1 / l_k^4 = 1 / 350`` over all modes), so that a current step raises the lag
in seconds rather than at once. The rate is
the SoC's, ``-I / (3600 C)``, times the electrode's stoichiometry span
across the SoC, so that one current drives both electrodes. The cell's
voltage then gains::

    V_lag = [U_p(th_p + d_p) - U_p(th_p)] - [U_n(th_n + d_n) - U_n(th_n)]

``U`` each electrode's potential (:class:`bms.cell.ElectrodePotential`, from the
physics model's own functions), ``th`` its bulk stoichiometry at the SoC. The
lag is linear in the current history and needs no state estimate: it is
driven by the measured current alone.

Against PyBaMM's DFN, with nothing fitted (``tau`` is the set's ``R^2 /
D``), this predicts the DFN's own surface-minus-bulk potentials to 1.1 mV rms
on the Prada2013 LFP cell over two HWFETs (a lag of 10.5 mV rms) and to 2.7
to 4.1 mV rms on the Chen2020 NMC cell's HWFET and 0.7C charge (24 and 64 mV
rms) (``verification/scripts/surface_lag_check.py``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell._chemistry import Chemistry, ElectrodePotential, Electrodes

__all__ = [
    "DIFFUSION_EIGENVALUES",
    "SurfaceLagModel",
    "advance_surface_lag",
    "electrodes_lag_model",
    "initial_surface_lag",
    "surface_lag_along",
    "surface_lag_factors",
    "surface_lag_gradient",
    "surface_lag_model",
    "surface_lag_response",
    "surface_lag_step",
    "surface_lag_voltage",
    "surface_offset",
]

FloatArray = npt.NDArray[np.float64]

DIFFUSION_EIGENVALUES = (
    4.493409457909,
    7.725251836938,
    10.904121659429,
    14.066193912831,
    17.220755271931,
    20.371302959288,
)
"""The first positive roots of ``tan l = l``: the spherical particle's diffusion modes."""
_MODE_GAIN = 2.0 / 3.0
_KEPT = np.square(np.array(DIFFUSION_EIGENVALUES))
_TAIL_STEADY = 1.0 / 15.0 - _MODE_GAIN * float(np.sum(1.0 / _KEPT))
"""The steady lag of the modes left out, as a share of ``tau r`` (0.0096)."""
_TAIL_EIGEN2 = _TAIL_STEADY / (_MODE_GAIN * (1.0 / 350.0 - float(np.sum(1.0 / _KEPT**2))))
"""``tau`` over the modes-left-out's gain-weighted mean time constant (1458)."""
_EIGEN2 = np.append(_KEPT, _TAIL_EIGEN2)[None, :, None]  # (1, filters, 1)
_STEADY_SHARE = np.append(np.full(_KEPT.size, _MODE_GAIN) / _KEPT, _TAIL_STEADY)[None, :, None]
"""Each filter's steady lag as a share of ``tau r``: ``gain / l^2`` (the tail's keeps its own)."""
_SECONDS_PER_HOUR = 3600.0
_SIDES = ("negative", "positive")


@dataclass(frozen=True)
class SurfaceLagModel:
    """Both electrodes' data as arrays, built once from a chemistry (negative first)."""

    stoichiometry: tuple[FloatArray, FloatArray]
    """Each electrode's stoichiometry breakpoints."""
    potential_v: tuple[FloatArray, FloatArray]
    """Each electrode's potential at its breakpoints."""
    at_empty: FloatArray
    """Bulk stoichiometry at SoC 0, shape (2, 1)."""
    span: FloatArray
    """Stoichiometry change from SoC 0 to SoC 1, shape (2, 1) (negative for the positive)."""
    temperature_degc: FloatArray
    """The chemistry's temperature breakpoints."""
    diffusion_time_s: FloatArray
    """``R^2 / D`` per electrode and temperature breakpoint, shape (2, temperatures)."""
    potential_slope: tuple[FloatArray, FloatArray]
    """Each electrode's potential slope on each segment between its breakpoints, V per unit
    stoichiometry, with 0 appended at both ends (beyond the breakpoints it reads flat)."""


def surface_lag_model(chemistry: Chemistry) -> SurfaceLagModel | None:
    """The chemistry's electrodes as arrays; ``None`` for a file without them.

    Implements: SWR_CELL_007
    """
    electrodes = chemistry.electrodes
    if electrodes is None:
        return None
    return electrodes_lag_model(electrodes, chemistry.temperature_breakpoints_degc)


def electrodes_lag_model(
    electrodes: Electrodes, temperature_breakpoints_degc: Sequence[float]
) -> SurfaceLagModel:
    """An ``electrodes`` section as arrays (``bms calibrate`` fits with it before the file exists).

    Implements: SWR_CELL_007
    """
    sides: list[ElectrodePotential] = [getattr(electrodes, side) for side in _SIDES]
    return SurfaceLagModel(
        stoichiometry=(
            np.array(sides[0].stoichiometry_breakpoints),
            np.array(sides[1].stoichiometry_breakpoints),
        ),
        potential_v=(np.array(sides[0].potential_v), np.array(sides[1].potential_v)),
        at_empty=np.array([[side.stoichiometry_at_empty] for side in sides]),
        span=np.array(
            [[side.stoichiometry_at_full - side.stoichiometry_at_empty] for side in sides]
        ),
        temperature_degc=np.array(temperature_breakpoints_degc, dtype=np.float64),
        diffusion_time_s=np.array([side.diffusion_time_s for side in sides]),
        potential_slope=(_segment_slopes(sides[0]), _segment_slopes(sides[1])),
    )


def _segment_slopes(side: ElectrodePotential) -> FloatArray:
    """The potential's slope on each segment, 0 before the first breakpoint and after the last."""
    slopes = np.diff(side.potential_v) / np.diff(side.stoichiometry_breakpoints)
    return np.concatenate(([0.0], slopes, [0.0]))


def initial_surface_lag(cells: int) -> FloatArray:
    """The filters of ``cells`` cells at rest (no lag), shape (2, modes + 1, cells)."""
    return np.zeros((2, len(DIFFUSION_EIGENVALUES) + 1, cells))


def surface_lag_factors(
    model: SurfaceLagModel,
    *,
    dt_s: float,
    temperature_degc: FloatArray,
    capacity_ah: FloatArray | float,
) -> tuple[FloatArray, FloatArray]:
    """Each filter's decay over ``dt_s`` and steady lag per ampere, both (2, filters, cells).

    ``a = exp(-l_k^2 dt / tau)`` and ``g_k (tau / l_k^2)`` times the rate of
    one ampere: what :func:`surface_lag_step` advances the filters with, for
    a caller that drives the same filters with two currents (the SoC filter:
    the cell current and the offset's derivative).

    Implements: SWR_CELL_007
    """
    times = np.stack(
        [
            np.interp(temperature_degc, model.temperature_degc, model.diffusion_time_s[side])
            for side in range(2)
        ]
    )  # tau of each electrode and cell, shape (2, cells)
    rate_tau = np.multiply(model.span, times)
    rate_tau /= np.multiply(capacity_ah, -_SECONDS_PER_HOUR)
    per_ampere = np.multiply(_STEADY_SHARE, rate_tau[:, None, :])
    decay = np.divide(-dt_s * _EIGEN2, times[:, None, :])
    np.exp(decay, out=decay)
    return decay, per_ampere


def surface_lag_step(  # noqa: PLR0913 - the step's inputs are exactly these
    model: SurfaceLagModel,
    modes: FloatArray,
    *,
    current_a: FloatArray | float,
    dt_s: float,
    temperature_degc: FloatArray,
    capacity_ah: FloatArray | float,
) -> FloatArray:
    """The filters after ``dt_s`` at a held current (discharge positive).

    Each filter ``x_k`` is a first-order filter of the rate ``r``, advanced
    exactly: ``x_k' = a (x_k - s_k) + s_k``, ``a = exp(-l_k^2 dt / tau)``,
    towards its steady lag ``s_k = g_k (tau / l_k^2) r``, ``g_k = 2/3`` for
    the modes kept (the tail's gain keeps its steady lag). It runs in the
    SoC filter's every step, so it is written for few numpy calls.

    Implements: SWR_CELL_007
    """
    decay, per_ampere = surface_lag_factors(
        model, dt_s=dt_s, temperature_degc=temperature_degc, capacity_ah=capacity_ah
    )
    return advance_surface_lag(modes, decay, np.multiply(per_ampere, current_a))


def advance_surface_lag(modes: FloatArray, decay: FloatArray, steady: FloatArray) -> FloatArray:
    """The filters ``modes`` advanced towards ``steady`` by ``decay``: ``a (x - s) + s``.

    Implements: SWR_CELL_007
    """
    result: FloatArray = np.subtract(modes, steady)
    result *= decay
    result += steady
    return result


def surface_lag_response(
    model: SurfaceLagModel,
    modes: FloatArray,
    *,
    horizon_s: float,
    temperature_degc: FloatArray,
    capacity_ah: FloatArray | float,
) -> tuple[FloatArray, FloatArray]:
    """Each electrode's surface offset after holding a current for ``horizon_s``, as two parts.

    The filters are linear in the current: after a current ``I`` (discharge
    positive) held from ``modes``, the offset is ``free + per_ampere I``;
    both of shape (2, cells). For limits over a horizon (the State of
    Function).

    Implements: SWR_CELL_007
    """
    at_rest = surface_lag_step(
        model, modes, current_a=0.0, dt_s=horizon_s,
        temperature_degc=temperature_degc, capacity_ah=capacity_ah,
    )  # fmt: skip
    forced = surface_lag_step(
        model, np.zeros_like(modes), current_a=1.0, dt_s=horizon_s,
        temperature_degc=temperature_degc, capacity_ah=capacity_ah,
    )  # fmt: skip
    return surface_offset(at_rest), surface_offset(forced)


def surface_offset(modes: FloatArray) -> FloatArray:
    """Each electrode's surface stoichiometry minus its bulk one, shape (2, cells).

    Implements: SWR_CELL_007
    """
    result: FloatArray = modes.sum(axis=1)
    return result


def surface_lag_voltage(model: SurfaceLagModel, soc: FloatArray, offset: FloatArray) -> FloatArray:
    """The cell voltage the surface lag adds to the OCV at ``soc``, shape (cells,).

    Each electrode's potential at its surface minus at its bulk stoichiometry,
    the positive's added and the negative's subtracted. A surface beyond the
    electrode's breakpoints reads the end value (the file's breakpoints reach
    past the SoC window by the margin ``bms calibrate`` gives them).

    Implements: SWR_CELL_007
    """
    bulk = model.at_empty + model.span * np.asarray(soc, dtype=np.float64)
    change = np.stack(
        [
            np.interp(bulk[side] + offset[side], model.stoichiometry[side], model.potential_v[side])
            - np.interp(bulk[side], model.stoichiometry[side], model.potential_v[side])
            for side in range(2)
        ]
    )
    result: FloatArray = change[1] - change[0]  # positive minus negative
    return result


def surface_lag_gradient(model: SurfaceLagModel, soc: FloatArray, offset: FloatArray) -> FloatArray:
    """The lag voltage's derivative in each electrode's surface offset, shape (2, cells).

    The slope of each electrode's potential at its surface (the segment that
    holds it), the negative's with its sign turned, as in
    :func:`surface_lag_voltage`: what a change of the offset costs the cell
    voltage, for the SoC filter's Jacobian (the offset's dependence on the
    current sensor's offset, :mod:`bms.estimation._soc_ekf`).

    Implements: SWR_CELL_007
    """
    surface = model.at_empty + model.span * np.asarray(soc, dtype=np.float64) + offset
    gradient = np.stack(
        [
            model.potential_slope[side][
                np.searchsorted(model.stoichiometry[side], surface[side], side="right")
            ]
            for side in range(2)
        ]
    )
    gradient[0] *= -1.0  # positive minus negative
    return gradient


def surface_lag_along(  # noqa: PLR0913 - a record's columns, keyword-only
    model: SurfaceLagModel,
    *,
    time_s: FloatArray,
    current_a: FloatArray,
    temperature_degc: FloatArray,
    soc: FloatArray,
    capacity_ah: float,
) -> FloatArray:
    """The lag's voltage at every sample of one cell's record that starts at rest.

    The current over each interval is its end sample's (a record of a
    current held over its output period). For records: the calibration's
    fits and the checks against the physics model, not the control path.

    Implements: SWR_CELL_007
    """
    modes = initial_surface_lag(1)
    lag = np.zeros(len(time_s))
    for index in range(1, lag.size):
        modes = surface_lag_step(
            model,
            modes,
            current_a=float(current_a[index]),
            dt_s=float(time_s[index] - time_s[index - 1]),
            temperature_degc=temperature_degc[index : index + 1],
            capacity_ah=capacity_ah,
        )
        lag[index] = surface_lag_voltage(model, soc[index : index + 1], surface_offset(modes))[0]
    return lag
