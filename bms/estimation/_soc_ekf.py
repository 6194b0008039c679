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
uncertain, and tends to the tangent as the bound shrinks.

Each cell's input current is the measured string current plus, when the
caller gives it, the current its balancing resistor draws (commanded, so
known: the offset state applies to the measured part only).

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

from bms.cell import CellModel, CellTables, Chemistry, Row, cell_model

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
    constants: "_StepConstants | None" = None
    """What the last step derived from its tuning and step length (reused while they match)."""


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


@dataclass(frozen=True)
class _StepConstants:
    """What a step needs of the tuning and the step length, computed once per (tuning, dt)."""

    tuning: SocFilterTuning
    dt_s: float
    walks: FloatArray
    """Random-walk variances of the five states, shape (5, 1)."""
    share: float
    """Input-noise share of the current (gain error and capacity uncertainty)."""
    noise2: float
    """Variance of the current sensor's white noise."""
    inflation: float
    """Model-error inflation ``max(1, tau_c / dt)``."""
    load_share2: float
    """``inflation (k / 100)^2``: the overpotential's share of the measurement variance."""
    rest2: float
    """Sensor plus inflated rest model-error variance (without the fit-residual floor)."""


def _step_constants(
    tuning: SocFilterTuning, dt_s: float, last: "_StepConstants | None"
) -> _StepConstants:
    """Constants of the tuning for a step length: ``last`` (the previous step's) when they match.

    The filter's state carries them from step to step, so the cache is explicit
    data flow, not module state (language subset, SUB004).
    """
    if last is not None and last.tuning is tuning and last.dt_s == dt_s:
        return last
    rc = tuning.rc_random_walk_v_per_sqrt_s**2 * dt_s
    bias = tuning.bias_random_walk_a_per_sqrt_s**2 * dt_s if tuning.estimate_current_bias else 0.0
    delta = (
        tuning.resistance_random_walk_per_sqrt_s**2 * dt_s if tuning.estimate_resistance else 0.0
    )
    walks = np.array([[tuning.soc_random_walk_per_sqrt_s**2 * dt_s], [rc], [rc], [bias], [delta]])
    share = math.hypot(tuning.current_gain_error_pct, tuning.capacity_uncertainty_pct) / _PERCENT
    inflation = max(1.0, tuning.model_error_correlation_s / dt_s)
    return _StepConstants(
        tuning=tuning,
        dt_s=dt_s,
        walks=walks,
        share=share,
        noise2=tuning.current_noise_a**2,
        inflation=inflation,
        load_share2=inflation * (tuning.overpotential_error_pct / _PERCENT) ** 2,
        rest2=tuning.voltage_noise_v**2 + inflation * tuning.model_error_v**2,
    )


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
    bleed_current_a: FloatArray | None = None,
) -> tuple[EkfState, SocEstimate]:
    """One predict-and-update step of every cell's filter.

    Implements: SWR_SOC_001, SWR_SOC_002, SWR_SOC_003, SWR_SOC_004, SWR_SOC_005

    The state-transition Jacobian is ``A = diag(1, a1, a2, 1, 1) + u e_b^T +
    w e_d^T`` and the measurement is scalar per cell, so ``A P A^T`` and the
    Joseph update ``(I - K H) P (I - K H)^T + K R K^T`` are written out with
    these structures: only the three rows A changes are multiplied (one
    ``einsum`` each way, over every cell at once), and the Joseph update is
    one outer product. The tables are read with one gather of precomputed
    bilinear coefficients for the SoC and one of the OCV's for both secant
    ends, from one temperature bracket (``np.interp`` onto the breakpoint
    index) and one SoC bracket of all three points (arithmetic on the
    shipped uniform grids). The step's cost is numpy's per-call overhead,
    not the cells (about 100 numpy calls whatever the number of cells), so
    the step computes in place (``out=``) where that saves a call or a
    temporary, calls ufuncs rather than operators on Python scalars (numpy's
    operator path with a Python float costs about twice a ufunc call), and
    caches what depends only on the tuning and the step length. The result
    equals the step before this rewrite to 1e-12 (``test_soc_ekf.py``).

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
    low_v, high_v = tuning.voltage_range_v
    valid = np.greater_equal(voltages, low_v) & np.less_equal(voltages, high_v)  # NaN: False
    if not (
        abs(current_a) <= tuning.max_abs_current_a and 0.0 < dt_s <= tuning.max_step_s
    ):  # also False for NaN
        return state, _estimate(state, np.zeros_like(voltages), ~valid, True)
    cell_current: FloatArray | float = current_a
    if bleed_current_a is not None:
        bleed = np.asarray(bleed_current_a, dtype=np.float64)
        if not np.all(np.abs(bleed) <= tuning.max_abs_current_a):  # also False for NaN
            return state, _estimate(state, np.zeros_like(voltages), ~valid, True)
        cell_current = current_a + bleed
    constants = _step_constants(tuning, dt_s, state.constants)
    temperatures = np.asarray(cell_temperatures_degc, dtype=np.float64)
    low_t, high_t = tuning.temperature_range_degc
    plausible = np.greater_equal(temperatures, low_t) & np.less_equal(temperatures, high_t)
    temperature = state.temperature_degc.copy()
    np.copyto(temperature, temperatures, where=plausible)
    x, p = state.x, state.p
    count = x.shape[1]
    tables = model.tables
    base_scale = model.resistance_scale
    scaled_r = not (isinstance(base_scale, float) and base_scale == 1.0)  # else skipped: exact
    # One bracket of the 3 x cells points: the SoC and the two ends of its secant,
    # SoC -/+ sqrt(3) sigma (the points of an unscented transform; module docstring). The
    # spread is the prior's around the prior SoC: one sample's prediction moves the SoC by
    # less than 1e-4 and its variance by less than 1e-8, so the secant is the same to that
    # order and one bracket serves the step.
    soc = x[_SOC]
    spread = np.multiply(p[_SOC, _SOC], 3.0)
    np.sqrt(spread, out=spread)
    points = np.concatenate((soc, soc - spread, soc + spread))
    np.maximum(points, 0.0, out=points)
    np.minimum(points, 1.0, out=points)
    s_position = _soc_position(tables, points)
    s_segment = s_position.astype(np.intp)
    np.minimum(s_segment, tables.soc_position.shape[0] - 2, out=s_segment)
    s_weight = s_position - s_segment
    t_position = np.interp(temperature, tables.temperature_degc, tables.temperature_position)
    t_segment = t_position.astype(np.intp)
    last_t_segment = tables.coefficients.shape[2] // (tables.soc_position.shape[0] - 1) - 1
    np.minimum(t_segment, last_t_segment, out=t_segment)
    t_weight = t_position - t_segment
    np.multiply(t_segment, tables.soc_position.shape[0] - 1, out=t_segment)  # row of the grid
    by_point = s_segment.reshape(3, count)  # a view: s_segment becomes each point's grid cell
    by_point += t_segment
    cells = s_segment
    floor = tuning.fit_residual_floor  # else the fit-residual row is not read
    c = np.take(
        tables.coefficients if floor else tables.circuit_coefficients, cells[:count], axis=2
    )
    s_w = s_weight[:count]
    rows = c[0] + c[1] * s_w + (c[2] + c[3] * s_w) * t_weight
    e = np.take(tables.ocv_coefficients, cells[count:], axis=1)
    e_w = s_weight[count:].reshape(2, count)
    e = e.reshape(4, 2, count)
    ends = e[0] + e[1] * e_w + (e[2] + e[3] * e_w) * t_weight
    # Prediction.
    current = np.subtract(cell_current, x[_BIAS])
    one_plus_delta = np.add(x[_DELTA], 1.0)
    # A = diag(d) + u e_b^T + w e_d^T: its first three rows (the others are the identity's)
    # hold d on their diagonal and u, w in columns 3 and 4 (views into a_top below); the
    # input column (dx'/dI_meas) is -u.
    a_top = np.zeros((3, STATE_SIZE, count))
    d = a_top.reshape(3 * STATE_SIZE, count)[:: STATE_SIZE + 1]
    d[0] = 1.0
    decay = d[1:]  # both RC pairs, shape (2, cells)
    np.divide(-dt_s, rows[Row.TAU1 : Row.TAU2 + 1], out=decay)
    np.exp(decay, out=decay)
    unit = np.subtract(1.0, decay)
    if scaled_r:
        np.multiply(unit, base_scale, out=unit)
    np.multiply(rows[Row.R1 : Row.R2 + 1], unit, out=unit)
    u = a_top[:, _BIAS]
    gain_soc = u[0]
    np.multiply(rows[Row.CAPACITY], _SECONDS_PER_HOUR, out=gain_soc)
    capacity_scale = model.capacity_scale
    if not (isinstance(capacity_scale, float) and capacity_scale == 1.0):
        np.multiply(gain_soc, capacity_scale, out=gain_soc)
    np.divide(dt_s, gain_soc, out=gain_soc)
    np.multiply(unit, np.negative(one_plus_delta), out=u[1:])
    w = a_top[:, _DELTA]
    np.multiply(unit, current, out=w[1:])
    x_pred = np.empty((STATE_SIZE, count))
    soc_pred = x_pred[_SOC]
    np.multiply(gain_soc, current, out=soc_pred)
    np.subtract(soc, soc_pred, out=soc_pred)
    np.maximum(soc_pred, 0.0, out=soc_pred)
    np.minimum(soc_pred, 1.0, out=soc_pred)
    np.add(decay * x[_V1 : _V2 + 1], unit * (one_plus_delta * current), out=x_pred[_V1 : _V2 + 1])
    x_pred[_BIAS:] = x[_BIAS:]
    input_var: FloatArray | float
    if bleed_current_a is None:
        input_var = constants.noise2 + (constants.share * current_a) ** 2
    else:
        input_var = np.square(np.multiply(cell_current, constants.share))
        input_var += constants.noise2
    p_pred = _predict_covariance(p, a_top, input_var, constants)
    # Measurement: OCV is linear in SoC inside a table segment, so the slope read at
    # the prior SoC carries the OCV to the predicted SoC without a second lookup.
    h = np.empty((STATE_SIZE, count))
    width = points[2 * count :] - points[count : 2 * count]
    # The secant, or the tangent once the spread is narrower than 1e-6.
    np.divide(ends[1] - ends[0], np.maximum(width, 1e-6), out=h[_SOC])
    np.copyto(h[_SOC], rows[Row.DOCV_DSOC], where=np.less_equal(width, 1e-6))
    h[_V1 : _V2 + 1] = -1.0
    np.multiply(
        rows[Row.R0],
        np.multiply(one_plus_delta, base_scale) if scaled_r else one_plus_delta,
        out=h[_BIAS],
    )
    np.multiply(rows[Row.R0], np.multiply(current, -base_scale), out=h[_DELTA])
    r0_current = h[_BIAS] * current
    predicted_v = rows[Row.OCV] + rows[Row.DOCV_DSOC] * (soc_pred - soc)
    predicted_v -= r0_current
    predicted_v -= x_pred[_V1]
    predicted_v -= x_pred[_V2]
    innovation = np.zeros(count)
    np.subtract(voltages, predicted_v, out=innovation, where=valid)
    rc_abs = np.abs(x_pred[_V1 : _V2 + 1])
    overpotential = np.abs(r0_current)
    overpotential += rc_abs[0]
    overpotential += rc_abs[1]
    if floor:
        r = measurement_variance(tuning, rows[Row.FIT_RMSE], overpotential, constants.inflation)
    else:
        r = overpotential * overpotential
        np.multiply(r, constants.load_share2, out=r)
        np.add(r, constants.rest2, out=r)
    ph = np.einsum("ijn,jn->in", p_pred, h)
    s = np.einsum("in,in->n", h, ph)
    s += r
    gain_share = np.divide(valid, s)
    x_new = ph * (gain_share * innovation)
    x_new += x_pred
    soc_new = x_new[_SOC]
    np.maximum(soc_new, 0.0, out=soc_new)
    np.minimum(soc_new, 1.0, out=soc_new)
    # Joseph form for a scalar measurement, (I - K H) P (I - K H)^T + K r K^T
    # = P - K (PH)^T - (PH) K^T + s K K^T, with the gain K = m PH / s (m = 1 where the
    # voltage is valid, else 0) is exactly P - m (2 - m) / s (PH)(PH)^T = P - g g^T with
    # g = PH sqrt(m / s): computed so, it is symmetric to the last bit (g_i g_j = g_j g_i)
    # because the predicted P is symmetrised, and costs one outer product.
    g = ph * np.sqrt(gain_share)
    p_new = g[:, None] * g[None]
    np.subtract(p_pred, p_new, out=p_new)
    new_state = EkfState(x=x_new, p=p_new, temperature_degc=temperature, constants=constants)
    return new_state, _estimate(new_state, innovation, ~valid, False)


def _predict_covariance(
    p: FloatArray,
    a_top: FloatArray,
    input_var: FloatArray | float,
    constants: _StepConstants,
) -> FloatArray:
    """``A P A^T + Q`` for ``A`` that differs from the identity only in its first 3 rows.

    ``a_top`` holds those rows, shape (3, 5, cells): ``diag(d)`` and the
    columns ``u`` (offset, 3) and ``w`` (resistance, 4). ``Q`` is the input
    noise ``input_var u u^T`` plus the random walks on the diagonal. Rows and
    columns 3 and 4 (offset and resistance) are copied, not multiplied by
    identity rows; the two products with ``a_top`` are one ``einsum`` each
    (one numpy call instead of a sum of broadcast products). The input noise
    rides on the second product: since ``A``'s column 3 is ``u``, adding
    ``input_var u`` to column 3 of ``A P`` adds exactly ``input_var u u^T``.
    """
    ap = np.einsum("ikn,kjn->ijn", a_top, p)  # rows 0-2 of A P, shape (3, 5, cells)
    p_pred = np.empty_like(p)
    p_pred[3:, 3:] = p[3:, 3:]  # A's rows 3-4 are the identity's: P's block stays
    side = ap[:, 3:]
    p_pred[:3, 3:] = side
    p_pred[3:, :3] = side.transpose(1, 0, 2)
    ap[:, _BIAS] += np.multiply(a_top[:, _BIAS], input_var)
    top = np.einsum("ikn,jkn->ijn", ap, a_top)
    top += top.transpose(1, 0, 2)
    np.multiply(top, 0.5, out=p_pred[:3, :3])  # symmetrised: the only block not so by construction
    diagonal = p_pred.reshape(STATE_SIZE * STATE_SIZE, -1)[:: STATE_SIZE + 1]
    diagonal += constants.walks
    return p_pred


def _soc_position(tables: CellTables, points: FloatArray) -> FloatArray:
    """Fractional SoC breakpoint index of each point already clamped to [0, 1].

    On a uniform grid from 0 to 1 (the shipped chemistries) by one multiplication,
    as :func:`bms.cell.soc_bracket` computes it; else by ``np.interp`` (clamped to the grid).
    """
    step = tables.soc_uniform_step
    grid = tables.soc
    if step > 0.0 and grid[0] == 0.0 and grid[-1] == 1.0:
        return np.multiply(points, 1.0 / step)
    return np.interp(points, grid, tables.soc_position)


def _estimate(
    state: EkfState, innovation: FloatArray, voltage_rejected: BoolArray, rejected: bool
) -> SocEstimate:
    x = state.x.copy()  # one copy whose rows the caller may keep or change
    return SocEstimate(
        soc=x[_SOC],
        soc_sigma=np.sqrt(state.p[_SOC, _SOC]),
        current_bias_a=x[_BIAS],
        resistance_deviation=x[_DELTA],
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
        bleed_current_a: FloatArray | None = None,
    ) -> SocEstimate:
        """Advance every cell's filter by one sample (see :func:`ekf_step`).

        ``bleed_current_a``: each cell's balancing current over the step
        (positive), added to the measured string current; ``None`` for none.
        """
        self.state, estimate = ekf_step(
            self.model,
            self.tuning,
            self.state,
            cell_voltages_v=cell_voltages_v,
            current_a=current_a,
            cell_temperatures_degc=cell_temperatures_degc,
            dt_s=dt_s,
            bleed_current_a=bleed_current_a,
        )
        return estimate
