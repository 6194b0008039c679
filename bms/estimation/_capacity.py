"""State of Health, capacity: Plett's approximate weighted total least squares (AWTLS).

ASIL: QM(D) (estimation channel). Requirements: SWR_SOH_001, SWR_SOH_002, SWR_SOH_004.

Each update is one pair per cell: ``x`` the SoC change over a segment (from
the SoC filter, noisy) and ``y`` the charge that flowed (from the current
sensor, noisy), with ``y = Q x``. Ordinary or weighted least squares treat
``x`` as exact and are biased and over-confident; AWTLS weighs the noise of
both (G. L. Plett, "Recursive approximate weighted total least squares
estimation of battery cell total capacity", J. Power Sources 196 (2011)
2319-2331). It keeps six running sums per cell, faded by a forgetting factor
``gamma < 1`` so that it tracks fade, and finds ``Q`` as the positive real root
of a quartic that minimises the approximate cost; the bound is from the cost's
second derivative (``sigma_Q^2 = 2 / H``). Variables are pre-scaled by
``K = sqrt(var_x / var_y)`` as in the paper.

The approximation is exact (the weighted total least squares cost
``sum (y - Q x)^2 / (var_y + Q^2 var_x)``) only for pairs whose ratio
``var_x / var_y`` equals ``K^2``. For any other pair the approximate cost
weighs it by ``(1 / var_y + K^4 Q^2 / var_x) / (1 + K^2 Q^2)^2`` instead of
``1 / (var_y + Q^2 var_x)``: with ``K^2 Q^2`` near 0.8, a pair whose ratio
is 10 to 120 times ``K^2`` (the validation driver's former 300 s pairs) is
weighed 3 to 30 times too strongly, and a rest-to-rest pair with the SoC
change known to 1.4 points and the charge to 0.5 % (540 times) 130 times,
its bound 11 times too small. Each pair is therefore
given to the sums with *equivalent variances*: ``var_y' = (var_y + Q^2
var_x) / (1 + K^2 Q^2)`` and ``var_x' = K^2 var_y'``, ``Q`` the estimate
before the update, then once more at the estimate this gives. They have
the ratio ``K^2``, so the approximate cost of the pair is its exact cost
``(y - Q x)^2 / (var_y + Q^2 var_x)`` at ``Q`` (and close to it near
``Q``); for a pair that already has the ratio ``K^2`` they are its own
variances, so Plett's algorithm is unchanged there (the BEV benchmark of
``docs/validation/capacity`` to 1e-13). The same total variance takes a
covariance of the pair's two errors when the caller knows it (``var_y + Q^2
var_x - 2 Q cov``): a SoC filter that counts charge with the same
current-offset estimate as the pair's charge makes the two errors share
the offset's.

:func:`predict_capacity` adds a random walk of the capacity to the sums,
the prediction step AWTLS lacks (it has only the forgetting factor).

No library implements AWTLS; this is a transcription of the paper's
equations, vectorised over the cells (the quartic roots of every cell come
from one batched eigenvalue call on the companion matrices).
"""

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

__all__ = [
    "CapacityEstimate",
    "CapacityState",
    "awtls_update",
    "capacity_since",
    "initial_capacity_state",
    "predict_capacity",
    "prior_sums",
    "state_of_health",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""
_EQUIVALENT_PASSES = 2
"""Solves per update: the pair's equivalent variances at the previous estimate, then at the new."""
_MAX_CORRELATION = 0.99
"""Largest magnitude of a pair's error correlation accepted (keeps its total variance > 0)."""
_NO_INFORMATION = 1e-9
"""Share of a cell's information below which :func:`capacity_since` finds no pair (rounding)."""


@dataclass(frozen=True)
class CapacityState:
    """Running sums and estimate of every cell, each array of shape (cells,)."""

    c: FloatArray
    """The six faded sums c1..c6 of the paper, shape (6, cells)."""
    k: float
    """Pre-scaling constant ``sqrt(var_x / var_y)``."""
    gamma: float
    """Forgetting factor in (0, 1]."""
    capacity_ah: FloatArray
    """Current estimate of each cell's capacity."""
    capacity_sigma_ah: FloatArray
    """Its standard deviation."""
    fade: FloatArray | None = None
    """Per cell, the factor every sum has been faded by (forgetting factor, random walk)
    since the state was built or loaded (None: 1): what :func:`capacity_since` needs to
    take an earlier state's share out of the sums."""


def _fade(state: CapacityState) -> FloatArray:
    return np.ones_like(state.capacity_ah) if state.fade is None else state.fade


@dataclass(frozen=True)
class CapacityEstimate:
    """Capacity estimates with their bounds."""

    capacity_ah: FloatArray
    """Capacity estimate of each cell."""
    capacity_sigma_ah: FloatArray
    """Standard deviation of each estimate."""


def initial_capacity_state(  # noqa: PLR0913 - the paper's initialisation needs each
    series_count: int,
    *,
    nominal_capacity_ah: float,
    initial_sigma_ah: float,
    soc_sigma: float,
    ah_sigma: float,
    gamma: float = 0.99,
) -> CapacityState:
    """Prior: the nominal capacity, as one pseudo-measurement ``x = 1``, ``y = Q_nom``.

    Implements: SWR_SOH_001

    Args:
        series_count: cells.
        nominal_capacity_ah: prior capacity.
        initial_sigma_ah: prior standard deviation of the capacity.
        soc_sigma: typical standard deviation of ``x`` (sets the pre-scaling).
        ah_sigma: typical standard deviation of ``y`` (sets the pre-scaling).
        gamma: forgetting factor in (0, 1].

    Raises:
        ValueError: on non-positive capacity or sigmas, or gamma outside (0, 1].
    """
    if not (nominal_capacity_ah > 0.0 and initial_sigma_ah > 0.0):
        raise ValueError(
            f"nominal_capacity_ah={nominal_capacity_ah} and initial_sigma_ah={initial_sigma_ah} "
            "must be > 0"
        )
    if not (soc_sigma > 0.0 and ah_sigma > 0.0):
        raise ValueError(f"soc_sigma={soc_sigma} and ah_sigma={ah_sigma} must be > 0")
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma={gamma} must be in (0, 1]")
    k = soc_sigma / ah_sigma
    sums = prior_sums(k, np.array([nominal_capacity_ah]), np.array([initial_sigma_ah]))
    return CapacityState(
        c=np.repeat(sums, series_count, axis=1),
        k=k,
        gamma=gamma,
        capacity_ah=np.full(series_count, nominal_capacity_ah),
        capacity_sigma_ah=np.full(series_count, initial_sigma_ah),
    )


def prior_sums(k: float, capacity_ah: FloatArray, sigma_ah: FloatArray) -> FloatArray:
    """The AWTLS sums of each cell's prior, one pseudo-pair ``x = 1``, ``y = Q``, shape (6, cells).

    Implements: SWR_SOH_001

    The pair is given its equivalent variances at ``Q`` (module docstring):
    ``var_y' = sigma^2 / (1 + K^2 Q^2)`` and ``var_x' = K^2 var_y'``, so that
    its total variance ``var_y' + Q^2 var_x'`` is ``sigma^2`` and the sums'
    bound is the stated sigma. Giving both ``var_y`` and the SoC-scaled
    ``var_x`` the full ``sigma^2`` (this function's first version) made the
    bound ``sigma sqrt(1 + K^2 Q^2)``: sqrt(2) times the stated sigma for
    the on-board tracker (``K Q = 1``), which its first pair then showed.
    """
    var_y = sigma_ah * sigma_ah / (1.0 + k * k * capacity_ah * capacity_ah)
    base = 1.0 / (k * k * var_y)
    return np.array(
        [base, k * capacity_ah * base, k * k * capacity_ah**2 * base] * 2, dtype=np.float64
    )


def awtls_update(  # noqa: PLR0913 - the paper's pair, its variances and their covariance
    state: CapacityState,
    soc_change: FloatArray,
    charge_ah: FloatArray | float,
    soc_change_var: FloatArray | float,
    charge_var_ah2: FloatArray | float,
    *,
    covariance_ah: FloatArray | float = 0.0,
) -> CapacityState:
    """Add one (SoC change, charge) pair per cell and re-solve.

    Implements: SWR_SOH_001, SWR_SOH_002, SWR_SOH_004

    Args:
        state: the state after the previous update.
        soc_change: SoC at the start minus SoC at the end of the segment (x).
        charge_ah: charge drawn over the segment, discharge positive (y).
        soc_change_var: variance of ``soc_change``.
        charge_var_ah2: variance of ``charge_ah``.
        covariance_ah: covariance of the errors of ``soc_change`` and
            ``charge_ah`` (0: independent, as in the paper); it enters the
            pair's total variance ``var_y + Q^2 var_x - 2 Q cov`` and is
            clipped to 0.99 of ``sqrt(var_x var_y)`` in magnitude.

    Returns:
        The new state. A cell whose inputs are not finite, whose variances are
        not positive, or whose quartic has no positive real root keeps its
        previous sums and estimate.
    """
    x = np.asarray(soc_change, dtype=np.float64)
    y = np.broadcast_to(np.asarray(charge_ah, dtype=np.float64), x.shape)
    var_x = np.broadcast_to(np.asarray(soc_change_var, dtype=np.float64), x.shape)
    var_y = np.broadcast_to(np.asarray(charge_var_ah2, dtype=np.float64), x.shape)
    cov = np.broadcast_to(np.asarray(covariance_ah, dtype=np.float64), x.shape)
    usable = np.isfinite(x) & np.isfinite(y) & np.isfinite(cov) & (var_x > 0.0) & (var_y > 0.0)
    x, y = np.where(usable, x, 0.0), np.where(usable, y, 0.0)
    var_x, var_y = np.where(usable, var_x, 1.0), np.where(usable, var_y, 1.0)
    limit = _MAX_CORRELATION * np.sqrt(var_x * var_y)
    cov = np.clip(np.where(usable, cov, 0.0), -limit, limit)
    k, g = state.k, state.gamma
    capacity = state.capacity_ah
    for _ in range(_EQUIVALENT_PASSES):
        # Equivalent variances (module docstring): the pair's own total variance of
        # y - Q x at the estimate, split in the pre-scaling's ratio K^2.
        q2 = capacity * capacity
        var_ye = (var_y + q2 * var_x - 2.0 * capacity * cov) / (1.0 + k * k * q2)
        var_xe = k * k * var_ye
        added = np.array(
            [
                x * x / (k * k * var_ye),
                k * x * y / (k * k * var_ye),
                y * y / var_ye,
                x * x / var_xe,
                k * x * y / var_xe,
                k * k * y * y / var_xe,
            ]
        )
        c = np.where(usable, g * state.c + added, state.c)
        scaled, second = _minimise(c)
        solved = usable & np.isfinite(scaled) & (second > 0.0)
        capacity = np.where(solved, scaled / k, state.capacity_ah)
    sigma = np.where(
        solved, np.sqrt(np.where(solved, 2.0 / second, 1.0)) / k, state.capacity_sigma_ah
    )
    fade = np.where(usable, g * _fade(state), _fade(state))
    return CapacityState(
        c=c, k=k, gamma=g, capacity_ah=capacity, capacity_sigma_ah=sigma, fade=fade
    )


def predict_capacity(state: CapacityState, walk_var_ah2: FloatArray | float) -> CapacityState:
    """The state after a random walk of the capacity: same estimate, variance grown by the walk.

    Implements: SWR_SOH_007

    The forgetting factor fades the sums by ``gamma`` per pair, whatever the
    pair and however long since the last: it has no physical scale, and
    while few pairs are in the sums the bound is theirs alone, so a cell
    that fades between pairs leaves its estimate behind a bound that keeps
    shrinking (docs/validation: one cell in eight outside 3 sigma after
    nine days of a fast fade). A Kalman filter would add the capacity's
    process noise ``q`` to its variance instead; here the same is done to
    the sums: the cost's curvature, hence the information, is linear in
    them, so fading them all by ``var / (var + q)`` leaves the estimate
    where it is and makes its variance ``var + q`` exactly (Plett's
    forgetting is the special case ``q = var (1 / gamma - 1)``). ``q`` per
    cell, ``Ah^2``; 0 changes nothing.
    """
    walk = np.broadcast_to(np.asarray(walk_var_ah2, dtype=np.float64), state.capacity_ah.shape)
    variance = state.capacity_sigma_ah * state.capacity_sigma_ah
    grown = variance + np.where(np.isfinite(walk) & (walk > 0.0), walk, 0.0)
    return replace(
        state,
        c=state.c * (variance / grown),
        capacity_sigma_ah=np.sqrt(grown),
        fade=_fade(state) * (variance / grown),
    )


def state_of_health(
    capacity_ah: FloatArray,
    capacity_sigma_ah: FloatArray,
    configured_ah: float,
    gain_error_pct: float,
) -> tuple[FloatArray, FloatArray]:
    """Each cell's State of Health, its capacity over the configured one, and its sigma.

    Implements: SWR_TEL_003, SWR_SOC_009

    The counted capacity holds the current sensor's gain error as a fixed
    factor, so the sigma is the estimate's and the gain's in quadrature: the
    bound then covers the cell's true capacity, not only the counted one.

    Raises:
        ValueError: if ``configured_ah`` is not > 0.
    """
    if not configured_ah > 0.0:
        raise ValueError(f"configured_ah={configured_ah} must be > 0")
    health = np.asarray(capacity_ah, dtype=np.float64) / configured_ah
    sigma = np.hypot(
        np.asarray(capacity_sigma_ah, dtype=np.float64) / configured_ah,
        gain_error_pct / 100.0 * health,
    )
    return health, sigma


def capacity_since(start: CapacityState, end: CapacityState) -> CapacityEstimate:
    """The capacity that the pairs added between ``start`` and ``end`` measure on their own.

    Implements: SWR_AGE_005

    The sums are information: a pair adds to them and forgetting or the
    random walk scales them, every sum of a cell alike. ``end``'s sums less
    ``start``'s, faded as they have been since, are the later pairs' alone,
    and the AWTLS solve on them is what those pairs measure, with its bound.
    An estimate read from ``end`` itself would count the prior and every
    earlier pair again, which a prognosis that takes each measurement as
    independent must not (docs/validation/prognosis). NaN where no pair
    added information (a cell without pairs, or whose solve fails).
    """
    delta = end.c - (_fade(end) / _fade(start)) * start.c
    added = delta[0] > _NO_INFORMATION * np.maximum(end.c[0], np.finfo(np.float64).tiny)
    scaled, second = _minimise(np.where(added, delta, end.c))
    found = added & np.isfinite(scaled) & (second > 0.0)
    capacity = np.where(found, scaled / end.k, np.nan)
    sigma = np.where(found, np.sqrt(np.where(found, 2.0 / second, 1.0)) / end.k, np.nan)
    return CapacityEstimate(capacity_ah=capacity, capacity_sigma_ah=sigma)


def _minimise(c: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Scaled capacity minimising the AWTLS cost of each cell, and the cost's curvature there."""
    c1, c2, c3, c4, c5, c6 = c
    # Roots of c5 Q^4 + (-c1 + 2 c4 - c6) Q^3 + (3 c2 - 3 c5) Q^2 + (c1 - 2 c3 + c6) Q - c2,
    # as eigenvalues of the companion matrices (one batched call for every cell).
    leading = np.where(c5 != 0.0, c5, 1.0)
    coefficients = np.array([-c1 + 2 * c4 - c6, 3 * c2 - 3 * c5, c1 - 2 * c3 + c6, -c2]) / leading
    count = c.shape[1]
    companion = np.zeros((count, 4, 4))
    companion[:, 0, :] = -coefficients.T
    companion[:, 1, 0] = companion[:, 2, 1] = companion[:, 3, 2] = 1.0
    roots = np.linalg.eigvals(companion)
    real = roots.real
    candidate = (np.abs(roots.imag) <= 1e-9 * np.maximum(np.abs(real), 1.0)) & (real > 0.0)
    q = np.where(candidate, real, 1.0)
    cost = (
        q**4 * c4[:, None]
        - 2 * c5[:, None] * q**3
        + (c1 + c6)[:, None] * q**2
        - 2 * c2[:, None] * q
        + c3[:, None]
    ) / (q**2 + 1.0) ** 2
    cost = np.where(candidate, cost, np.inf)
    best = np.argmin(cost, axis=1)
    found = np.isfinite(cost[np.arange(count), best])
    qb = np.where(found, q[np.arange(count), best], np.nan)
    second = (2.0 / (qb**2 + 1.0) ** 4) * (
        -2 * c5 * qb**5
        + (3 * c1 - 6 * c4 + 3 * c6) * qb**4
        + (-12 * c2 + 16 * c5) * qb**3
        + (-8 * c1 + 10 * c3 + 6 * c4 - 8 * c6) * qb**2
        + (12 * c2 - 6 * c5) * qb
        + (c1 - 2 * c3 + c6)
    )
    return qb, np.where(found, second, -1.0)
