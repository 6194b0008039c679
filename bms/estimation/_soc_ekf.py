"""State of Charge: an extended Kalman filter per cell, all cells in one vectorised step.

ASIL: QM(D) (estimation channel, decomposed from the D(D) voltage monitor).
Requirements: SWR_SOC_001, SWR_SOC_002, SWR_SOC_003, SWR_SOC_004, SWR_SOC_005,
SWR_SOC_010.

Plett's EKF on the two-RC equivalent circuit of :mod:`bms.cell` (G. L. Plett,
"Extended Kalman filtering for battery management systems of LiPB-based HEV
battery packs", J. Power Sources 134 (2004)), with one state vector per cell::

    x = [SoC, v1, v2, b, d]   b: current-sensor offset (A), true I = I_meas - b
                              d: relative deviation of the cell's resistances

    SoC' = SoC - (I_meas - b) dt / (3600 C(T))
    v1'  = a1 v1 + R1 (1 + d) (1 - a1) (I_meas - b)   a1 = exp(-dt / tau1)
    v2'  = a2 v2 + R2 (1 + d) (1 - a2) (I_meas - b)   a2 = exp(-dt / tau2)
    b'   = b,  d' = d                                 (random walks)
    v    = OCV(SoC, T) - R0 (1 + d) eta(I_meas - b) - v1 - v2

``eta(I) = I`` for a linear circuit, ``asinh(g I) / g`` up to 1C and its
secant at 1C beyond for a chemistry whose series drop is bent by
Butler-Volmer kinetics (``g = 1 / kinetic_current_a``,
:mod:`bms.cell._kinetics`, SWR_CELL_006); the measurement Jacobian's offset
entry then carries the drop's slope (``1 / sqrt(1 + (g I)^2)`` inside 1C).

A chemistry whose circuit was fitted with the particles' surface lag held
out (:mod:`bms.cell._surface_lag`, SWR_CELL_007) adds it to the predicted
voltage, ``v += V_lag(SoC, d)``: the lag's filters ``d`` are driven by the
cell current ``I - b`` of each step and need no state of their own in the
filter (they are deterministic given the current, like the table lookups),
but the current is ``I - b``, so the offset reaches the voltage through them
too: the step carries their derivative in ``b`` (the same filters driven by
-1 A), adds the lag's share to H's offset entry (each electrode's potential
slope at its surface, ``bms.cell.surface_lag_gradient``) and moves the
filters by that derivative when an update moves ``b``. Without it, a filter
on the LFP cell's steep graphite end (15 % SoC, on its own circuit, kept SoC)
kept the truth inside 3 sigma in 0.938 of the samples; with it, 1.000.
H carries the OCV's slope and, on a chemistry whose OCV is flat, the lag's
slope in SoC too (``surface_lag_slope``). The lag is not second order
everywhere (on PyBaMM's LFP cell under a 0.7C charge it is a 35 mV bump 15
points wide at the graphite's stage step, steeper than the plateau's OCV;
on the NMC cell it outweighs the OCV's slope six-fold at 85-95 % SoC), but
it is only as good as the lag's magnitude, which follows the capacity: its
secant over the SoC's spread in H makes the LFP charges' prior-drawn runs
honest, and would leave an aged NMC cell whose capacity is not yet known
over-confident, so a steep OCV leaves it out (docs/validation). On
PyBaMM's LFP cell the lag is what the filter otherwise missed at the
graphite's stage step: the drive cycles' SoC error there fell from 2.1 to
2.5 % to under 0.5 % (docs/validation).

A power cycle started unsure (the unknown start, or any start at least
``plateau_start_sigma`` unsure) on a flat OCV reports each cell's sigma no
smaller than the plateau's floor, a third of the farthest SoC whose OCV the
voltage cannot tell from the estimate's (:mod:`bms.estimation._soc_plateau`,
SWR_SOC_010): on a flat OCV one Gaussian is over-confident from such a
start. The floor is on the reported sigma (:func:`reported_soc_sigma`),
not on the covariance the filter weighs the voltage with, and a cell gives
it up once its estimate reaches a knee, where the floor is at most
``plateau_release_sigma``.

A chemistry fitted to charge steps too (its ``charge`` section) has
resistances of their own under charge: a cell whose current ``I - b`` is
below zero reads them (the time constants are the same both ways, so the
predicted voltage is continuous through zero current).

The offset state makes the filter robust to a current-sensor offset, the
resistance state to cell-to-cell spread and ageing of the resistance (which
otherwise biases the SoC of each cell by its resistance error times the
current); either can be switched off in :class:`SocFilterTuning`, which then
keeps it at 0 with zero variance. The arrays hold every cell at once, state
major (state (5, cells), covariance (5, 5, cells));
there is no Python loop over cells. Properties kept by construction:

* the covariance update uses the Joseph form (evaluated in closed form for the
  scalar measurement) on a symmetrised prediction, so it stays symmetric
  positive definite;
* the SoC estimate is clamped to [0, 1];
* a non-finite or implausible current, bleed current or step length (outside
  the tuning's ``max_abs_current_a`` and ``(0, max_step_s]``) rejects the whole step (the
  previous state is returned with ``rejected`` set); a non-finite cell
  voltage, or one outside ``voltage_range_v``, skips that cell's measurement
  update (prediction only); a non-finite or out-of-range cell temperature is
  replaced by that cell's last valid one. No NaN ever enters the state.

The measurement Jacobian's SoC entry is the OCV secant over the estimate's
spread (``SoC -/+ sqrt(3) sigma``, the points of an unscented transform)
rather than the tangent of one table segment: a statistical linearisation
that keeps the bound honest across the OCV's knees while the SoC is
uncertain, and tends to the tangent as the bound shrinks. It is the full
statistical linear regression of the OCV on those three points (weights
1/6, 2/3, 1/6; S. Sarkka, *Bayesian Filtering and Smoothing*, Cambridge
2013, section 5.6): with ``b`` the OCV at the SoC less the secant's line
there (the OCV's bend over the spread), the expected OCV is the OCV at the
SoC less ``b / 3`` and the regression's residual variance ``2 b^2 / 9`` adds
to the measurement's. Without them a prior straddling a knee reads the
knee's slope as information at the estimate: on PyBaMM's LFP cell, started
at rest 13 points above the truth (on the plateau below the top knee), the
filter settled at a 1.5-point bound and kept a 13-point error for a whole
drive; with them it converges from any start (docs/validation).

Each cell's input current is the measured string current plus, when the
caller gives it, the current its balancing resistor draws (commanded, so
known: the offset state applies to the measured part only).

The process noise covers the current sensor's white noise (entering through
the input), plus random walks on each state for model error. The
capacity's uncertainty and the current sensor's gain error are not noise:
each scales the coulomb count by a fixed factor, so a cell 5 % off its
capacity is 2 points off after a 40-point charge whatever the sample rate.
The filter *considers* that scale error ``c`` (a Schmidt-Kalman consider
parameter; variance ``hypot(gain, capacity)^2``): it carries the state's
covariance with ``c`` and adds its effect to the SoC's variance as the
charge flows, without estimating ``c`` (the capacity estimator does,
:mod:`bms.estimation._capacity`). Taken as white input noise, as before,
it integrated to almost nothing: on the DFN's 0.7C charges, cells drawn 4
to 8 % off their capacity ended up to 6 points off inside a bound of half a
point (docs/validation). The
measurement noise (:func:`measurement_variance`) is the voltage sensor's plus
the circuit's own error: a rest part, a part proportional to the
overpotentials the circuit predicts (largest, and worst modelled, in the cold
and, for the slow pair's diffusion and the particles' surface lag, under a
sustained load),
optionally floored by the chemistry's pulse-fit residual at the cell's
temperature, all inflated by the error's correlation time over the sample
period so that a correlated model error is not averaged away into an
over-confident bound. All are :class:`SocFilterTuning` fields, each with its
physical reason.

The filter is hand-written on numpy because filterpy's
``ExtendedKalmanFilter`` filters one cell per object (a Python loop over 96
cells); the benchmark in ``verification/bench/bench_estimator.py`` compares both.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell import (
    LINEAR_CURVATURE_PER_A,
    CellModel,
    advance_surface_lag,
    initial_surface_lag,
    surface_lag_factors,
    surface_lag_gradient,
    surface_lag_voltage,
    surface_offset,
)
from bms.estimation._soc_constants import (
    C_CAPACITY,
    C_DIVIDED,
    C_DOCV,
    C_KINETIC,
    C_OCV,
    C_R0,
    C_R12,
    PERCENT,
    SECONDS_PER_HOUR,
    StepConstants,
    scalar,
    step_constants,
)
from bms.estimation._soc_covariance import STATE_SIZE, _index, predict_covariance
from bms.estimation._soc_plateau import plateau_floor, still_marked
from bms.estimation._soc_tuning import SocFilterTuning, measurement_variance

__all__ = [
    "MAX_KEPT_SCALE_CORRELATION",
    "EkfState",
    "SocEstimate",
    "ekf_step",
    "initial_ekf_state",
    "reported_soc_sigma",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

_SOC, _V1, _V2, _BIAS, _DELTA = range(STATE_SIZE)
BoolArray = npt.NDArray[np.bool_]
# The Joseph update's gathers: the row of each of P's 25 flat entries (entry 5 i + j: i),
# and that with each entry's column after it (the outer product g g^T in one gather).
_ROW_OF = _index([i for i in range(STATE_SIZE) for _ in range(STATE_SIZE)])
_OUTER = _index([*_ROW_OF, *(j for _ in range(STATE_SIZE) for j in range(STATE_SIZE))])

_ZERO, _ONE, _MINUS_ONE, _THREE = scalar(0.0), scalar(1.0), scalar(-1.0), scalar(3.0)
_TANGENT_WIDTH = scalar(1e-6)
"""Secant width below which H's SoC entry is the tangent (module docstring)."""
_THIRD, _REGRESSION_SHARE = scalar(1.0 / 3.0), scalar(2.0 / 9.0)
"""The regression's weights: the expected OCV moves by -b/3, its residual variance is 2 b^2/9."""
_LINEAR_CURVATURE = scalar(LINEAR_CURVATURE_PER_A)

MAX_KEPT_SCALE_CORRELATION = 0.99
"""Largest correlation of a kept SoC with the scale error a start takes: below one, so that
the covariance stays positive definite (the sigma grown by the parking lowers it)."""


@dataclass(frozen=True)
class EkfState:
    """The filter's state for every cell, stored state-major (one row per state) for speed."""

    x: FloatArray
    """State vectors [SoC, v1, v2, b, d], shape (5, cells)."""
    p: FloatArray
    """Covariances, shape (5, 5, cells), symmetric positive definite in the first two axes."""
    temperature_degc: FloatArray
    """Last valid temperature of each cell, shape (cells,)."""
    constants: "StepConstants | None" = None
    """What the last step derived from its tuning and step length (reused while they match)."""
    surface_lag: FloatArray | None = None
    """The particles' surface-lag filters of every cell, shape (2, filters, cells), for a
    model with the lag (``None``: at rest)."""
    lag_bias_sensitivity: FloatArray | None = None
    """The same filters' derivative in the current sensor's offset ``b``, shape (2, filters,
    cells): the lag is driven by ``I - b``, so the offset reaches the voltage through it too
    (``None``: zero, as at rest)."""
    capacity_cross: FloatArray | None = None
    """Covariance of the state with the coulomb count's considered scale error, shape (5,
    cells) (``None``: zero, as before any current)."""
    anchor_cross: FloatArray | None = None
    """Covariance of the state's error with the SoC's error at an earlier time, less that
    error's share of the scale error, shape (5, cells) (``None``: none is followed). The
    capacity tracker sets it at a pair's first rest point: the two ends' errors are
    correlated (:mod:`bms.estimation._capacity_pairs`)."""
    plateau_bound: BoolArray | None = None
    """Cells that started unsure (sigma at least the tuning's ``plateau_start_sigma``, or
    kept so) and have not reached a knee since (``plateau_release_sigma``): their
    reported sigma keeps the plateau's floor (:func:`reported_soc_sigma`; ``None``: no
    cell)."""


@dataclass(frozen=True)
class SocEstimate:
    """Result of one filter step."""

    soc: FloatArray
    """SoC estimate of each cell, in [0, 1]."""
    soc_sigma: FloatArray
    """Standard deviation of each SoC estimate (the 3-sigma bound is three times this): the
    filter's, or the plateau's floor where that is larger (:func:`reported_soc_sigma`)."""
    current_bias_a: FloatArray
    """Estimated current-sensor offset seen by each cell's filter."""
    resistance_deviation: FloatArray
    """Estimated relative deviation of each cell's resistance from the model's."""
    innovation_v: FloatArray
    """Measured minus predicted voltage of each cell (0 where not updated)."""
    innovation_sigma_v: FloatArray
    """Standard deviation the filter expected of each innovation, ``sqrt(H P H^T + r)`` (0
    where not updated): the innovation over it is the cell's normalised innovation."""
    innovation_sample_sigma_v: FloatArray
    """The same for one sample on its own: ``r`` without the model error's inflation by its
    correlation time (0 where not updated). What a single innovation is judged by (the
    key-on gate, SWR_SOC_009): it does not depend on the period or the correlation time."""
    voltage_rejected: BoolArray
    """Cells whose voltage was not finite or out of range: no measurement update this step."""
    rejected: bool
    """The whole step was rejected (non-finite current or step length); state unchanged."""


def initial_ekf_state(  # noqa: PLR0913 - the start's parts, the kept sensitivity one of them
    series_count: int,
    initial_soc: FloatArray | float,
    initial_sigma: FloatArray | float,
    tuning: SocFilterTuning,
    temperature_degc: float = 25.0,
    *,
    scale_sensitivity: FloatArray | None = None,
    plateau_bound: BoolArray | None = None,
    constants: StepConstants | None = None,
) -> EkfState:
    """A filter state for ``series_count`` cells at rest.

    The SoC and its sigma are one value for every cell or one per cell (a
    start kept from the last key-off). ``scale_sensitivity`` (a start kept
    with each cell's ``beta``): the SoC's covariance with the considered
    scale error starts at ``beta`` times the tuning's scale variance, its
    correlation clipped to +/-``MAX_KEPT_SCALE_CORRELATION`` so that the
    covariance stays positive definite; None: at zero. A cell started at
    least ``plateau_start_sigma`` unsure, or marked in ``plateau_bound`` (a
    start kept from a cycle that started unsure), keeps the plateau's floor
    under its reported sigma (:attr:`EkfState.plateau_bound`) until its
    estimate reaches a knee (``plateau_release_sigma``). ``constants``: built
    ahead (:func:`step_constants`), the first step reuses the plateau's table.

    Implements: SWR_SOC_001, SWR_SOC_008, SWR_SOC_010
    """
    x = np.zeros((STATE_SIZE, series_count))
    x[_SOC] = np.clip(initial_soc, 0.0, 1.0)
    bias_sigma = tuning.initial_bias_sigma_a if tuning.estimate_current_bias else 0.0
    delta_sigma = (
        tuning.initial_resistance_sigma_pct / PERCENT if tuning.estimate_resistance else 0.0
    )
    variances: tuple[FloatArray | float, ...] = (
        np.square(initial_sigma),
        tuning.initial_rc_sigma_v**2,
        tuning.initial_rc_sigma_v**2,
        bias_sigma**2,
        delta_sigma**2,
    )
    p = np.zeros((STATE_SIZE, STATE_SIZE, series_count))
    for index, variance in enumerate(variances):
        p[index, index] = variance
    temperature = np.full(series_count, temperature_degc, dtype=np.float64)  # an int too
    cross = np.zeros((STATE_SIZE, series_count))
    variance = tuning.scale_variance
    if scale_sensitivity is not None and variance > 0.0:
        limit = MAX_KEPT_SCALE_CORRELATION * np.sqrt(p[_SOC, _SOC] / variance)
        cross[_SOC] = np.clip(scale_sensitivity, -limit, limit) * variance
    unsure = np.greater_equal(np.sqrt(p[_SOC, _SOC]), tuning.plateau_start_sigma)
    if plateau_bound is not None:
        unsure |= plateau_bound
    plateau = unsure if tuning.plateau_voltage_v > 0.0 and unsure.any() else None
    return EkfState(
        x=x,
        p=p,
        temperature_degc=temperature,
        constants=constants,
        capacity_cross=cross,
        plateau_bound=plateau,
    )


def reported_soc_sigma(state: EkfState, floor: FloatArray | None = None) -> FloatArray:
    """Each cell's SoC sigma as the BMS reports and uses it: the filter's, floored by the plateau.

    Implements: SWR_SOC_010

    Where :attr:`EkfState.plateau_bound` marks a cell, the larger of the
    filter's sigma and a third of the farthest SoC whose OCV the voltage
    cannot tell from the estimate's (:mod:`bms.estimation._soc_plateau`), at
    the cell's last valid temperature (before the first step, only with the
    constants built ahead). ``floor``: that floor if already read (the step's).
    """
    sigma: FloatArray = np.sqrt(state.p[_SOC, _SOC])
    marked = state.plateau_bound
    if floor is None:
        floor = plateau_floor(state.constants, marked, state.x[_SOC], state.temperature_degc)
    if marked is not None and floor is not None:
        np.maximum(sigma, floor, out=sigma, where=marked)
    return sigma


def ekf_step(  # noqa: PLR0913, PLR0915 - the filter's inputs are exactly these; one flat step
    model: CellModel,
    tuning: SocFilterTuning,
    state: EkfState,
    *,
    cell_voltages_v: FloatArray,
    current_a: float,
    cell_temperatures_degc: FloatArray,
    dt_s: float,
    bleed_current_a: FloatArray | None = None,
) -> tuple[EkfState, SocEstimate]:
    """One predict-and-update step of every cell's filter.

    Implements: SWR_SOC_001, SWR_SOC_002, SWR_SOC_003, SWR_SOC_004, SWR_SOC_005, SWR_CELL_005,
    SWR_CELL_006, SWR_CELL_007

    The state-transition Jacobian is ``A = diag(1, a1, a2, 1, 1) + u e_b^T +
    w e_d^T`` and the measurement is scalar per cell, so ``A P A^T`` and the
    Joseph update ``(I - K H) P (I - K H)^T + K R K^T`` are written out with
    these structures (``_soc_covariance.predict_covariance``; the Joseph
    update is one outer product). The tables are read with one gather of bilinear
    coefficients for the SoC and one of the OCV's for both secant ends, from
    one temperature bracket (``np.interp`` onto the breakpoint index) and
    one SoC bracket of all three points (arithmetic on the shipped uniform
    grids).

    The step's cost is numpy's per-call overhead and the overhead of each
    inner loop a call runs, not the arithmetic (about 100 numpy calls
    whatever the number of cells), so the step is laid out for few calls on
    equal-shaped arrays: the covariance is kept as flat (entries, cells)
    arrays whose products are a gather, a multiplication and a sum (no
    ``einsum``, whose per-call cost is several times a ufunc's); each
    bilinear lookup is one multiplication by the stacked weights ``(1, s, t,
    s t)`` and one sum, on tables edged so that no index needs clamping;
    quantities one operation treats alike are computed into adjacent rows
    (both RC decays and the SoC gain by one division, the Jacobian's four
    load terms by one product, the predicted SoC and RC voltages by one
    product and one subtraction); results go in place (``out=``) where that
    saves a temporary; and what depends only on the tuning, the step length
    and the tables (:class:`StepConstants`) is computed once. The result
    equals the step before the speed-ups to 1e-12 (``test_soc_ekf.py``).

    Args:
        model: the cells' equivalent circuit (capacity and resistance scales included).
        tuning: the noise model.
        state: the state after the previous step.
        cell_voltages_v: measured cell voltages, shape (cells,).
        current_a: measured cell current, positive on discharge.
        cell_temperatures_degc: measured cell temperatures, shape (cells,).
        dt_s: time since the previous step, > 0.
        bleed_current_a: current each cell's balancing resistor drew over the
            step, shape (cells,), positive (it discharges the cell), or ``None``
            for none. It is known (commanded), not measured: it adds to the
            measured string current in each cell's input, and the offset state
            applies to the measured part only. A non-finite value, or one above
            ``max_abs_current_a``, rejects the step like a bad current.

    Returns:
        The new state and the estimate; see the module docstring for rejections.
    """
    voltages = np.asarray(cell_voltages_v, dtype=np.float64)
    if not (
        abs(current_a) <= tuning.max_abs_current_a and 0.0 < dt_s <= tuning.max_step_s
    ):  # also False for NaN
        return state, _rejected(tuning, state, voltages)
    cell_current: FloatArray | float = current_a
    if bleed_current_a is not None:
        bleed = np.asarray(bleed_current_a, dtype=np.float64)
        if not np.all(np.abs(bleed) <= tuning.max_abs_current_a):  # also False for NaN
            return state, _rejected(tuning, state, voltages)
        cell_current = current_a + bleed
    tables = model.tables
    constants = step_constants(tuning, dt_s, tables, state.constants)
    low, high = constants.voltage_range
    valid = np.greater_equal(voltages, low)  # NaN: False
    valid &= np.less_equal(voltages, high)
    temperatures = np.asarray(cell_temperatures_degc, dtype=np.float64)
    low, high = constants.temperature_range
    plausible = np.greater_equal(temperatures, low)
    plausible &= np.less_equal(temperatures, high)
    temperature = state.temperature_degc.copy()
    np.copyto(temperature, temperatures, where=plausible)
    x, p = state.x, state.p
    count = x.shape[1]
    base_scale = model.resistance_scale
    scaled_r = not (isinstance(base_scale, float) and base_scale == 1.0)  # else skipped: exact
    # One bracket of the 3 x cells points: the SoC and the two ends of its secant,
    # SoC -/+ sqrt(3) sigma (the points of an unscented transform; module docstring). The
    # spread is the prior's around the prior SoC: one sample's prediction moves the SoC by
    # less than 1e-4 and its variance by less than 1e-8, so the secant is the same to that
    # order and one bracket serves the step.
    soc = x[_SOC]
    points = np.empty((3, count))  # the SoC, the low end, the high end
    points[0] = soc
    spread = np.sqrt(np.multiply(p[_SOC, _SOC], _THREE))
    np.maximum(np.subtract(soc, spread, points[1]), _ZERO, out=points[1])
    np.minimum(np.add(soc, spread, points[2]), _ONE, out=points[2])
    weights = np.empty((4, 3, count))  # bilinear weights 1, s, t, s t of each point
    weights[0] = 1.0
    if constants.uniform_soc:  # bms.cell.soc_bracket's arithmetic
        position = np.multiply(points, constants.soc_scale)
    else:
        position = np.interp(points, tables.soc, tables.soc_position)
    cells = position.astype(np.intp)  # the edged tables need no clamp (StepConstants.circuit)
    np.subtract(position, cells, weights[1])
    position = np.interp(temperature, tables.temperature_degc, tables.temperature_position)
    t_segment = position.astype(np.intp)
    np.subtract(position, t_segment, weights[2])
    np.multiply(weights[1], weights[2], weights[3])
    np.multiply(t_segment, constants.grid_stride, t_segment)
    cells += t_segment  # each point's grid cell
    load = np.empty((2, count))  # -(1 + d) and the cell current I - b, each cell
    np.subtract(_MINUS_ONE, x[_DELTA], load[0])
    current = load[1]
    np.subtract(cell_current, x[_BIAS], current)
    if constants.charge_offset is not None:  # a charging cell reads the charge half
        cells[0] += np.multiply(np.less(current, _ZERO), constants.charge_offset)
    terms = constants.circuit.take(cells[0], axis=2)
    np.multiply(terms, weights[:, :1], terms)
    rows = np.add.reduce(terms, axis=0)  # TABLE_ROWS at the SoC
    terms = constants.ocv.take(cells[1:], axis=1)
    np.multiply(terms, weights[:, 1:], terms)
    ends = np.add.reduce(terms, axis=0)  # the OCV at both ends of the secant
    # Prediction. `k` holds the rows of A that differ from the identity's, by part: d, u and
    # w (the rows _D, _U, _W); the input column (dx'/dI_meas) is -u.
    k = np.empty((9, count))
    k[0] = 1.0
    k[8] = 0.0
    capacity_scale = model.capacity_scale
    if not (isinstance(capacity_scale, float) and capacity_scale == 1.0):
        np.multiply(rows[C_CAPACITY], capacity_scale, rows[C_CAPACITY])
    np.divide(constants.minus_dt, rows[C_DIVIDED], k[1:4])  # -dt/tau1, -dt/tau2, dt/(3600 C)
    decay = k[1:3]  # both RC pairs, shape (2, cells)
    np.exp(decay, decay)
    unit = np.subtract(_ONE, decay)
    if scaled_r:
        np.multiply(unit, base_scale, unit)
    np.multiply(rows[C_R12], unit, unit)  # R (1 - a) of both pairs
    np.multiply(load[:, None], unit, k[4:8].reshape(2, 2, count))  # u_1, u_2, w_1, w_2
    x_pred = np.empty((STATE_SIZE, count))
    moved = x_pred[:3]  # d x - u I: the SoC and both RC voltages
    np.multiply(k[:3], x[:3], moved)
    moved -= np.multiply(k[3:6], current)
    soc_pred = x_pred[_SOC]
    np.maximum(soc_pred, _ZERO, out=soc_pred)
    np.minimum(soc_pred, _ONE, out=soc_pred)
    x_pred[_BIAS:] = x[_BIAS:]
    p_pred = predict_covariance(p, k, constants.noise2, constants.walks)
    cross, cross_row, corner = _consider_scale(
        k, state.capacity_cross, current, constants.scale_variance
    )
    anchor = None if state.anchor_cross is None else _transition(k, state.anchor_cross)
    p_pred[:STATE_SIZE] += cross_row  # the SoC's row
    p_pred[::STATE_SIZE] += cross_row  # and column (its own entry twice, as both terms give it)
    p_pred[0] += corner
    lag_modes, lag_sensitivity, lag_v, lag_bias = _surface_lag(
        model, state, current, dt_s, temperature, rows, soc_pred
    )
    # Measurement: OCV is linear in SoC inside a table segment, so the slope read at
    # the prior SoC carries the OCV to the predicted SoC without a second lookup.
    h = np.empty((STATE_SIZE, count))
    width = np.subtract(points[2], points[1])
    slope = h[_SOC]  # the secant, or the tangent once the spread is narrower than 1e-6
    np.subtract(ends[1], ends[0], slope)
    np.divide(slope, np.maximum(width, _TANGENT_WIDTH), slope)
    np.copyto(slope, rows[C_DOCV], where=np.less_equal(width, _TANGENT_WIDTH))
    slope += _surface_lag_slope(model, tuning, lag_modes, points, width)
    bend = np.subtract(soc, points[1])  # b: the OCV at the SoC less the secant's line there
    bend *= slope
    bend += ends[0]
    np.subtract(rows[C_OCV], bend, bend)
    h[_V1 : _V2 + 1] = -1.0
    r0 = np.multiply(rows[C_R0], base_scale) if scaled_r else rows[C_R0]
    drop = np.empty((4, count))  # R0 (1 + d) eta(I), v1, v2, -V_lag: what the circuit subtracts
    _series_terms(constants, rows, r0, load, resistive=h[_BIAS:], drop=drop[0])
    h[_BIAS] += lag_bias
    drop[1:3] = x_pred[_V1 : _V2 + 1]
    np.negative(lag_v, drop[3])
    predicted_v = np.subtract(soc_pred, soc)
    predicted_v *= rows[C_DOCV]
    predicted_v += rows[C_OCV]
    predicted_v -= np.multiply(bend, _THIRD)  # the OCV's expectation over the three points
    predicted_v -= np.add.reduce(drop, axis=0)
    innovation: FloatArray = np.where(valid, np.subtract(voltages, predicted_v, predicted_v), _ZERO)
    np.abs(drop, drop)
    np.multiply(drop, constants.load_weights, drop)
    load_v = np.add.reduce(drop, axis=0)  # k (|R0 I| + |v1|) + k_slow |v2| + k_lag |V_lag|
    if tuning.fit_residual_floor:
        r = measurement_variance(tuning, rows[constants.fit_row], load_v, constants.inflation)
        r_sample = measurement_variance(tuning, rows[constants.fit_row], load_v, 1.0)
    else:
        r = np.multiply(load_v, load_v, load_v)
        r_sample = np.add(r, constants.sample_rest2)
        np.multiply(r, constants.inflation_array, r)
        np.add(r, constants.rest2, r)
    np.multiply(bend, bend, bend)
    bend *= _REGRESSION_SHARE
    r += bend  # the regression's residual variance 2 b^2 / 9
    r_sample += bend
    # P H: entry 5 j + i of P times h_j, summed over j (P is symmetric to the last bit).
    ph_terms = h.take(_ROW_OF, axis=0)
    np.multiply(ph_terms, p_pred, ph_terms)
    ph = np.add.reduce(ph_terms.reshape(STATE_SIZE, STATE_SIZE, count), axis=0)
    h_cross = np.add.reduce(np.multiply(h, cross), axis=0)
    h_anchor = None if anchor is None else np.add.reduce(np.multiply(h, anchor), axis=0)
    s = np.add.reduce(np.multiply(h, ph, h), axis=0)
    sample_sigma = np.sqrt(np.add(s, r_sample, r_sample))
    sample_sigma *= valid
    s += r
    innovation_sigma = np.sqrt(s)
    innovation_sigma *= valid
    gain_share = np.divide(valid, s, s)
    factors = np.empty((2, count))  # m innovation / s and sqrt(m / s) (m: valid)
    np.multiply(gain_share, innovation, factors[0])
    np.sqrt(gain_share, factors[1])
    scaled = np.multiply(ph[:, None], factors)  # K innovation and g (below), shape (5, 2, cells)
    x_new = np.add(scaled[:, 0], x_pred)
    soc_new = x_new[_SOC]
    np.maximum(soc_new, _ZERO, out=soc_new)
    np.minimum(soc_new, _ONE, out=soc_new)
    _follow_offset(lag_modes, lag_sensitivity, scaled[_BIAS, 0])
    floor = plateau_floor(constants, state.plateau_bound, soc_new, temperature)
    # Joseph form for a scalar measurement, (I - K H) P (I - K H)^T + K r K^T
    # = P - K (PH)^T - (PH) K^T + s K K^T, with the gain K = m PH / s (m = 1 where the
    # voltage is valid, else 0) is exactly P - m (2 - m) / s (PH)(PH)^T = P - g g^T with
    # g = PH sqrt(m / s): computed so, it is symmetric to the last bit (g_i g_j = g_j g_i)
    # because the predicted P is, and costs one outer product (one gather of both factors).
    np.multiply(h_cross, gain_share, h_cross)
    cross -= np.multiply(ph, h_cross)  # the considered error's cross-covariance, updated
    if anchor is not None and h_anchor is not None:  # and the anchor's, (I - K H) A v
        anchor -= np.multiply(ph, np.multiply(h_anchor, gain_share, h_anchor))
    outer = scaled[:, 1].take(_OUTER, axis=0)
    g_g = outer[: STATE_SIZE * STATE_SIZE]
    np.multiply(g_g, outer[STATE_SIZE * STATE_SIZE :], g_g)
    np.subtract(p_pred, g_g, p_pred)
    new_state = EkfState(
        x=x_new,
        p=p_pred.reshape(STATE_SIZE, STATE_SIZE, count),
        temperature_degc=temperature,
        constants=constants,
        surface_lag=lag_modes,
        lag_bias_sensitivity=lag_sensitivity,
        capacity_cross=cross,
        anchor_cross=anchor,
        plateau_bound=still_marked(state.plateau_bound, floor, tuning.plateau_release_sigma),
    )
    sigmas = (innovation_sigma, sample_sigma)
    return new_state, _estimate(new_state, innovation, sigmas, ~valid, False, floor=floor)


def _consider_scale(
    k: FloatArray,
    cross: FloatArray | None,
    current: FloatArray,
    variance: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The considered scale error's predicted cross-covariance and its share of ``P``.

    The coulomb count ``(I - b) dt / (3600 C)`` is off by a fixed relative
    error ``c`` (the capacity's and the current gain's, variance
    ``variance``): ``dSoC'/dc = y = (I - b) dt / (3600 C)``. With ``s`` the
    state's covariance with ``c``, the augmented prediction adds ``e y (A
    s)^T + (A s) y e^T + variance y^2 e e^T`` to ``P`` (``e``: the SoC) and
    gives ``s' = A s + e y variance``; ``k`` holds ``A``'s rows as in
    :func:`predict_covariance`. Returns ``s'``, the row ``y (A s)`` (added to
    the SoC's row and column of ``P``) and ``variance y^2`` (added to its
    corner).
    """
    y = np.multiply(k[3], current)  # dt / (3600 C) (I - b)
    moved = np.zeros((STATE_SIZE, y.size)) if cross is None else _transition(k, cross)
    row = np.multiply(moved, y)
    gained = np.multiply(y, variance)
    moved[_SOC] += gained
    return moved, row, np.multiply(gained, y)


def _transition(k: FloatArray, cross: FloatArray) -> FloatArray:
    """``A v`` for a covariance ``v`` of the state with something the step does not move.

    ``k`` holds ``A``'s rows as in :func:`predict_covariance`.
    """
    moved = cross.copy()
    np.multiply(k[0:3], cross[:3], moved[:3])  # A's diagonal,
    moved[:3] += np.multiply(k[3:6], cross[_BIAS])  # its offset column
    moved[1:3] += np.multiply(k[6:8], cross[_DELTA])  # and its resistance column
    return moved


def _surface_lag(  # noqa: PLR0913, PLR0917 - the step's arrays the lag reads
    model: CellModel,
    state: EkfState,
    current: FloatArray,
    dt_s: float,
    temperature: FloatArray,
    rows: FloatArray,
    soc_pred: FloatArray,
) -> tuple[FloatArray | None, FloatArray | None, FloatArray | float, FloatArray | float]:
    """The lag after the step: filters, their derivative in ``b``, voltage, its ``b`` slope.

    Driven by the step's cell current ``I - b``, like the RC pairs; the
    voltage is read at the predicted SoC (0 without the lag, and a zero
    slope). The filters are linear in the current, so their derivative in
    ``b`` is the same filters driven by -1 A, advanced with the same decays
    (a held ``b``: it walks slowly).
    """
    lag = model.surface_lag
    if lag is None:
        return state.surface_lag, state.lag_bias_sensitivity, 0.0, 0.0
    decay, per_ampere = surface_lag_factors(
        lag,
        dt_s=dt_s,
        temperature_degc=temperature,
        capacity_ah=np.divide(rows[C_CAPACITY], -SECONDS_PER_HOUR),
    )
    count = soc_pred.size
    modes = advance_surface_lag(
        initial_surface_lag(count) if state.surface_lag is None else state.surface_lag,
        decay,
        np.multiply(per_ampere, current),
    )
    sensitivity = advance_surface_lag(
        initial_surface_lag(count)
        if state.lag_bias_sensitivity is None
        else state.lag_bias_sensitivity,
        decay,
        np.negative(per_ampere),
    )
    offset = surface_offset(modes)
    gradient = surface_lag_gradient(lag, soc_pred, offset)
    bias_slope: FloatArray = np.add.reduce(gradient * surface_offset(sensitivity), axis=0)
    return modes, sensitivity, surface_lag_voltage(lag, soc_pred, offset), bias_slope


def _follow_offset(
    modes: FloatArray | None, sensitivity: FloatArray | None, moved: FloatArray
) -> None:
    """Move the lag's filters (in place) by their derivative times the update's change of ``b``.

    The filters are a function of the offset they were driven with: when the
    update moves the offset's estimate, they are those of the new estimate.
    """
    if modes is not None and sensitivity is not None:
        modes += np.multiply(sensitivity, moved)


def _surface_lag_slope(
    model: CellModel,
    tuning: SocFilterTuning,
    modes: FloatArray | None,
    points: FloatArray,
    width: FloatArray,
) -> FloatArray | float:
    """The lag's secant over the SoC's spread, H's share beside the OCV's (0: left out).

    Only with ``tuning.surface_lag_slope``, by default on a flat OCV (module docstring).
    """
    wanted = tuning.surface_lag_slope
    if wanted is None:
        wanted = model.tables.ocv_median_slope_v < tuning.flat_ocv_slope_v
    if not wanted or model.surface_lag is None or modes is None:
        return 0.0
    offset = surface_offset(modes)
    low, high = (surface_lag_voltage(model.surface_lag, points[i], offset) for i in (1, 2))
    slope: FloatArray = np.divide(np.subtract(high, low), np.maximum(width, _TANGENT_WIDTH))
    return slope


def _series_terms(  # noqa: PLR0913 - the step's arrays it writes into
    constants: StepConstants,
    rows: FloatArray,
    r0: FloatArray,
    load: FloatArray,
    *,
    resistive: FloatArray,
    drop: FloatArray,
) -> None:
    """The series drop's Jacobian entries and the drop itself, written in place.

    ``resistive`` (H's offset and resistance entries) becomes ``R0 (1 + d)
    eta'(I)`` and ``-R0 eta(I)``, ``drop`` ``R0 (1 + d) eta(I)``; ``eta(I) = I`` for
    a linear circuit. The prediction is done with ``I``, so for a bent drop
    ``load``'s row 1 is overwritten with ``eta(I)``.
    """
    current = load[1]
    root = (
        _bend_in_place(rows[C_KINETIC], current, constants.bend_limit)
        if constants.kinetic
        else None
    )
    np.multiply(r0, load, resistive)
    np.negative(resistive, resistive)  # R0 (1 + d) and -R0 eta(I)
    np.multiply(resistive[0], current, drop)
    if root is not None:
        np.divide(resistive[0], root, resistive[0])


def _bend_in_place(curvature_row: FloatArray, current: FloatArray, limit: FloatArray) -> FloatArray:
    """Overwrite ``current`` with the bent drop's ``eta(I) / R0``; return ``R0`` / its slope.

    :mod:`bms.cell._kinetics`' drop, in place: ``asinh(c) s / g`` with ``c`` the
    product ``g I`` clipped to the bend's limit ``g Ib`` and ``s = max(|g I|, g Ib) /
    (g Ib)``; the returned divisor is ``sqrt(1 + c^2)`` inside the limit and ``g Ib /
    asinh(g Ib)`` (the secant's) beyond.
    """
    curvature = np.maximum(curvature_row, _LINEAR_CURVATURE)
    work = np.empty((4, current.shape[0]))  # c, the stretch s, asinh(c), the divisor
    scaled = np.multiply(curvature, current)
    reach = np.multiply(curvature, limit)
    clipped, stretch, arc, root = work
    np.minimum(scaled, reach, out=clipped)
    np.negative(reach, stretch)
    np.maximum(clipped, stretch, out=clipped)
    np.abs(scaled, scaled)
    np.maximum(scaled, reach, out=stretch)
    np.divide(stretch, reach, stretch)
    np.arcsinh(clipped, arc)
    np.multiply(arc, stretch, current)
    np.divide(current, curvature, current)
    np.square(clipped, root)
    np.add(root, _ONE, root)
    np.sqrt(root, root)
    beyond = np.greater(stretch, _ONE)
    if beyond.any():  # the secant's divisor |c| / |asinh(c)| at the limit
        np.divide(np.abs(clipped), np.abs(arc), out=root, where=beyond)
    result: FloatArray = root
    return result


def _rejected(tuning: SocFilterTuning, state: EkfState, voltages: FloatArray) -> SocEstimate:
    """The estimate of a rejected step: the state's, with the voltages' validity."""
    low, high = tuning.voltage_range_v
    valid = np.greater_equal(voltages, low) & np.less_equal(voltages, high)  # NaN: False
    nothing = np.zeros_like(voltages)
    return _estimate(state, nothing, (nothing, nothing.copy()), ~valid, True)


def _estimate(  # noqa: PLR0913 - the estimate's parts and the step's floor, if read
    state: EkfState,
    innovation: FloatArray,
    innovation_sigmas: tuple[FloatArray, FloatArray],
    voltage_rejected: BoolArray,
    rejected: bool,
    *,
    floor: FloatArray | None = None,
) -> SocEstimate:
    x = state.x.copy()  # one copy whose rows the caller may keep or change
    return SocEstimate(
        soc=x[_SOC],
        soc_sigma=reported_soc_sigma(state, floor),
        current_bias_a=x[_BIAS],
        resistance_deviation=x[_DELTA],
        innovation_v=innovation,
        innovation_sigma_v=innovation_sigmas[0],
        innovation_sample_sigma_v=innovation_sigmas[1],
        voltage_rejected=voltage_rejected,
        rejected=rejected,
    )
