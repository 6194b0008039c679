"""The SoC filter step as it was before its speed-up (issue 3): the reference of the fast one.

A frozen copy of ``bms/estimation/_soc_ekf.py``'s ``ekf_step`` (and the
helpers it called) taken before the step was rewritten for speed, kept here
so that ``test_soc_ekf.py`` can check on a recorded run that the fast step
computes the same filter (to 1e-12). The series drop's kinetic bend
(SWR_CELL_006) and the particles' surface lag (SWR_CELL_007) were added to
both after the speed-up, here through ``bms.cell``'s readable functions, and
so was the current offset's path through the lag (its filters' derivative in
the offset, in H and in the update).
Not a test module: it has no tests and implements no requirement itself.
"""

import math

import numpy as np
import numpy.typing as npt

from bms.cell import (
    CellModel,
    CellTables,
    Row,
    initial_surface_lag,
    lookup_rows_at,
    ocv_at,
    series_overpotential_v,
    series_slope,
    soc_bracket,
    surface_lag_gradient,
    surface_lag_step,
    surface_lag_voltage,
    surface_offset,
    temperature_bracket,
)
from bms.estimation import EkfState, SocEstimate, SocFilterTuning

__all__ = ["reference_ekf_step", "reference_measurement_variance"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.intp]
STATE_SIZE = 5
_SOC, _V1, _V2, _BIAS, _DELTA = range(STATE_SIZE)
_SECONDS_PER_HOUR = 3600.0
_PERCENT = 100.0
_DIAGONAL = np.arange(STATE_SIZE) * (STATE_SIZE + 1)


def _step_constants(tuning: SocFilterTuning, dt_s: float) -> tuple[FloatArray, float, float]:
    """Constants of the tuning for a step length (a few scalar operations per step).

    Returns the random-walk variances added to the diagonal (shape (5, 1)), the
    variance of the coulomb count's considered scale error, and the model-error inflation factor
    ``max(1, tau_c / dt)`` (see :attr:`SocFilterTuning.model_error_correlation_s`).
    """
    rc = tuning.rc_random_walk_v_per_sqrt_s**2 * dt_s
    bias = tuning.bias_random_walk_a_per_sqrt_s**2 * dt_s if tuning.estimate_current_bias else 0.0
    delta = (
        tuning.resistance_random_walk_per_sqrt_s**2 * dt_s if tuning.estimate_resistance else 0.0
    )
    walks = np.array([[tuning.soc_random_walk_per_sqrt_s**2 * dt_s], [rc], [rc], [bias], [delta]])
    scale = math.hypot(tuning.current_gain_error_pct, tuning.capacity_uncertainty_pct) / _PERCENT
    inflation = max(1.0, tuning.model_error_correlation_s / dt_s)
    return walks, scale**2, inflation


def reference_measurement_variance(
    tuning: SocFilterTuning,
    fit_rmse_v: FloatArray,
    load_error_v: FloatArray,
    inflation: float,
) -> FloatArray:
    """Variance of each cell's voltage measurement: ``sigma_v^2 + inflation (e_rest^2 + e_load^2)``.

    ``e_rest`` is ``model_error_v`` (floored by the fit residual when
    ``fit_residual_floor``); ``e_load`` is the circuit's error under load,
    ``k (|R0 I| + |v1|) + k_slow |v2|`` (see ``SocFilterTuning``).
    """
    sensor2 = tuning.voltage_noise_v**2
    rest: FloatArray | float = tuning.model_error_v
    if tuning.fit_residual_floor:
        rest = np.maximum(fit_rmse_v, tuning.model_error_v)
    result: FloatArray = sensor2 + inflation * (rest * rest + load_error_v * load_error_v)
    return result


def reference_ekf_step(  # noqa: PLR0915 - the filter's inputs are exactly these; one flat step
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
        nothing = np.zeros_like(voltages)
        return state, _estimate(state, nothing, (nothing.copy(), nothing.copy()), ~valid, True)
    walks, scale_variance, inflation = _step_constants(tuning, dt_s)
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
    current = current_a - x[_BIAS]
    # a charging cell (I - b below zero) reads the charge resistances
    rows = lookup_rows_at(tables, cells, s_weight[:count], t_weight, current < 0.0)
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
    p_pred = _predict_covariance(p, d, u, w, tuning.current_noise_a**2, walks)
    # The coulomb count's scale error c, considered (Schmidt-Kalman): augmented with c, A has
    # the column y e (dSoC'/dc = y) and c stays; s = Cov(x, c) becomes A s + y e var(c).
    cross = np.zeros_like(x) if state.capacity_cross is None else state.capacity_cross
    y = gain_soc * current
    a_cross = cross.copy()
    a_cross[:3] = d * cross[:3] + u * cross[_BIAS] + w * cross[_DELTA]
    p_pred[_SOC] += y * a_cross
    p_pred[:, _SOC] += y * a_cross
    p_pred[_SOC, _SOC] += scale_variance * y**2
    cross = a_cross
    cross[_SOC] += y * scale_variance
    # A capacity pair's anchor: v = Cov(x, r0), r0 the SoC's error there less its share of c
    # (uncorrelated with c): A v, and after the update (I - K H) v.
    anchor = state.anchor_cross
    if anchor is not None:
        carried = anchor
        anchor = carried.copy()
        anchor[:3] = d * carried[:3] + u * carried[_BIAS] + w * carried[_DELTA]
    # Measurement: OCV is linear in SoC inside a table segment, so the slope read at
    # the prior SoC carries the OCV to the predicted SoC without a second lookup.
    h = np.empty((STATE_SIZE, count))
    h[_SOC], bend = _secant_slope(tables, base, t_weight, ends, segments, s_weight, rows)
    h[_V1 : _V2 + 1] = -1.0
    # the series drop R0 (1 + d) eta(I), bent by the kinetics (bms.cell._kinetics)
    r0 = rows[Row.R0] * base_scale
    limit = tables.bend_limit_a
    bent = series_overpotential_v(1.0, rows[Row.KINETIC], current, limit)
    h[_BIAS] = series_slope(r0 * one_plus_delta, rows[Row.KINETIC], current, limit)
    h[_DELTA] = -r0 * bent
    r0_current = r0 * one_plus_delta * bent
    predicted_v = (
        rows[Row.OCV]
        - bend / 3.0  # the OCV's expectation over the three points (_secant_slope)
        + rows[Row.DOCV_DSOC] * (x_pred[_SOC] - x[_SOC])
        - r0_current
        - x_pred[_V1]
        - x_pred[_V2]
    )
    lag_modes, lag_v = state.surface_lag, np.zeros(count)
    lag_sensitivity = state.lag_bias_sensitivity
    if model.surface_lag is not None:
        lag_modes = surface_lag_step(
            model.surface_lag,
            initial_surface_lag(count) if lag_modes is None else lag_modes,
            current_a=current,
            dt_s=dt_s,
            temperature_degc=temperature,
            capacity_ah=rows[Row.CAPACITY] * model.capacity_scale,
        )
        # d(modes)/db: the same filters driven by d(I - b)/db = -1 A
        lag_sensitivity = surface_lag_step(
            model.surface_lag,
            initial_surface_lag(count) if lag_sensitivity is None else lag_sensitivity,
            current_a=-1.0,
            dt_s=dt_s,
            temperature_degc=temperature,
            capacity_ah=rows[Row.CAPACITY] * model.capacity_scale,
        )
        offset = surface_offset(lag_modes)
        lag_v = surface_lag_voltage(model.surface_lag, x_pred[_SOC], offset)
        predicted_v = predicted_v + lag_v
        gradient = surface_lag_gradient(model.surface_lag, x_pred[_SOC], offset)
        h[_BIAS] += np.sum(gradient * surface_offset(lag_sensitivity), axis=0)
    innovation = np.where(valid, voltages - predicted_v, 0.0)
    load_v = (
        (tuning.overpotential_error_pct / 100.0) * (np.abs(r0_current) + np.abs(x_pred[_V1]))
        + (tuning.slow_overpotential_error_pct / 100.0) * np.abs(x_pred[_V2])
        + (tuning.surface_lag_error_pct / 100.0) * np.abs(lag_v)
    )
    regression = (2.0 / 9.0) * bend**2  # the regression's residual variance
    r = reference_measurement_variance(tuning, rows[Row.FIT_RMSE], load_v, inflation) + regression
    r_sample = reference_measurement_variance(tuning, rows[Row.FIT_RMSE], load_v, 1.0) + regression
    ph = np.einsum("ijn,jn->in", p_pred, h)
    hph = np.einsum("in,in->n", h, ph)
    s = hph + r
    sample_sigma = np.sqrt(hph + r_sample) * valid
    gain_share = valid / s
    k = ph * gain_share
    x_new = x_pred + k * innovation
    x_new[_SOC] = np.minimum(np.maximum(x_new[_SOC], 0.0), 1.0)
    if lag_modes is not None and lag_sensitivity is not None:  # the modes are a function of b
        lag_modes = lag_modes + lag_sensitivity * (x_new[_BIAS] - x_pred[_BIAS])
    # Joseph form for a scalar measurement, (I - K H) P (I - K H)^T + K r K^T
    # = P - K (PH)^T - (PH) K^T + s K K^T, with the gain K = m PH / s (m = 1 where the
    # voltage is valid, else 0) is exactly P - m (2 - m) / s (PH)(PH)^T = P - g g^T with
    # g = PH sqrt(m / s): computed so, it is symmetric to the last bit (g_i g_j = g_j g_i)
    # because the predicted P is symmetrised, and costs one outer product.
    g = ph * np.sqrt(gain_share)
    p_new = p_pred - g[:, None] * g[None]
    cross = cross - k * np.einsum("in,in->n", h, cross)  # c is not measured: H s, gain K
    if anchor is not None:
        anchor = anchor - k * np.einsum("in,in->n", h, anchor)
    new_state = EkfState(
        x=x_new,
        p=p_new,
        temperature_degc=temperature,
        surface_lag=lag_modes,
        lag_bias_sensitivity=lag_sensitivity,
        capacity_cross=cross,
        anchor_cross=anchor,
    )
    sigmas = (np.sqrt(s) * valid, sample_sigma)
    return new_state, _estimate(new_state, innovation, sigmas, ~valid, False)


def _predict_covariance(  # noqa: PLR0917 - the structured Jacobian's parts
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


def _secant_slope(  # noqa: PLR0917 - the step's shared lookups
    tables: CellTables,
    base: IndexArray,
    t_weight: FloatArray,
    points: FloatArray,
    segments: IndexArray,
    s_weight: FloatArray,
    rows: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """OCV slope in SoC over the estimate's spread, and the OCV's bend: a statistical linearisation.

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

    The bend ``b`` is the OCV at the SoC less the secant's line there: the
    regression of the OCV on the three points (weights 1/6, 2/3, 1/6) expects
    the OCV ``b / 3`` below its value at the SoC, with residual variance
    ``2 b^2 / 9``.
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
    bend: FloatArray = rows[Row.OCV] - (
        both[:count] + secant * (points[:count] - points[count : 2 * count])
    )
    return secant, bend


def _estimate(
    state: EkfState,
    innovation: FloatArray,
    innovation_sigmas: tuple[FloatArray, FloatArray],
    voltage_rejected: BoolArray,
    rejected: bool,
) -> SocEstimate:
    return SocEstimate(
        soc=state.x[_SOC].copy(),
        soc_sigma=np.sqrt(state.p[_SOC, _SOC]),
        current_bias_a=state.x[_BIAS].copy(),
        resistance_deviation=state.x[_DELTA].copy(),
        innovation_v=innovation,
        innovation_sigma_v=innovation_sigmas[0],
        innovation_sample_sigma_v=innovation_sigmas[1],
        voltage_rejected=voltage_rejected,
        rejected=rejected,
    )
