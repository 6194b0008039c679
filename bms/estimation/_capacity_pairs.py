"""State of Health on board: each cell's capacity from its SoC filter, fed back to it.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOH_005, SWR_SOH_006.

:func:`track_capacity` follows the SoC filter step by step. Between two rest
points (cell current below C/20 for ``REST_TIME_S``) at least
``MIN_PAIR_DURATION_S`` apart it makes one (SoC change, charge) pair per cell
and gives it to :func:`bms.estimation.awtls_update`; the controller gives the
estimate back to the filter as its capacity scale and the estimate's bound as
its capacity uncertainty (dual estimation). A pair is anchored at a rest
point and stretched to every later rest, so that it spans as much SoC as the
drive gives; once it spans ``COMMIT_SOC`` it is committed and the next rest
anchors the next pair. Charge is counted in the chemistry's nominal capacity
at 25 degC: each step's charge is divided by the tables' capacity at the
cell's temperature relative to the nominal one, so the estimate is the
cell's capacity scale times the nominal capacity, what the filter needs.

This is the validation's capacity loop (:mod:`bms.calibration._capacity_loop`)
without the two extra filters it runs while a pair is open, which would
triple the controller's estimation cost:

* **The pair's lean towards the filter's capacity** comes from the filter's
  considered scale error instead of a twin filter. The filter carries
  ``cov(e, c)``, the covariance of its error ``e`` (estimate minus truth) with
  the coulomb count's relative error ``c = Q_f / Q - 1`` (``Q_f`` the
  capacity it runs with), so its error's sensitivity to ``c`` is ``beta =
  cov(e, c) / var(c)`` and a pair's SoC change is ``x = x_true + (beta0 -
  beta1) c``. The charge leans too: it is counted less the filter's offset
  estimate times the pair's duration ``T``, and the offset takes up part of
  the scale error (``beta_b``, its own sensitivity, from the same
  covariance), so ``y = y_true - beta_b1 T c``. The ratio ``r = y / x`` then
  leans towards ``Q_f`` by ``g = dr / dQ_f = (beta1 - beta0 - beta_b1 T /
  Q_f) / x``, and the pair given to AWTLS is the one
  the filter would give if it ran with the capacity the pair implies, ``(r -
  g Q_f) / (1 - g)``, its variances amplified by ``1 / (1 - g)^2`` (the
  loop's self-consistent pair). Unlike the twin, which starts at the anchor,
  ``beta`` covers the whole run since key-on, as ``c`` does.
* **The SoC change's variance** is ``P0 + P1``: the positive correlation of
  the filter's errors at the two rest points (its residual error decays
  over thousands of seconds), which the loop measures with a clone, is left
  out. That over-states the variance, so the capacity's bound: honest, and
  slower to shrink.

A pair's AWTLS solve (a batched quartic root per cell, about 10 us per cell
on the host) is spread over steps, ``UPDATE_CHUNK_CELLS`` cells per step, and
the estimate is published once every cell's is solved: the same result as
one solve, without a 2-3 ms step on a 96-cell pack.

The charge's variance is the offset estimate's over the pair's duration
plus the current sensor's gain error on the charge. The filter adds the
gain error to the capacity uncertainty it is given, so the gain counts twice
in the filter's scale error: conservative. Written by hand: no library pairs
a Kalman filter's estimates for total least squares.
"""

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bms.cell import CellModel, CellTables
from bms.estimation._capacity import CapacityState, awtls_update, initial_capacity_state
from bms.estimation._soc_ekf import _BIAS, _SOC, EkfState
from bms.estimation._soc_tuning import SocFilterTuning

__all__ = [
    "CAPACITY_UNCERTAINTY_FLOOR_PCT",
    "COMMIT_SOC",
    "MIN_PAIR_DURATION_S",
    "REST_CURRENT_C_RATE",
    "REST_TIME_S",
    "CapacityTracker",
    "PairAnchor",
    "capacity_feedback",
    "fed_filter",
    "initial_capacity_tracker",
    "resume_capacity_tracker",
    "track_capacity",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

REST_CURRENT_C_RATE = 0.05
"""Cell current (as a C-rate of the nominal capacity) below which the cell rests."""
REST_TIME_S = 10.0
"""Rest before a rest point counts (the fast RC pair's time constant order)."""
CONVERGENCE_S = 600.0
"""Time from the tracker's start (the filter's, from its guess) before a rest point may anchor
or end a pair: while the filter converges its error can exceed its bound, and an end's error
goes straight into the pair (the validation's convergence window)."""
MIN_PAIR_DURATION_S = 300.0
"""Shortest time between a pair's two rest points."""
COMMIT_SOC = 0.3
"""SoC change (its mean over the cells) at which a pair is committed and the next one starts."""
TURN_SOC = 0.02
"""Fall of a pair's SoC change from one rest point to the next that commits the pair to the
first (the SoC turned back: a drive then a charge would cancel its own SoC change)."""
CAPACITY_UNCERTAINTY_FLOOR_PCT = 0.5
"""Smallest capacity uncertainty the SoC filter is given once the capacity is estimated, percent."""
MIN_SOC_CHANGE = 0.05
"""Smallest SoC change (either sign) of a pair that is used."""
MIN_INDEPENDENCE = 0.1
"""Smallest ``1 - g`` for which a pair is used (``g``: its lean towards the filter's capacity)."""
UPDATE_CHUNK_CELLS = 16
"""Cells whose AWTLS solve one step takes on (a 96-cell pack's update spread over six
steps: the batched quartic solve costs about 10 us per cell on the host)."""
FORGETTING = 0.99
"""AWTLS forgetting factor per pair (a memory of about a hundred pairs: it tracks fade)."""
_PERCENT = 100.0
_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class PairAnchor:
    """The open pair's first rest point and what has been counted since.

    The capacity file keeps it across power cycles, so that a pair may span one.
    """

    time_s: float
    soc: FloatArray
    """The filter's SoC of each cell there."""
    soc_var: FloatArray
    """Its variance."""
    sensitivity: FloatArray
    """``beta0``: the filter's SoC error per unit of the count's scale error there."""
    charge_ah: FloatArray
    """Charge counted since, with the measured current and the balancing bleed, nominal Ah."""
    hours: FloatArray
    """Hours since, each weighted like the charge (for the offset's share of it)."""


@dataclass(frozen=True)
class _Pair:
    """One (SoC change, charge) pair per cell with its variances, ready for AWTLS."""

    soc_change: FloatArray
    soc_change_var: FloatArray
    charge_ah: FloatArray
    charge_var_ah2: FloatArray


@dataclass(frozen=True)
class _Update:
    """A pair being added to the AWTLS sums a chunk of cells per step."""

    pair: _Pair
    commit: bool
    """Whether the result becomes the committed sums too."""
    base: CapacityState
    """The sums the pair is added to."""
    done: CapacityState | None
    """The first cells' result so far (None: no cell yet)."""


@dataclass(frozen=True)
class CapacityTracker:
    """The on-board capacity estimate of every cell and the pair in the making."""

    committed: CapacityState
    """AWTLS sums of the committed pairs."""
    estimate: CapacityState
    """The committed sums with the open pair added: what is reported and fed back."""
    time_s: float = 0.0
    """Time since the tracker started."""
    rest_since_s: float = 0.0
    """When the present rest started (the last sample above the rest current)."""
    anchor: PairAnchor | None = None
    """The open pair's start (None: the next rest point starts one)."""
    pending: _Pair | None = None
    """The pair to the latest rest point, added when that rest ends."""
    added: _Pair | None = None
    """The open pair as last added to the estimate (None: none is open)."""
    update: _Update | None = None
    """The AWTLS update in progress (None: none)."""
    updates: int = 0
    """Pairs committed."""


def initial_capacity_tracker(
    tables: CellTables, capacity_scale: FloatArray | float, tuning: SocFilterTuning, cells: int
) -> CapacityTracker:
    """The prior: the capacities the filter starts with, with its capacity uncertainty.

    Implements: SWR_SOH_005
    """
    nominal = tables.nominal_capacity_ah
    prior = initial_capacity_state(
        cells,
        nominal_capacity_ah=nominal,
        initial_sigma_ah=tuning.capacity_uncertainty_pct / _PERCENT * nominal,
        soc_sigma=0.01,
        ah_sigma=0.01 * nominal,
        gamma=FORGETTING,
    )
    scale = np.broadcast_to(np.asarray(capacity_scale, dtype=np.float64), (cells,))
    prior = replace(
        prior,
        capacity_ah=prior.capacity_ah * scale,
        capacity_sigma_ah=prior.capacity_sigma_ah * scale,
    )
    return CapacityTracker(committed=prior, estimate=prior)


def resume_capacity_tracker(stored: CapacityState, anchor: PairAnchor | None) -> CapacityTracker:
    """A tracker carrying on from a previous power cycle's sums and open pair.

    Implements: SWR_SOH_006

    The open pair's anchor is dated far enough back that the pair may close
    at the first rest point after the new filter's convergence window (the
    controller has no clock across the power cycle; the charge counted while
    it was off is none).
    """
    if anchor is not None:
        anchor = replace(anchor, time_s=-MIN_PAIR_DURATION_S)
    return CapacityTracker(committed=stored, estimate=stored, anchor=anchor)


def track_capacity(  # noqa: PLR0913 - the filter's state and the step's inputs it counts with
    tracker: CapacityTracker,
    ekf: EkfState,
    tables: CellTables,
    tuning: SocFilterTuning,
    *,
    current_a: float,
    bleed_current_a: FloatArray | None,
    dt_s: float,
    capacity_scale: FloatArray | float,
) -> CapacityTracker:
    """Follow one step of the SoC filter (its state after the step): count, pair, estimate.

    Implements: SWR_SOH_005

    Args:
        tracker: the state after the previous step.
        ekf: the SoC filter's state after this step.
        tables: the chemistry's tables (capacity by temperature, nominal capacity).
        tuning: the filter's tuning this step (its scale error's variance, its gain error).
        current_a: measured cell current over the step, positive on discharge.
        bleed_current_a: each cell's balancing current over the step, or None.
        dt_s: the step's length.
        capacity_scale: the capacity scale the filter ran with (``Q_f`` over nominal).

    Returns:
        The new tracker. A non-finite current is not counted; it restarts the rest
        timer without closing the open pair.
    """
    tracker = _advance(tracker, UPDATE_CHUNK_CELLS)
    time_s = tracker.time_s + dt_s
    nominal = tables.nominal_capacity_ah
    anchor = tracker.anchor
    if anchor is not None and np.isfinite(current_a):
        weight = (
            (dt_s / _SECONDS_PER_HOUR)
            * nominal
            / np.interp(ekf.temperature_degc, tables.temperature_degc, tables.capacity_ah)
        )
        cell_current = current_a if bleed_current_a is None else current_a + bleed_current_a
        anchor = replace(
            anchor, charge_ah=anchor.charge_ah + weight * cell_current, hours=anchor.hours + weight
        )
    tracker = replace(tracker, time_s=time_s, anchor=anchor)
    if not abs(current_a) <= REST_CURRENT_C_RATE * nominal:
        tracker = replace(tracker, rest_since_s=time_s)
        if tracker.pending is None or not np.isfinite(current_a):
            return tracker
        return _apply(replace(tracker, pending=None), tracker.pending)
    if time_s - tracker.rest_since_s < REST_TIME_S:
        return tracker
    return _rest_point(tracker, ekf, tuning, capacity_scale, nominal)


def _rest_point(
    tracker: CapacityTracker,
    ekf: EkfState,
    tuning: SocFilterTuning,
    capacity_scale: FloatArray | float,
    nominal_ah: float,
) -> CapacityTracker:
    """At a rest point: anchor a pair, or stretch the open one to here, or commit it.

    Not in the filter's convergence window: neither end of a pair is taken there.
    """
    if tracker.time_s < CONVERGENCE_S:
        return tracker
    anchor = tracker.anchor
    if anchor is not None and tracker.time_s - anchor.time_s < MIN_PAIR_DURATION_S:
        return tracker
    sensitivity = _sensitivity(ekf, _scale_variance(tuning))
    if anchor is None:
        return replace(tracker, anchor=_anchor_here(tracker.time_s, ekf, sensitivity))
    pair = _pair(
        anchor, ekf, sensitivity=sensitivity, tuning=tuning, capacity_scale=capacity_scale,
        nominal_ah=nominal_ah,
    )  # fmt: skip
    last = tracker.pending if tracker.pending is not None else tracker.added
    if last is not None and _span(pair) < _span(last) - TURN_SOC:
        # The SoC has turned back since the last rest point: the pair to it is as long as
        # this one will get; it is committed, and this rest point anchors the next.
        here = _anchor_here(tracker.time_s, ekf, sensitivity)
        return replace(_apply(tracker, last, commit=True), anchor=here, pending=None)
    return replace(tracker, pending=pair)


def _anchor_here(time_s: float, ekf: EkfState, sensitivity: FloatArray) -> PairAnchor:
    """An anchor at this rest point: the filter's SoC and variance, nothing counted yet."""
    soc = ekf.x[_SOC]
    zeros = np.zeros(soc.size)
    return PairAnchor(time_s, soc.copy(), ekf.p[_SOC, _SOC].copy(), sensitivity, zeros, zeros)


def _span(pair: _Pair) -> float:
    """The pair's SoC change, the mean magnitude over its usable cells (0: none is usable)."""
    usable = np.isfinite(pair.soc_change)
    return float(np.mean(np.abs(pair.soc_change[usable]))) if usable.any() else 0.0


def _scale_variance(tuning: SocFilterTuning) -> float:
    """The variance of the filter's considered scale error (as its step constants have it)."""
    scale = np.hypot(tuning.current_gain_error_pct, tuning.capacity_uncertainty_pct) / _PERCENT
    return float(scale * scale)


def _sensitivity(ekf: EkfState, variance: float, row: int = _SOC) -> FloatArray:
    """Each cell's error of state ``row`` per unit of the coulomb count's scale error.

    ``beta`` for the SoC (the default), ``beta_b`` for the offset.
    """
    if ekf.capacity_cross is None or variance <= 0.0:
        return np.zeros(ekf.x.shape[1])
    result: FloatArray = ekf.capacity_cross[row] / variance
    return result


def _pair(  # noqa: PLR0913 - the anchor, the filter now and what the pair is read with
    anchor: PairAnchor,
    ekf: EkfState,
    *,
    sensitivity: FloatArray,
    tuning: SocFilterTuning,
    capacity_scale: FloatArray | float,
    nominal_ah: float,
) -> _Pair:
    """The self-consistent pair from the anchor to this rest point (module docstring).

    A cell whose SoC change is not positive, or whose lean leaves less than
    ``MIN_INDEPENDENCE`` of the pair its own, gets NaN: AWTLS skips it.
    """
    soc_change = anchor.soc - ekf.x[_SOC]
    soc_change_var = anchor.soc_var + ekf.p[_SOC, _SOC]
    charge = anchor.charge_ah - ekf.x[_BIAS] * anchor.hours
    gain = tuning.current_gain_error_pct / _PERCENT
    charge_var = ekf.p[_BIAS, _BIAS] * anchor.hours**2 + (gain * charge) ** 2 + 1e-10
    usable = np.abs(soc_change) >= MIN_SOC_CHANGE
    safe_change = np.where(usable, soc_change, 1.0)
    filter_ah = np.asarray(capacity_scale, dtype=np.float64) * nominal_ah
    # The SoC change leans through the filter's SoC at both ends, the charge through the
    # offset estimate it is counted with (module docstring).
    offset_share = _sensitivity(ekf, _scale_variance(tuning), _BIAS) * anchor.hours / filter_ah
    lean = (sensitivity - anchor.sensitivity - offset_share) / safe_change
    independence = 1.0 - lean
    usable &= independence >= MIN_INDEPENDENCE
    independence = np.where(usable, independence, 1.0)
    consistent = (charge / safe_change - lean * filter_ah) / independence
    amplified = 1.0 / independence**2
    return _Pair(
        soc_change=np.where(usable, soc_change, np.nan),
        soc_change_var=soc_change_var * amplified,
        charge_ah=consistent * soc_change,
        charge_var_ah2=charge_var * amplified,
    )


def _apply(tracker: CapacityTracker, pair: _Pair, *, commit: bool = False) -> CapacityTracker:
    """Add the pair to the committed sums; commit it when told or once it spans ``COMMIT_SOC``.

    What becomes of the anchor is decided now; the AWTLS solve starts now on
    the first ``UPDATE_CHUNK_CELLS`` cells and goes on in the next steps (an
    update still in progress is finished first).
    """
    tracker = _advance(tracker, tracker.committed.capacity_ah.size)
    span = _span(pair)
    commit = span >= COMMIT_SOC or (commit and span > 0.0)
    tracker = replace(tracker, update=_Update(pair, commit, tracker.committed, None))
    if commit:
        # The next pair is anchored at the next rest, so that pairs share no end.
        tracker = replace(tracker, anchor=None, added=None, updates=tracker.updates + 1)
    else:
        tracker = replace(tracker, added=pair)
    return _advance(tracker, UPDATE_CHUNK_CELLS)


def _advance(tracker: CapacityTracker, cells: int) -> CapacityTracker:
    """Solve the update in progress for up to ``cells`` more cells; publish it when done."""
    update = tracker.update
    if update is None:
        return tracker
    base, pair = update.base, update.pair
    start = 0 if update.done is None else update.done.capacity_ah.size
    part = slice(start, start + cells)
    solved = awtls_update(
        replace(
            base,
            c=base.c[:, part],
            capacity_ah=base.capacity_ah[part],
            capacity_sigma_ah=base.capacity_sigma_ah[part],
        ),
        pair.soc_change[part],
        pair.charge_ah[part],
        pair.soc_change_var[part],
        pair.charge_var_ah2[part],
    )
    done = solved
    if update.done is not None:
        done = replace(
            solved,
            c=np.concatenate((update.done.c, solved.c), axis=1),
            capacity_ah=np.concatenate((update.done.capacity_ah, solved.capacity_ah)),
            capacity_sigma_ah=np.concatenate(
                (update.done.capacity_sigma_ah, solved.capacity_sigma_ah)
            ),
        )
    if done.capacity_ah.size < base.capacity_ah.size:
        return replace(tracker, update=replace(update, done=done))
    published = replace(tracker, estimate=done, update=None)
    return replace(published, committed=done) if update.commit else published


def capacity_feedback(
    tracker: CapacityTracker, model: CellModel, tuning: SocFilterTuning, ekf: EkfState
) -> tuple[CellModel, SocFilterTuning, EkfState]:
    """The filter's model, tuning and state with the tracker's estimate fed back.

    Implements: SWR_SOH_005

    The model and tuning are :func:`fed_filter`'s; the state's covariance
    with the considered scale error is rescaled to the new variance, so that
    its sensitivity ``beta`` (module docstring) carries on.
    """
    fed_model, fed_tuning = fed_filter(tracker.estimate, model, tuning)
    cross = ekf.capacity_cross
    if cross is not None:
        cross = cross * (_scale_variance(fed_tuning) / _scale_variance(tuning))
    return fed_model, fed_tuning, replace(ekf, capacity_cross=cross)


def fed_filter(
    estimate: CapacityState, model: CellModel, tuning: SocFilterTuning
) -> tuple[CellModel, SocFilterTuning]:
    """The filter's model and tuning for a capacity estimate.

    Implements: SWR_SOH_005

    Each cell's capacity scale becomes its estimate over the nominal capacity,
    and the tuning's capacity uncertainty the largest relative sigma (at least
    ``CAPACITY_UNCERTAINTY_FLOOR_PCT``: one number for every cell).
    """
    relative = float(np.max(estimate.capacity_sigma_ah / estimate.capacity_ah))
    uncertainty = max(CAPACITY_UNCERTAINTY_FLOOR_PCT, _PERCENT * relative)
    scale = estimate.capacity_ah / model.tables.nominal_capacity_ah
    return replace(model, capacity_scale=scale), replace(
        tuning, capacity_uncertainty_pct=uncertainty
    )
