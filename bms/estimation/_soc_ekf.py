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

* the covariance update uses the Joseph form and is symmetrised, so it stays
  symmetric positive definite;
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
through the input), plus random walks on each state for model error; the
measurement noise is the voltage sensor's plus a model-error term. Both are
:class:`SocFilterTuning` fields, so the bound can be made honest for a given
plant.

The filter is hand-written on numpy because filterpy's
``ExtendedKalmanFilter`` filters one cell per object (a Python loop over 96
cells); the benchmark in ``verification/bench/bench_estimator.py`` compares both.
"""

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bms.cell import CellModel, CellParameters, Chemistry, cell_model, lookup, ocv

__all__ = [
    "EkfState",
    "SocEstimate",
    "SocEstimator",
    "SocFilterTuning",
    "ekf_step",
    "initial_ekf_state",
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
    model_error_v: float = 0.012
    """Terminal-voltage error of the equivalent circuit, rms, added to the measurement noise.

    The shipped calibrated files fit the physics model to about 11-12 mV rms (their
    ``fit.pulse_rmse_v_by_temperature``); 12 mV also keeps the bound honest on the
    equivalent-circuit plant for NMC.
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


def _random_walks(tuning: SocFilterTuning, dt_s: float) -> tuple[float, ...]:
    """Variance added to each state per step by its random walk."""
    rc = tuning.rc_random_walk_v_per_sqrt_s**2 * dt_s
    bias = tuning.bias_random_walk_a_per_sqrt_s**2 * dt_s if tuning.estimate_current_bias else 0.0
    delta = (
        tuning.resistance_random_walk_per_sqrt_s**2 * dt_s if tuning.estimate_resistance else 0.0
    )
    return (tuning.soc_random_walk_per_sqrt_s**2 * dt_s, rc, rc, bias, delta)


def _predict_covariance(
    p: FloatArray,
    rows: tuple[FloatArray, FloatArray, FloatArray],
    input_var: float,
    walks: tuple[float, ...],
) -> FloatArray:
    """``A P A^T + Q`` for ``A = diag(d) + u e_b^T + w e_d^T`` (only its first 3 rows differ).

    ``rows`` holds the first three entries of ``d``, ``u`` and ``w`` per cell,
    shape (3, cells) each; ``Q`` is the input noise ``input_var u u^T`` plus
    the random walks on the diagonal.
    """
    d, u, w = rows
    ap = p.copy()
    ap[:3] = (
        d[:, None, :] * p[:3] + u[:, None, :] * p[_BIAS][None] + w[:, None, :] * p[_DELTA][None]
    )
    p_pred = ap.copy()
    p_pred[:, :3] = (
        ap[:, :3] * d[None, :, :]
        + ap[:, _BIAS][:, None, :] * u[None, :, :]
        + ap[:, _DELTA][:, None, :] * w[None, :, :]
    )
    p_pred[:3, :3] += input_var * (u[:, None, :] * u[None, :, :])
    for index, variance in enumerate(walks):
        p_pred[index, index] += variance
    return p_pred


def ekf_step(  # noqa: PLR0913 - the filter's inputs are exactly these
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
    columns A changes) rather than as batched
    5x5 matrix products, which numpy runs no faster for such small matrices.

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
    temperatures = np.asarray(cell_temperatures_degc, dtype=np.float64)
    low_t, high_t = tuning.temperature_range_degc
    plausible = (temperatures >= low_t) & (temperatures <= high_t)
    temperature = np.where(plausible, temperatures, state.temperature_degc)
    x, p = state.x, state.p
    current = current_a - x[_BIAS]
    parameters = lookup(model.tables, temperature, x[_SOC])
    base_scale = model.resistance_scale
    scale = base_scale * (1.0 + x[_DELTA])
    decay1 = np.exp(-dt_s / parameters.tau1_s)
    decay2 = np.exp(-dt_s / parameters.tau2_s)
    gain_soc = dt_s / (_SECONDS_PER_HOUR * parameters.capacity_ah * model.capacity_scale)
    unit_v1 = parameters.r1_ohm * base_scale * (1.0 - decay1)
    unit_v2 = parameters.r2_ohm * base_scale * (1.0 - decay2)
    gain_v1 = unit_v1 * (1.0 + x[_DELTA])
    gain_v2 = unit_v2 * (1.0 + x[_DELTA])
    zeros = np.zeros_like(gain_soc)
    ones = zeros + 1.0
    x_pred = np.array(
        [
            np.minimum(np.maximum(x[_SOC] - gain_soc * current, 0.0), 1.0),
            decay1 * x[_V1] + gain_v1 * current,
            decay2 * x[_V2] + gain_v2 * current,
            x[_BIAS],
            x[_DELTA],
        ]
    )
    # A = diag(d) + u e_b^T + w e_d^T, which differs from the identity only in its first
    # three rows (d, u, w below are those rows); the input column (dx'/dI_meas) is -u.
    d = np.array([ones, decay1, decay2])
    u = np.array([gain_soc, -gain_v1, -gain_v2])
    w = np.array([zeros, unit_v1 * current, unit_v2 * current])
    share = np.hypot(tuning.current_gain_error_pct, tuning.capacity_uncertainty_pct) / _PERCENT
    input_var = tuning.current_noise_a**2 + (share * current_a) ** 2
    p_pred = _predict_covariance(p, (d, u, w), input_var, _random_walks(tuning, dt_s))
    # Measurement: OCV is linear in SoC inside a table segment, so the slope read at
    # the prior SoC carries the OCV to the predicted SoC without a second lookup.
    r0 = parameters.r0_ohm * scale
    open_v = parameters.ocv_v + parameters.docv_dsoc_v * (x_pred[_SOC] - x[_SOC])
    predicted_v = open_v - r0 * current - x_pred[_V1] - x_pred[_V2]
    slope = _secant_slope(model, temperature, x_pred[_SOC], p_pred[_SOC, _SOC], parameters)
    h = np.array([slope, -ones, -ones, r0, -parameters.r0_ohm * base_scale * current])
    innovation = np.where(valid, voltages - predicted_v, 0.0)
    r = tuning.voltage_noise_v**2 + tuning.model_error_v**2
    ph = np.einsum("ijn,jn->in", p_pred, h)
    s = np.einsum("in,in->n", h, ph) + r
    k = ph * (valid / s)
    x_new = x_pred + k * innovation
    x_new[_SOC] = np.minimum(np.maximum(x_new[_SOC], 0.0), 1.0)
    # Joseph form for a scalar measurement, expanded (valid for any gain K):
    # (I - K H) P (I - K H)^T + K r K^T = P - K (PH)^T - (PH) K^T + K s K^T.
    k_ph = k[:, None, :] * ph[None, :, :]
    p_new = p_pred - k_ph - k_ph.transpose(1, 0, 2) + s * (k[:, None, :] * k[None, :, :])
    p_new = 0.5 * (p_new + p_new.transpose(1, 0, 2))
    new_state = EkfState(x=x_new, p=p_new, temperature_degc=temperature)
    return new_state, _estimate(new_state, innovation, ~valid, False)


def _secant_slope(
    model: CellModel,
    temperature: FloatArray,
    soc: FloatArray,
    soc_variance: FloatArray,
    parameters: CellParameters,
) -> FloatArray:
    """OCV slope in SoC over the estimate's spread: a statistical linearisation.

    The secant of the OCV between ``SoC -/+ sqrt(3) sigma`` (the points an
    unscented transform would take) instead of the tangent: while the SoC is
    uncertain, a flat OCV plateau around the estimate (LFP) must not make the
    filter believe a voltage error says nothing about the SoC, nor the slope
    of one table segment make it over-confident. As sigma shrinks it tends to
    the tangent.
    """
    spread = np.sqrt(3.0 * soc_variance)
    low = np.maximum(soc - spread, 0.0)
    high = np.minimum(soc + spread, 1.0)
    width = high - low
    count = soc.shape[0]
    both = ocv(
        model.tables, np.concatenate([temperature, temperature]), np.concatenate([low, high])
    )
    ocv_low, ocv_high = both[:count], both[count:]
    secant: FloatArray = np.where(
        width > 1e-6, (ocv_high - ocv_low) / np.maximum(width, 1e-6), parameters.docv_dsoc_v
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
