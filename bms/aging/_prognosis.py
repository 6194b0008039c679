"""On-board prognosis: a recursive Bayesian update of the aging scales and the remaining life.

ASIL: QM(D) (prognosis; never in the protection path).
Requirements: SWR_AGE_002, SWR_AGE_003.

The fitted model (``bms.aging._model``) gives, for a usage history, the
nominal calendar and cycle losses ``L_cal(t)``, ``L_cyc(t)`` of capacity and
``G_cal(t)``, ``G_cyc(t)`` of resistance. The cell's own aging is the model
with four multipliers ``theta`` (cell-to-cell spread and model error):

    capacity(t)   = 1 - theta_0 * L_cal(t) - theta_1 * L_cyc(t)
    resistance(t) = 1 + theta_2 * G_cal(t) + theta_3 * G_cyc(t)

Both are linear in ``theta``, so a Kalman measurement update (no process
noise: the multipliers are constants) is the exact Bayesian update of a
Gaussian prior; it is written out here (Joseph form) because it is five
lines of numpy.

A fifth state ``b`` is an error common to every capacity measurement, a
fraction of nominal capacity: a BMS counts the charge of its capacity
estimates with one current sensor, whose gain error is in every one of them
and no number of them averages away. A measured capacity reads
``1 - theta_0 L_cal - theta_1 L_cyc + b`` (the gain's product with the loss,
at most 0.5 % of 30 %, is left out); ``b`` has prior mean 0 and
``capacity_bias_sigma_pct`` and never enters a prediction, which is of the
cell's true capacity. Before, each measurement's error was independent, and
a gain error shifted every prediction unnoticed.

The prior has mean 1 and, by default, independent multipliers with
``prior_sigma``. With ``split_prior`` and the fit's multiplier statistics
in the parameter file (``make_aging_data.py`` computes them on the fit set
only), the capacity multipliers' covariance is instead the model's own error in splitting loss
between calendar and cycle aging (the spread and correlation of the
multipliers fitted to each fit history, typically anti-correlated) plus the
cell-to-cell spread ``prior_sigma`` as one factor common to both (a cell that
ages faster does so on the shelf and in use). It is off by default: on the
fit set it predicted worse than the independent prior.

A constant relative model error is itself a multiplier error, so the update
absorbs it; each measurement's variance is its own ``sigma^2`` plus only
what the multipliers cannot absorb: the fit's ``capacity_shape_rel_rms``
(relative residual left after each fit history's own multipliers) times the
predicted loss. (Without those statistics: the whole relative fit error
``capacity_loss_rel_rms``.) Each measurement can only shrink the covariance,
so more data never widens the interval.

The remaining useful life (RUL) to 80 % and 70 % capacity extrapolates the
history's mean stress (the accumulated ``integral k^(1/z)`` per second) and
finds where the predicted capacity, and its lower and upper bound at the
configured interval level, cross the threshold. The bound's variance is the
propagated parameter covariance ``h P h^T`` plus the model error of an
extrapolation: ``(shape^2 + (kappa * ln(t / t_end))^2) * loss^2``, where
``kappa`` (``capacity_extrapolation_rel``) is how fast the error of a
prediction grew with ``ln(t / t_cut)`` on the fit set when the multipliers
were fitted up to a cut-off; without the statistics, the whole relative fit
error is added. With fewer measurements ``P`` is wider and so is the
interval.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from bms.aging._history import UsageHistory
from bms.aging._model import AgingParameters, Term, row_increments

__all__ = [
    "Prognosis",
    "PrognosisConfig",
    "RemainingLife",
    "ScaleEstimate",
    "initial_estimate",
    "nominal_losses",
    "prognose",
    "update_scales",
]

FloatArray = npt.NDArray[np.float64]
_YEAR_S = 365.0 * 86400.0
_DAY_S = 86400.0
_SCALES = 5
_BIAS = 4


class PrognosisConfig(BaseModel):
    """Tuning of the prognosis."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True
    )

    prior_sigma: float = Field(default=0.3, gt=0.0, le=2.0)
    """1-sigma of each aging multiplier before any measurement (cell-to-cell spread)."""
    split_prior: bool = False
    """Prior of the capacity multipliers from the fit's multiplier statistics (the model's
    calendar/cycle split error plus ``prior_sigma`` as a factor common to both) instead of
    independent ``prior_sigma``. Off: on the fit set it predicted worse (docs/validation)."""
    capacity_bias_sigma_pct: float = Field(default=0.5, ge=0.0, le=10.0)
    """1-sigma of an error common to every capacity measurement, % of nominal capacity: the
    current sensor's gain error when the capacities are a BMS's own estimates (the default is
    ``SocFilterTuning.current_gain_error_pct``); 0 for reference tests with independent
    errors."""
    interval_level: float = Field(default=0.9, gt=0.5, lt=1.0)
    """Two-sided probability of the remaining-life interval."""
    horizon_years: float = Field(default=40.0, gt=0.0, le=200.0)
    """How far ahead the prognosis looks; later crossings are reported as beyond it."""
    grid_points: int = Field(default=8000, ge=100, le=200_000)
    """Time steps over the horizon (the RUL resolution is horizon / grid_points)."""


@dataclass(frozen=True)
class ScaleEstimate:
    """Gaussian belief on the aging multipliers and the capacity measurements' common bias.

    In order: capacity calendar and cycle, resistance calendar and cycle
    multipliers, then the bias (a fraction of nominal capacity).
    """

    mean: tuple[float, ...]
    """Mean of each multiplier, then of the bias."""
    covariance: tuple[tuple[float, ...], ...]
    """Covariance matrix, row by row."""
    measurements: int = 0
    """Measurements absorbed so far."""

    def arrays(self) -> tuple[FloatArray, FloatArray]:
        """Mean vector and covariance matrix as numpy arrays."""
        return np.array(self.mean, dtype=np.float64), np.array(self.covariance, dtype=np.float64)


def initial_estimate(
    config: PrognosisConfig, params: AgingParameters | None = None
) -> ScaleEstimate:
    """The prior: every multiplier 1, the measurements' common bias 0 with its sigma.

    By default, or without the fit's multiplier statistics, the multipliers
    are independent with ``prior_sigma``. With ``config.split_prior`` and the
    statistics, the two
    capacity multipliers get the model's own error in splitting calendar from
    cycle loss (their spread and correlation over the fit histories) plus the
    cell-to-cell spread ``prior_sigma`` as one factor common to both (a cell
    that ages faster does so on the shelf and in use).
    """
    cov = np.eye(_SCALES) * config.prior_sigma**2
    cov[_BIAS, _BIAS] = (config.capacity_bias_sigma_pct / 100) ** 2
    fit = params.fit if params is not None and config.split_prior else None
    if (
        fit is not None
        and fit.capacity_calendar_multiplier_rms is not None
        and fit.capacity_cycle_multiplier_rms is not None
        and fit.capacity_multiplier_correlation is not None
    ):
        spread = np.array([fit.capacity_calendar_multiplier_rms, fit.capacity_cycle_multiplier_rms])
        corr = np.array([[1.0, fit.capacity_multiplier_correlation]] * 2)
        corr[1] = corr[0][::-1]
        cov[:2, :2] = np.outer(spread, spread) * corr + config.prior_sigma**2
    mean = (1.0,) * _BIAS + (0.0,)
    return ScaleEstimate(mean, tuple(tuple(float(v) for v in r) for r in cov))


def update_scales(
    estimate: ScaleEstimate, row: FloatArray, innovation_base: float, variance: float
) -> ScaleEstimate:
    """One Kalman measurement update: ``y = innovation_base + row @ theta`` with ``variance``.

    Implements: SWR_AGE_002

    Returns the estimate unchanged if anything is non-finite or ``variance`` is not > 0.
    """
    mean, cov = estimate.arrays()
    if not (
        math.isfinite(innovation_base)
        and math.isfinite(variance)
        and variance > 0.0
        and np.all(np.isfinite(row))
    ):
        return estimate
    s = float(row @ cov @ row) + variance
    gain = cov @ row / s
    new_mean = mean + gain * (innovation_base - float(row @ mean))
    factor = np.eye(_SCALES) - np.outer(gain, row)
    new_cov = factor @ cov @ factor.T + np.outer(gain, gain) * variance
    new_cov = 0.5 * (new_cov + new_cov.T)
    return ScaleEstimate(
        tuple(float(v) for v in new_mean),
        tuple(tuple(float(v) for v in r) for r in new_cov),
        estimate.measurements + 1,
    )


def _integrals(term: Term | None, history: UsageHistory) -> FloatArray:
    if term is None:
        return np.zeros(len(history.rows))
    return np.cumsum(row_increments(term, tuple(r.usage() for r in history.rows)))


def nominal_losses(params: AgingParameters, history: UsageHistory) -> FloatArray:
    """Nominal (multiplier 1) losses at each row end: columns L_cal, L_cyc, G_cal, G_cyc.

    Implements: SWR_AGE_002
    """
    terms = (
        params.capacity_calendar,
        params.capacity_cycle,
        params.resistance_calendar,
        params.resistance_cycle,
    )
    columns = []
    for term in terms:
        integral = _integrals(term, history)
        columns.append(np.power(integral, term.exponent) if term is not None else integral)
    return np.stack(columns, axis=1)


@dataclass(frozen=True)
class RemainingLife:
    """Remaining useful life to a capacity threshold, with its interval (None: beyond horizon)."""

    threshold_pct: float
    """Capacity threshold, % of nominal."""
    days: float | None
    """Predicted remaining life (mean multipliers)."""
    lower_days: float | None
    """Early end of the interval (capacity's lower bound crosses first)."""
    upper_days: float | None
    """Late end of the interval (None: beyond the horizon)."""


@dataclass(frozen=True)
class Prognosis:
    """The outcome of a prognosis run."""

    chemistry: str
    """Chemistry of the parameters used."""
    age_days: float
    """Time at the end of the history."""
    efc: float
    """Equivalent full cycles over the history."""
    capacity_pct: float
    """Estimated present capacity, % of nominal."""
    capacity_sigma_pct: float
    """Its 1-sigma (parameters and model error)."""
    resistance_pct: float | None
    """Estimated present resistance, % of initial (None without a resistance model)."""
    resistance_sigma_pct: float | None
    """Its 1-sigma."""
    estimate: ScaleEstimate
    """Posterior of the aging multipliers."""
    interval_level: float
    """Two-sided probability of the intervals."""
    remaining: tuple[RemainingLife, ...]
    """Remaining life to 80 % and to 70 % capacity."""


def _measurement_updates(
    params: AgingParameters, history: UsageHistory, losses: FloatArray, config: PrognosisConfig
) -> ScaleEstimate:
    estimate = initial_estimate(config, params)
    cap_rel = _update_rel(params)
    res_rel = params.fit.resistance_gain_rel_rms or 0.0
    has_res = params.resistance_calendar is not None and params.resistance_cycle is not None
    for index, row in enumerate(history.rows):
        loss = losses[index]
        if row.capacity_pct is not None and row.capacity_sigma_pct is not None:
            h = np.array([-loss[0], -loss[1], 0.0, 0.0, 1.0])
            predicted = float(loss[:2] @ np.array(estimate.mean[:2]))
            variance = (row.capacity_sigma_pct / 100) ** 2 + (cap_rel * predicted) ** 2
            estimate = update_scales(estimate, h, row.capacity_pct / 100 - 1.0, variance)
        if has_res and row.resistance_pct is not None and row.resistance_sigma_pct is not None:
            h = np.array([0.0, 0.0, loss[2], loss[3], 0.0])
            predicted = float(h @ np.array(estimate.mean))
            variance = (row.resistance_sigma_pct / 100) ** 2 + (res_rel * predicted) ** 2
            estimate = update_scales(estimate, h, row.resistance_pct / 100 - 1.0, variance)
    return estimate


def _update_rel(params: AgingParameters) -> float:
    """Relative model error of one capacity measurement, beyond what the multipliers absorb."""
    fit = params.fit
    if fit.capacity_shape_rel_rms is not None:
        return fit.capacity_shape_rel_rms
    return fit.capacity_loss_rel_rms


def _model_sigma(
    params: AgingParameters, loss: FloatArray, end_s: float, times: FloatArray
) -> FloatArray:
    """1-sigma model error of the predicted loss ``times`` after the history's end."""
    fit = params.fit
    if fit.capacity_shape_rel_rms is None or fit.capacity_extrapolation_rel is None:
        return fit.capacity_loss_rel_rms * loss
    growth = fit.capacity_extrapolation_rel * np.log1p(times / end_s)
    result: FloatArray = np.hypot(fit.capacity_shape_rel_rms, growth) * loss
    return result


def _remaining(
    threshold: float, times: FloatArray, mean: FloatArray, sigma: FloatArray, z: float
) -> RemainingLife:
    def first(values: FloatArray) -> float | None:
        below = np.flatnonzero(values <= threshold)
        if below.size == 0:
            return None
        i = int(below[0])
        if i == 0:
            return 0.0
        v0, v1 = float(values[i - 1]), float(values[i])
        frac = (v0 - threshold) / (v0 - v1) if v0 != v1 else 0.0
        return float(times[i - 1] + frac * (times[i] - times[i - 1])) / _DAY_S

    return RemainingLife(
        100 * threshold, first(mean), first(mean - z * sigma), first(mean + z * sigma)
    )


def prognose(
    params: AgingParameters, history: UsageHistory, config: PrognosisConfig | None = None
) -> Prognosis:
    """Update the multipliers from the history's measurements; predict RUL to 80 % and 70 %.

    Implements: SWR_AGE_002, SWR_AGE_003

    The future use is the history's mean stress, continued at the same rate.
    A multiplier that the data push below 0 (the model cannot explain them)
    predicts as 0: aging never reverses. Its posterior is reported unchanged.
    """
    config = config or PrognosisConfig()
    losses = nominal_losses(params, history)
    estimate = _measurement_updates(params, history, losses, config)
    mean, cov = estimate.arrays()
    mean = np.maximum(mean[:_BIAS], 0.0)  # aging never reverses: a multiplier < 0 predicts as 0
    end_s = history.rows[-1].end_s
    terms = (params.capacity_calendar, params.capacity_cycle)
    rates = [float(_integrals(t, history)[-1]) / end_s for t in terms]
    times = np.linspace(0.0, config.horizon_years * _YEAR_S, config.grid_points + 1)
    future = np.stack(
        [
            np.power(float(_integrals(t, history)[-1]) + rate * times, t.exponent)
            for t, rate in zip(terms, rates, strict=True)
        ],
        axis=1,
    )
    loss = future @ mean[:2]
    capacity = 1.0 - loss
    variance = (
        np.einsum("ij,jk,ik->i", future, cov[:2, :2], future)
        + _model_sigma(params, loss, end_s, times) ** 2
    )
    sigma = np.sqrt(np.maximum(variance, 0.0))
    z = NormalDist().inv_cdf(0.5 + config.interval_level / 2)
    remaining = tuple(_remaining(t, times, capacity, sigma, z) for t in (0.8, 0.7))
    res_pct = res_sigma = None
    if params.resistance_calendar is not None and params.resistance_cycle is not None:
        g = losses[-1, 2:]
        gain = float(g @ mean[2:])
        res_rel = params.fit.resistance_gain_rel_rms or 0.0
        res_pct = 100 * (1.0 + gain)
        res_sigma = 100 * math.sqrt(float(g @ cov[2:_BIAS, 2:_BIAS] @ g) + (res_rel * gain) ** 2)
    return Prognosis(
        chemistry=params.chemistry,
        age_days=end_s / _DAY_S,
        efc=float(sum(r.efc for r in history.rows)),
        capacity_pct=100 * float(capacity[0]),
        capacity_sigma_pct=100 * float(sigma[0]),
        resistance_pct=res_pct,
        resistance_sigma_pct=res_sigma,
        estimate=estimate,
        interval_level=config.interval_level,
        remaining=remaining,
    )
