"""State of Charge: an extended Kalman filter per cell, all cells in one vectorised step.

ASIL: QM(D) (estimation channel, decomposed from the D(D) voltage monitor).
Requirements: SWR_SOC_001, SWR_SOC_002, SWR_SOC_003, SWR_SOC_004, SWR_SOC_005.

Plett's EKF on the two-RC equivalent circuit of :mod:`bms.cell` (G. L. Plett,
"Extended Kalman filtering for battery management systems of LiPB-based HEV
battery packs", J. Power Sources 134 (2004)), with one state vector per cell::

    x = [SoC, v1, v2, b, d]   b: current-sensor offset (A), true I = I_meas - b
                              d: relative deviation of the cell's resistances

    SoC' = SoC - (I_meas - b) dt / (3600 C(T))
    v1'  = a1 v1 + R1 (1 + d) (1 - a1) (I_meas - b)   a1 = exp(-dt / tau1)
    v2'  = a2 v2 + R2 (1 + d) (1 - a2) (I_meas - b)   a2 = exp(-dt / tau2)
    b'   = b,  d' = d                                 (random walks)
    v    = OCV(SoC, T) - R0 (1 + d) (I_meas - b) - v1 - v2

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
* a non-finite or implausible current or step length (outside the tuning's
  ``max_abs_current_a`` and ``(0, max_step_s]``) rejects the whole step (the
  previous state is returned with ``rejected`` set); a non-finite cell
  voltage, or one outside ``voltage_range_v``, skips that cell's measurement
  update (prediction only); a non-finite or out-of-range cell temperature is
  replaced by that cell's last valid one. No NaN ever enters the state.

The measurement Jacobian's SoC entry is the OCV secant over the estimate's
spread (``SoC -/+ sqrt(3) sigma``, the points of an unscented transform)
rather than the tangent of one table segment: a statistical linearisation
that keeps the bound honest across the OCV's knees while the SoC is
uncertain, and tends to the tangent as the bound shrinks.

The process noise covers the current sensor's noise and gain error (entering
through the input), plus random walks on each state for model error. The
measurement noise (:func:`measurement_variance`) is the voltage sensor's plus
the circuit's own error: a rest part, a part proportional to the
overpotential the circuit predicts (largest, and worst modelled, in the cold),
optionally floored by the chemistry's pulse-fit residual at the cell's
temperature, all inflated by the error's correlation time over the sample
period so that a correlated model error is not averaged away into an
over-confident bound. All are :class:`SocFilterTuning` fields, each with its
physical reason.

The filter is hand-written on numpy because filterpy's
``ExtendedKalmanFilter`` filters one cell per object (a Python loop over 96
cells); the benchmark in ``verification/bench/bench_estimator.py`` compares both.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bms.cell import (
    CellModel,
    CellTables,
    Chemistry,
    Row,
    cell_model,
    lookup_rows_at,
    ocv_at,
    soc_bracket,
    temperature_bracket,
)

__all__ = [
    "EkfState",
    "SocEstimate",
    "SocEstimator",
    "SocFilterTuning",
    "ekf_step",
    "initial_ekf_state",
    "measurement_variance",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

STATE_SIZE = 5
_SOC, _V1, _V2, _BIAS, _DELTA = range(STATE_SIZE)
_SECONDS_PER_HOUR = 3600.0
_PERCENT = 100.0
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.intp]
_DIAGONAL = np.arange(STATE_SIZE) * (STATE_SIZE + 1)
"""Flat indices of the diagonal of a 5x5 matrix."""


@dataclass(frozen=True)
class SocFilterTuning:
    """Noise model of the filter; the defaults suit issue 3's sensor errors at 10 Hz."""

    voltage_noise_v: float = 0.002
    """Cell voltage sensor noise, rms."""
    model_error_v: float = 0.005
    """Voltage error of the equivalent circuit near rest, rms (see :func:`measurement_variance`).

    Near rest the circuit's voltage is its OCV table, which matches the physics
    model's OCV test to a few mV (the fit report's ``ocv_rmse_v``: 7 mV LFP,
    12 mV NMC including the table ends, less inside); the error under load is
    ``overpotential_error_pct``'s.
    """
    fit_residual_floor: bool = False
    """Use the chemistry's pulse-fit residual at the cell's temperature as a floor of the above.

    Off by default: the pulse residual (``fit.pulse_rmse_v_by_temperature``,
    11-26 mV) is dominated by the 1C pulses' overpotential error, which the
    overpotential term already carries in proportion to the load.
    """
    overpotential_error_pct: float = 10.0
    """Share of the predicted overpotential ``|R0 I| + |v1| + |v2|`` taken as model error, %.

    The tables linearise the Butler-Volmer and diffusion overpotentials at
    the calibration pulses' current: 10 % of the overpotential is the order
    of that linearisation's error between C/5 and 2C (and what the circuit's
    error on the drive cycles of ``docs/validation`` amounts to in the cold,
    where the overpotential is largest).
    """
    model_error_correlation_s: float = 10.0
    """Time over which the circuit's voltage error stays correlated, s.

    The model error follows the load history through the RC pairs' dynamics
    (the fast pair's time constant is 10-30 s), so ``tau / dt`` samples carry
    one sample's worth of information: the model-error variance is inflated
    by ``max(1, tau / dt)``.
    """
    current_noise_a: float = 0.01
    """Current sensor white noise per sample, rms (cell current)."""
    current_gain_error_pct: float = 0.5
    """Current sensor gain error; enters the input noise as a share of the current."""
    capacity_uncertainty_pct: float = 3.0
    """Uncertainty of each cell's capacity; enters the input noise as a share of the current."""
    soc_random_walk_per_sqrt_s: float = 1e-4
    """Process noise on SoC (model error), per square root of a second."""
    rc_random_walk_v_per_sqrt_s: float = 2e-4
    """Process noise on each RC voltage, per square root of a second."""
    initial_rc_sigma_v: float = 0.002
    """Initial standard deviation of each RC voltage (the BMS starts with the pack near rest)."""
    estimate_current_bias: bool = True
    """Whether the filter estimates the current sensor's offset (state ``b``)."""
    initial_bias_sigma_a: float = 0.1
    """Initial standard deviation of the current offset."""
    bias_random_walk_a_per_sqrt_s: float = 1e-4
    """Process noise on the current offset, per square root of a second."""
    estimate_resistance: bool = True
    """Whether the filter estimates each cell's resistance deviation (state ``d``)."""
    initial_resistance_sigma_pct: float = 5.0
    """Initial standard deviation of the resistance deviation, percent."""
    resistance_random_walk_per_sqrt_s: float = 1e-6
    """Process noise on the relative resistance deviation, per square root of a second."""
    max_step_s: float = 60.0
    """Longest step accepted; a longer (or non-positive) step is rejected as implausible."""
    max_abs_current_a: float = 1000.0
    """Largest cell current magnitude accepted; a larger one rejects the step."""
    voltage_range_v: tuple[float, float] = (0.0, 10.0)
    """Cell voltages outside this range are treated like non-finite ones (no update)."""
    temperature_range_degc: tuple[float, float] = (-100.0, 200.0)
    """Cell temperatures outside this range are replaced by the cell's last valid one."""


@dataclass(frozen=True)
class EkfState:
    """The filter's state for every cell, stored state-major (one row per state) for speed."""

    x: FloatArray
    """State vectors [SoC, v1, v2, b, d], shape (5, cells)."""
    p: FloatArray
    """Covariances, shape (5, 5, cells), symmetric positive definite in the first two axes."""
    temperature_degc: FloatArray
    """Last valid temperature of each cell, shape (cells,)."""


@dataclass(frozen=True)
class SocEstimate:
    """Result of one filter step."""

    soc: FloatArray
    """SoC estimate of each cell, in [0, 1]."""
    soc_sigma: FloatArray
    """Standard deviation of each SoC estimate (the 3-sigma bound is three times this)."""
    current_bias_a: FloatArray
    """Estimated current-sensor offset seen by each cell's filter."""
    resistance_deviation: FloatArray
    """Estimated relative deviation of each cell's resistance from the model's."""
    innovation_v: FloatArray
    """Measured minus predicted voltage of each cell (0 where not updated)."""
    voltage_rejected: BoolArray
    """Cells whose voltage was not finite or out of range: no measurement update this step."""
    rejected: bool
    """The whole step was rejected (non-finite current or step length); state unchanged."""


def initial_ekf_state(
    series_count: int,
    initial_soc: FloatArray | float,
    initial_sigma: float,
    tuning: SocFilterTuning,
    temperature_degc: float = 25.0,
) -> EkfState:
    """A filter state for ``series_count`` cells at rest.

    Implements: SWR_SOC_001
    """
    x = np.zeros((STATE_SIZE, series_count))
    x[_SOC] = np.clip(initial_soc, 0.0, 1.0)
    bias_sigma = tuning.initial_bias_sigma_a if tuning.estimate_current_bias else 0.0
    delta_sigma = (
        tuning.initial_resistance_sigma_pct / _PERCENT if tuning.estimate_resistance else 0.0
    )
    variances = (
        initial_sigma**2,
        tuning.initial_rc_sigma_v**2,
        tuning.initial_rc_sigma_v**2,
        bias_sigma**2,
        delta_sigma**2,
    )
    p = np.zeros((STATE_SIZE, STATE_SIZE, series_count))
    for index, variance in enumerate(variances):
        p[index, index] = variance
    return EkfState(x=x, p=p, temperature_degc=np.full(series_count, temperature_degc))


def _step_constants(tuning: SocFilterTuning, dt_s: float) -> tuple[FloatArray, float, float]:
    """Constants of the tuning for a step length (a few scalar operations per step).

    Returns the random-walk variances added to the diagonal (shape (5, 1)), the
    input-noise share of the current, and the model-error inflation factor
    ``max(1, tau_c / dt)`` (see :attr:`SocFilterTuning.model_error_correlation_s`).
    """
    rc = tuning.rc_random_walk_v_per_sqrt_s**2 * dt_s
    bias = tuning.bias_random_walk_a_per_sqrt_s**2 * dt_s if tuning.estimate_current_bias else 0.0
    delta = (
        tuning.resistance_random_walk_per_sqrt_s**2 * dt_s if tuning.estimate_resistance else 0.0
    )
    walks = np.array([[tuning.soc_random_walk_per_sqrt_s**2 * dt_s], [rc], [rc], [bias], [delta]])
    share = math.hypot(tuning.current_gain_error_pct, tuning.capacity_uncertainty_pct) / _PERCENT
    inflation = max(1.0, tuning.model_error_correlation_s / dt_s)
    return walks, share, inflation


def measurement_variance(
    tuning: SocFilterTuning,
    fit_rmse_v: FloatArray,
    overpotential_v: FloatArray,
    inflation: float,
) -> FloatArray:
    """Variance of each cell's voltage measurement as the filter sees it: sensor plus model.

    Implements: SWR_SOC_005

    ``r = sigma_v^2 + inflation * (max(e_0, e_fit(T))^2 + (k eta)^2)``:

    * ``sigma_v``: the voltage sensor's white noise;
    * ``e_0`` (``model_error_v``) and ``e_fit(T)``: the circuit's voltage
      error at rest-like conditions; the chemistry's pulse-fit residual at the
      cell's temperature is a floor (the circuit cannot be trusted closer
      than it fitted its own calibration data) when ``fit_residual_floor``;
    * ``k eta``: the circuit's error under load, a share ``k``
      (``overpotential_error_pct``) of the overpotential ``eta = |R0 I| +
      |v1| + |v2|`` it predicts. Physical reason: the fitted resistances
      linearise the charge-transfer (Butler-Volmer) and diffusion
      overpotentials at the calibration pulses' current; at another current
      and in the cold, where the overpotential is largest and most
      non-linear, the error grows with it;
    * ``inflation = max(1, tau_c / dt)``: the model error is not white but
      correlated over ``tau_c`` (it follows the load history through the
      slow diffusion dynamics), so ``tau_c / dt`` samples carry no more
      information about the SoC than one; spreading one sample's information
      over them (the information-equivalent white noise) stops the filter
      from averaging a bias away. Together with the OCV secant (``H``'s SoC
      entry), a voltage error on a flat OCV (LFP's plateau) then moves the
      SoC bound as little as it moves the SoC: the voltage can place the SoC
      no closer than about ``e / (dOCV/dSoC)``.
    """
    load_share2 = inflation * (tuning.overpotential_error_pct / _PERCENT) ** 2
    sensor2 = tuning.voltage_noise_v**2
    if tuning.fit_residual_floor:
        floor = np.maximum(fit_rmse_v, tuning.model_error_v)
        result: FloatArray = (sensor2 + load_share2 * overpotential_v * overpotential_v) + (
            inflation * floor * floor
        )
        return result
    rest2 = sensor2 + inflation * tuning.model_error_v**2
    uniform: FloatArray = load_share2 * (overpotential_v * overpotential_v) + rest2
    return uniform


def ekf_step(  # noqa: PLR0913, PLR0915 - the filter's inputs are exactly these; one flat step
    model: CellModel,
    tuning: SocFilterTuning,
    state: EkfState,
    *,
    cell_voltages_v: FloatArray,
    current_a: float,
    cell_temperatures_degc: FloatArray,
    dt_s: float,
) -> tuple[EkfState, SocEstimate]:
    """One predict-and-update step of every cell's filter.

    Implements: SWR_SOC_001, SWR_SOC_002, SWR_SOC_003, SWR_SOC_004, SWR_SOC_005

    The state-transition Jacobian is ``A = diag(1, a1, a2, 1, 1) + u e_b^T +
    w e_d^T`` and the measurement is scalar per cell, so ``A P A^T`` and the
    Joseph update ``(I - K H) P (I - K H)^T + K R K^T`` are written out with
    these structures (elementwise over the cells, touching only the rows and
    columns A changes) rather than as batched 5x5 matrix products, which
    numpy runs no faster for such small matrices (a batched ``matmul`` of 96
    5x5 matrices costs as much as the whole structured product). The tables
    are read with one gather of precomputed bilinear coefficients
    (:func:`bms.cell.lookup_rows_at`); one temperature bracket and one SoC
    bracket (SoC and both secant ends) serve the step's three lookups. About
    150 numpy calls per step, whatever the number of cells: the step's cost
    is numpy's per-call overhead, not the cells.

    Args:
        model: the cells' equivalent circuit (capacity and resistance scales included).
        tuning: the noise model.
        state: the state after the previous step.
        cell_voltages_v: measured cell voltages, shape (cells,).
        current_a: measured cell current, positive on discharge.
        cell_temperatures_degc: measured cell temperatures, shape (cells,).
        dt_s: time since the previous step, > 0.

    Returns:
        The new state and the estimate; see the module docstring for rejections.
    """
    voltages = np.asarray(cell_voltages_v, dtype=np.float64)
    low_v, high_v = tuning.voltage_range_v
    valid = (voltages >= low_v) & (voltages <= high_v)  # False for NaN
    if not (
        abs(current_a) <= tuning.max_abs_current_a and 0.0 < dt_s <= tuning.max_step_s
    ):  # also False for NaN
        return state, _estimate(state, np.zeros_like(voltages), ~valid, True)
    walks, share, inflation = _step_constants(tuning, dt_s)
    temperatures = np.asarray(cell_temperatures_degc, dtype=np.float64)
    low_t, high_t = tuning.temperature_range_degc
    plausible = (temperatures >= low_t) & (temperatures <= high_t)
    temperature = np.where(plausible, temperatures, state.temperature_degc)
    x, p = state.x, state.p
    count = x.shape[1]
    tables = model.tables
    # One lookup for the SoC and the two ends of the secant (see _secant_points).
    base, t_weight = temperature_bracket(tables, temperature)
    # One SoC bracket for the SoC and the two ends of its secant (see _secant_slope).
    ends, segments, s_weight = _secant_ends(tables, x[_SOC], p[_SOC, _SOC])
    cells = base + segments[:count]
    rows = lookup_rows_at(tables, cells, s_weight[:count], t_weight)
    current = current_a - x[_BIAS]
    base_scale = model.resistance_scale
    one_plus_delta = 1.0 + x[_DELTA]
    decay = np.exp(-dt_s / rows[Row.TAU1 : Row.TAU2 + 1])  # both RC pairs, shape (2, cells)
    unit = rows[Row.R1 : Row.R2 + 1] * ((1.0 - decay) * base_scale)
    gain_soc = dt_s / (_SECONDS_PER_HOUR * rows[Row.CAPACITY] * model.capacity_scale)
    x_pred = np.empty_like(x)
    x_pred[_SOC] = np.minimum(np.maximum(x[_SOC] - gain_soc * current, 0.0), 1.0)
    x_pred[_V1 : _V2 + 1] = decay * x[_V1 : _V2 + 1] + unit * (one_plus_delta * current)
    x_pred[_BIAS:] = x[_BIAS:]
    # A = diag(d) + u e_b^T + w e_d^T differs from the identity only in its first three
    # rows (d, u, w below are those rows); the input column (dx'/dI_meas) is -u.
    d = np.empty((3, count))
    d[0] = 1.0
    d[1:] = decay
    u = np.empty_like(d)
    u[0] = gain_soc
    u[1:] = unit * -one_plus_delta
    w = np.empty_like(d)
    w[0] = 0.0
    w[1:] = unit * current
    input_var = tuning.current_noise_a**2 + (share * current_a) ** 2
    p_pred = _predict_covariance(p, d, u, w, input_var, walks)
    # Measurement: OCV is linear in SoC inside a table segment, so the slope read at
    # the prior SoC carries the OCV to the predicted SoC without a second lookup.
    h = np.empty((STATE_SIZE, count))
    h[_SOC] = _secant_slope(tables, base, t_weight, ends, segments, s_weight, rows)
    h[_V1 : _V2 + 1] = -1.0
    h[_BIAS] = rows[Row.R0] * (base_scale * one_plus_delta)
    h[_DELTA] = rows[Row.R0] * (-base_scale * current)
    r0_current = h[_BIAS] * current
    predicted_v = (
        rows[Row.OCV]
        + rows[Row.DOCV_DSOC] * (x_pred[_SOC] - x[_SOC])
        - r0_current
        - x_pred[_V1]
        - x_pred[_V2]
    )
    innovation = np.where(valid, voltages - predicted_v, 0.0)
    overpotential = np.abs(r0_current) + np.abs(x_pred[_V1]) + np.abs(x_pred[_V2])
    r = measurement_variance(tuning, rows[Row.FIT_RMSE], overpotential, inflation)
    ph = np.einsum("ijn,jn->in", p_pred, h)
    s = np.einsum("in,in->n", h, ph) + r
    gain_share = valid / s
    k = ph * gain_share
    x_new = x_pred + k * innovation
    x_new[_SOC] = np.minimum(np.maximum(x_new[_SOC], 0.0), 1.0)
    # Joseph form for a scalar measurement, (I - K H) P (I - K H)^T + K r K^T
    # = P - K (PH)^T - (PH) K^T + s K K^T, with the gain K = m PH / s (m = 1 where the
    # voltage is valid, else 0) is exactly P - m (2 - m) / s (PH)(PH)^T = P - g g^T with
    # g = PH sqrt(m / s): computed so, it is symmetric to the last bit (g_i g_j = g_j g_i)
    # because the predicted P is symmetrised, and costs one outer product.
    g = ph * np.sqrt(gain_share)
    p_new = p_pred - g[:, None] * g[None]
    new_state = EkfState(x=x_new, p=p_new, temperature_degc=temperature)
    return new_state, _estimate(new_state, innovation, ~valid, False)


def _predict_covariance(  # noqa: PLR0913, PLR0917 - the structured Jacobian's parts
    p: FloatArray,
    d: FloatArray,
    u: FloatArray,
    w: FloatArray,
    input_var: float,
    walks: FloatArray,
) -> FloatArray:
    """``A P A^T + Q`` for ``A = diag(d) + u e_b^T + w e_d^T`` (only its first 3 rows differ).

    ``d``, ``u`` and ``w`` hold the first three entries of each per cell,
    shape (3, cells); ``Q`` is the input noise ``input_var u u^T`` plus the
    random walks on the diagonal. Rows and columns 3 and 4 (offset and
    resistance) are copied, not multiplied by identity rows.
    """
    ap = d[:, None] * p[:3] + u[:, None] * p[_BIAS][None] + w[:, None] * p[_DELTA][None]
    p_pred = np.empty_like(p)
    top = ap[:, :3] * d[None] + ap[:, _BIAS][:, None] * u[None] + ap[:, _DELTA][:, None] * w[None]
    top += input_var * (u[:, None] * u[None])
    top += top.transpose(1, 0, 2).copy()
    top *= 0.5  # symmetrised: the only block not symmetric by construction
    p_pred[:3, :3] = top
    p_pred[:3, 3:] = ap[:, 3:]
    p_pred[3:, :3] = ap[:, 3:].transpose(1, 0, 2)
    p_pred[3:, 3:] = p[3:, 3:]
    diagonal = p_pred.reshape(STATE_SIZE * STATE_SIZE, -1)[_DIAGONAL]
    p_pred.reshape(STATE_SIZE * STATE_SIZE, -1)[_DIAGONAL] = diagonal + walks
    return p_pred


def _secant_ends(
    tables: CellTables, soc: FloatArray, soc_variance: FloatArray
) -> tuple[FloatArray, IndexArray, FloatArray]:
    """The SoC and the ends of its secant, ``SoC -/+ sqrt(3) sigma``, bracketed in one call.

    Returns the points (shape (3 cells,): SoC, low ends, high ends) with
    their SoC segments and weights.
    """
    spread = np.sqrt(3.0 * soc_variance)
    points = np.concatenate((soc, np.maximum(soc - spread, 0.0), np.minimum(soc + spread, 1.0)))
    segments, weights = soc_bracket(tables, points)
    return points, segments, weights


def _secant_slope(  # noqa: PLR0913, PLR0917 - the step's shared lookups
    tables: CellTables,
    base: IndexArray,
    t_weight: FloatArray,
    points: FloatArray,
    segments: IndexArray,
    s_weight: FloatArray,
    rows: FloatArray,
) -> FloatArray:
    """OCV slope in SoC over the estimate's spread: a statistical linearisation.

    The secant of the OCV between ``SoC -/+ sqrt(3) sigma`` (the points an
    unscented transform would take) instead of the tangent: while the SoC is
    uncertain, a flat OCV plateau around the estimate (LFP) must not make the
    filter believe a voltage error says nothing about the SoC, nor the slope
    of one table segment make it over-confident. As sigma shrinks it tends to
    the tangent (used below a width of 1e-6).

    The spread is the prior's (the previous step's posterior), around the
    prior SoC: the prediction over one sample moves the SoC by less than
    1e-4 and adds less than 1e-8 to its variance, so the secant is the same
    to that order, and one table bracket serves the step (:func:`_secant_ends`).
    """
    count = base.shape[0]
    both_base = np.concatenate((base, base))
    both = ocv_at(
        tables,
        both_base + segments[count:],
        s_weight[count:],
        np.concatenate((t_weight, t_weight)),
    )
    width = points[2 * count :] - points[count : 2 * count]
    secant: FloatArray = np.where(
        width > 1e-6, (both[count:] - both[:count]) / np.maximum(width, 1e-6), rows[Row.DOCV_DSOC]
    )
    return secant


def _estimate(
    state: EkfState, innovation: FloatArray, voltage_rejected: BoolArray, rejected: bool
) -> SocEstimate:
    return SocEstimate(
        soc=state.x[_SOC].copy(),
        soc_sigma=np.sqrt(state.p[_SOC, _SOC]),
        current_bias_a=state.x[_BIAS].copy(),
        resistance_deviation=state.x[_DELTA].copy(),
        innovation_v=innovation,
        voltage_rejected=voltage_rejected,
        rejected=rejected,
    )


@dataclass
class SocEstimator:
    """The vectorised SoC filter of a pack: holds the state between steps.

    Example::

        est = SocEstimator(chemistry, 96, initial_soc=0.5, initial_sigma=0.2)
        out = est.step(cell_voltages_v, current_a, cell_temperatures_degc, dt_s)
        out.soc, out.soc_sigma

    Implements: SWR_SOC_001
    """

    chemistry: Chemistry
    """The cell type the filter's model uses."""
    series_count: int
    """Cells in series: one filter per cell."""
    initial_soc: FloatArray | float = 0.5
    """Initial SoC guess, scalar or per cell."""
    initial_sigma: float = 0.2
    """Initial SoC standard deviation; make 3 x this cover the worst initial error."""
    tuning: SocFilterTuning = field(default_factory=SocFilterTuning)
    """Noise model."""
    initial_temperature_degc: float = 25.0
    """Temperature used until a valid one is measured."""
    model: CellModel = field(init=False)
    """The filter's cell model; its scales can be updated from SoH (:meth:`set_cell_scales`)."""
    state: EkfState = field(init=False)
    """The current filter state."""

    def __post_init__(self) -> None:
        """Check the arguments and build the initial state."""
        if self.series_count < 1:
            raise ValueError(f"series_count={self.series_count} must be >= 1")
        if not (np.isfinite(self.initial_sigma) and self.initial_sigma > 0.0):
            raise ValueError(f"initial_sigma={self.initial_sigma} must be > 0")
        self.model = cell_model(self.chemistry)
        self.state = initial_ekf_state(
            self.series_count,
            self.initial_soc,
            self.initial_sigma,
            self.tuning,
            self.initial_temperature_degc,
        )

    def set_cell_scales(
        self, capacity_scale: FloatArray | float, resistance_scale: FloatArray | float
    ) -> None:
        """Use SoH estimates: each cell's capacity and resistance relative to the chemistry's."""
        self.model = cell_model(self.chemistry, capacity_scale, resistance_scale)

    def step(
        self,
        cell_voltages_v: FloatArray,
        current_a: float,
        cell_temperatures_degc: FloatArray,
        dt_s: float,
    ) -> SocEstimate:
        """Advance every cell's filter by one sample (see :func:`ekf_step`)."""
        self.state, estimate = ekf_step(
            self.model,
            self.tuning,
            self.state,
            cell_voltages_v=cell_voltages_v,
            current_a=current_a,
            cell_temperatures_degc=cell_temperatures_degc,
            dt_s=dt_s,
        )
        return estimate
