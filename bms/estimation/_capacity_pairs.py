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
* **The SoC change's variance** takes in the correlation of the filter's
  errors at the two rest points (its residual error decays over thousands
  of seconds), which the loop measures with a clone. Here the filter
  carries it: at the anchor the tracker gives it ``v = P0 e - beta0 s0``
  (``e`` the SoC, ``s0`` the state's covariance with the scale error ``c``
  there), the covariance of its error with the anchor's SoC error less
  that error's share of ``c``, ``r0 = e0 - beta0 c``; each step moves it
  as ``(I - K H) A v`` (``r0`` is uncorrelated with ``c``, so the count's
  scale error adds nothing). With ``r1`` the rest point's error less its
  share of ``c``, the pair's SoC change is off by ``r0 - r1`` once its lean
  is taken out, whose variance is ``P0 - beta0^2 var(c) + P1 - beta1^2
  var(c) - 2 v_SoC``, at least the SoC's random walk over the pair
  (``var(c)`` now: as the estimate sharpens it shrinks, which errs high).
  The first version used ``P0 + P1``, 1.3 to 2.4 times as large on the
  fresh NMC pack of docs/validation (median 1.6).

**On a flat OCV** (LFP) the pairs carry errors the variances do not
hold: a filter started without a kept SoC converges only at a knee, so a
pair over its start transient reads the SoC change short the same way
every power cycle. Errors that repeat do not average out, and taking out
the lean multiplies them by ``1 / (1 - g)``, near 3.3 at LFP's lean of
about 0.7: fed back day after day the estimate climbed
(docs/validation/onboard_capacity). There a power cycle whose filter
started unknown makes no pair (:func:`tracker_at_filter_start`). The kept
SoC the filter starts from carries a share of the capacity error, which
on the flat OCV the voltage has not corrected by the morning's pair: the
filter starts its covariance with the scale error from the kept SoC's
``beta`` (:mod:`bms.estimation._soc_memory`), so the lean takes that share
in and matches twin filters run since the first key-on, each keeping its
own SoC (``verification/scripts/lean_twins.py``): a morning pair on LFP's
plateau leans near 1 and is dropped by ``MIN_INDEPENDENCE`` like any
other. Restarted at zero, as before, the lean saw only the power cycle's
share: such pairs kept three quarters of the filter's capacity error, and
until the kept ``beta`` a stricter limit on a flat OCV (0.5) was what kept
them out, and most of what LFP's pairs could teach with them.

**The capacity's random walk** accrues with the current's throughput
(``CAPACITY_WALK_PCT_PER_SQRT_CYCLE``) and the committed sums take it in
(:func:`bms.estimation.predict_capacity`) before each pair is added and when
they are saved: the bound widens between pairs however far apart they come.
With only the forgetting factor, a cell fading between pairs a day apart
left its estimate behind a shrinking bound (docs/validation).

A pair's AWTLS solve (a batched quartic root per cell, about 10 us per cell
on the host) is spread over steps, ``UPDATE_CHUNK_CELLS`` cells per step, and
the estimate is published once every cell's is solved: the same result as
one solve, without a 2-3 ms step on a 96-cell pack.

**The charge** is counted less the current sensor's offset measured at
key-on (:func:`calibrate_tracker_offset`; SWR_CTRL_EST_002) when there is
one: its error is the key-on's, independent of the capacity, so the charge
leans on nothing; its variance is the key-on's over the pair's hours plus
the offset's drift since (the filter's random walk on it, integrated), each
key-on's part kept when a later one replaces it. On the ageing run
(docs/validation) this took a pair's lean from 0.6-0.7 to 0.1-0.4 and
the day-one capacity error from 4.3 % to 2.0 %. Without a key-on offset the
charge is counted less the filter's offset estimate over the pair's hours,
with that estimate's variance and lean (above). Either way the gain error's
share of the charge adds to its variance. The filter adds the
gain error to the capacity uncertainty it is given, so the gain counts twice
in the filter's scale error: conservative. Written by hand: no library pairs
a Kalman filter's estimates for total least squares.
"""

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bms.cell import CellModel, CellTables
from bms.estimation._capacity import (
    CapacityState,
    awtls_update,
    predict_capacity,
)
from bms.estimation._soc_ekf import _BIAS, _SOC, EkfState
from bms.estimation._soc_tuning import SocFilterTuning

__all__ = [
    "CAPACITY_UNCERTAINTY_FLOOR_PCT",
    "CAPACITY_WALK_PCT_PER_SQRT_CYCLE",
    "COMMIT_SOC",
    "MIN_PAIR_DURATION_S",
    "REST_CURRENT_C_RATE",
    "REST_TIME_S",
    "CapacityTracker",
    "calibrate_tracker_offset",
    "capacity_feedback",
    "committed_capacity",
    "fed_filter",
    "resume_capacity_tracker",
    "track_capacity",
    "tracker_at_filter_start",
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
"""Smallest ``1 - g`` for which a pair is used (``g``: its lean towards the filter's capacity),
on every chemistry: on a flat OCV too, now that the lean takes in the kept SoC's share (module
docstring; the limits tried: docs/validation/onboard_capacity)."""
UPDATE_CHUNK_CELLS = 16
"""Cells whose AWTLS solve one step takes on (a 96-cell pack's update spread over six
steps: the batched quartic solve costs about 10 us per cell on the host)."""
FORGETTING = 0.99
"""AWTLS forgetting factor per pair (a memory of about a hundred pairs: it tracks fade)."""
CAPACITY_WALK_PCT_PER_SQRT_CYCLE = 0.15
"""The capacity's random walk, percent per square root of equivalent full cycle of throughput
(``2 Q_nom`` of charge either way): the fade the bound allows for between pairs. A cell
losing 20 % in 400 cycles (a hard-used one) fades 0.05 % a cycle; with a pair every half
cycle and a pair's error near 1.5 %, the walk that keeps such a ramp inside the bound
(its lag near 2 sigma) is about 0.1 % per pair (docs/validation/capacity)."""
_PERCENT = 100.0
_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class PairAnchor:
    """The open pair's first rest point and what has been counted since."""

    time_s: float
    soc: FloatArray
    """The filter's SoC of each cell there."""
    soc_var: FloatArray
    """Its variance."""
    sensitivity: FloatArray
    """``beta0``: the filter's SoC error per unit of the count's scale error there."""
    charge_ah: FloatArray
    """Charge counted since, with the measured current and the balancing bleed, nominal Ah
    (less the key-on offset where ``calibrated``)."""
    hours: FloatArray
    """Hours since (since the last key-on where ``calibrated``), each weighted like the
    charge (for the offset's share of it)."""
    calibrated: bool = False
    """Whether the charge is counted less the key-on offset (else the filter's estimate is
    taken off when the pair is made)."""
    offset_var_ah2: FloatArray | float = 0.0
    """The charge's variance from the key-on offsets of earlier parts of the pair."""


@dataclass(frozen=True)
class _Pair:
    """One (SoC change, charge) pair per cell with its variances, ready for AWTLS."""

    soc_change: FloatArray
    soc_change_var: FloatArray
    charge_ah: FloatArray
    charge_var_ah2: FloatArray
    span: float
    """The filter's SoC change, its mean magnitude over every cell, usable or not."""


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
    offset_a: float | None = None
    """The current sensor's offset measured at key-on, per cell (None: none this power
    cycle; the filter's estimate is used)."""
    offset_sigma_a: float = 0.0
    """Its standard deviation."""
    walk_share: float = 0.0
    """The capacity's relative variance its random walk has added since the committed sums
    last took it in (:func:`committed_capacity`)."""
    walk_pct_per_sqrt_cycle: float = CAPACITY_WALK_PCT_PER_SQRT_CYCLE
    """The walk's rate, percent per square root of equivalent full cycle."""
    convergence_s: float = CONVERGENCE_S
    """Time from the start before a rest point may anchor or end a pair (infinite: no pair
    this power cycle, :func:`tracker_at_filter_start`)."""


def resume_capacity_tracker(stored: CapacityState) -> CapacityTracker:
    """A tracker carrying on from a previous power cycle's committed sums.

    Implements: SWR_SOH_006

    No pair spans a power cycle: its two ends would come from two filters,
    each with its own capacity and scale error, so the lean taken out of a
    pair (module docstring) does not hold across them, and the charge would
    be counted with the new filter's offset estimate over hours the sensor
    had the old one's (a key-on calibrates it afresh). The first version
    kept the open pair: its lean came out at 1.2-1.3 on every cell, so it was
    never used, and it was never replaced either, which stopped the tracker
    for good after the first power cycle (docs/validation).
    """
    return CapacityTracker(committed=stored, estimate=stored)


def tracker_at_filter_start(
    tracker: CapacityTracker,
    tables: CellTables,
    tuning: SocFilterTuning,
    *,
    soc_from_memory: bool,
) -> CapacityTracker:
    """The tracker as the power cycle's first SoC filter step leaves it.

    Implements: SWR_SOH_005

    A filter started from a kept SoC (``soc_from_memory``) leaves it as it
    is. One started without it, on a flat OCV (``tuning.flat_ocv_slope_v``),
    makes no pair this power cycle. A filter started blind converges only where the OCV has a slope,
    so no time bounds its transient, and it reports it converged before it
    is. A pair over that transient reads the SoC change short, the same way
    each power cycle that starts so, and taking out the pair's lean ``g``
    multiplies that by ``1 / (1 - g)``: fed back day after day, the estimate
    climbs (the measured transient and climb: docs/validation/onboard_capacity,
    "The LFP tracker's climb"). A sloped OCV converges inside
    ``CONVERGENCE_S`` and keeps its pairs.
    """
    if soc_from_memory or not _flat_ocv(tables, tuning):
        return tracker
    return replace(tracker, convergence_s=np.inf)


def _flat_ocv(tables: CellTables, tuning: SocFilterTuning) -> bool:
    """Whether the chemistry's OCV is flat (LFP): its median slope below the tuning's flat one."""
    return tables.ocv_median_slope_v < tuning.flat_ocv_slope_v


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
) -> tuple[CapacityTracker, EkfState]:
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
        The new tracker, and the filter's state with the anchor's covariance
        (:attr:`EkfState.anchor_cross`) set at a new anchor and cleared once no
        pair is open. A non-finite current is not counted; it restarts the rest
        timer without closing the open pair.
    """
    tracker = _advance(tracker, UPDATE_CHUNK_CELLS)
    time_s = tracker.time_s + dt_s
    nominal = tables.nominal_capacity_ah
    walk_share = tracker.walk_share
    if np.isfinite(current_a):  # the walk over the step's share of a full cycle
        rate = tracker.walk_pct_per_sqrt_cycle / _PERCENT
        walk_share += rate * rate * abs(current_a) * dt_s / (_SECONDS_PER_HOUR * 2.0 * nominal)
    anchor = tracker.anchor
    if anchor is not None and np.isfinite(current_a):
        weight = (
            (dt_s / _SECONDS_PER_HOUR)
            * nominal
            / np.interp(ekf.temperature_degc, tables.temperature_degc, tables.capacity_ah)
        )
        cell_current = current_a if bleed_current_a is None else current_a + bleed_current_a
        if anchor.calibrated and tracker.offset_a is not None:
            cell_current = cell_current - tracker.offset_a
        anchor = replace(
            anchor, charge_ah=anchor.charge_ah + weight * cell_current, hours=anchor.hours + weight
        )
    tracker = replace(tracker, time_s=time_s, anchor=anchor, walk_share=walk_share)
    if not abs(current_a) <= REST_CURRENT_C_RATE * nominal:
        tracker = replace(tracker, rest_since_s=time_s)
        if tracker.pending is None or not np.isfinite(current_a):
            return _follow_anchor(tracker, ekf)
        return _follow_anchor(_apply(replace(tracker, pending=None), tracker.pending), ekf)
    if time_s - tracker.rest_since_s < REST_TIME_S:
        return _follow_anchor(tracker, ekf)
    return _follow_anchor(_rest_point(tracker, ekf, tables, tuning, capacity_scale), ekf)


def _follow_anchor(tracker: CapacityTracker, ekf: EkfState) -> tuple[CapacityTracker, EkfState]:
    """The tracker, and the filter with its anchor covariance set or cleared.

    Set at a new anchor; cleared when no pair is open.
    """
    anchor = tracker.anchor
    if anchor is None:
        return tracker, ekf if ekf.anchor_cross is None else replace(ekf, anchor_cross=None)
    if anchor.time_s != tracker.time_s:
        return tracker, ekf
    cross = ekf.p[:, _SOC].copy()  # the state's covariance with the SoC's error here,
    if ekf.capacity_cross is not None:  # less that error's share of the scale error
        cross -= ekf.capacity_cross * anchor.sensitivity
    return tracker, replace(ekf, anchor_cross=cross)


def _rest_point(
    tracker: CapacityTracker,
    ekf: EkfState,
    tables: CellTables,
    tuning: SocFilterTuning,
    capacity_scale: FloatArray | float,
) -> CapacityTracker:
    """At a rest point: anchor a pair, or stretch the open one to here, or commit it.

    Not in the filter's convergence window: neither end of a pair is taken there.
    """
    if tracker.time_s < tracker.convergence_s:
        return tracker
    anchor = tracker.anchor
    if anchor is not None and tracker.time_s - anchor.time_s < MIN_PAIR_DURATION_S:
        return tracker
    sensitivity = _sensitivity(ekf, tuning.scale_variance)
    if anchor is None:
        return replace(tracker, anchor=_anchor_here(tracker, ekf, sensitivity))
    pair = _pair(
        anchor, ekf, sensitivity=sensitivity, tuning=tuning, capacity_scale=capacity_scale,
        nominal_ah=tables.nominal_capacity_ah, duration_s=tracker.time_s - anchor.time_s,
        offset_sigma_a=tracker.offset_sigma_a,
    )  # fmt: skip
    last = tracker.pending if tracker.pending is not None else tracker.added
    if last is not None and pair.span < last.span - TURN_SOC:
        # The SoC has turned back since the last rest point: the pair to it is as long as
        # this one will get; it is committed, and this rest point anchors the next.
        here = _anchor_here(tracker, ekf, sensitivity)
        return replace(_apply(tracker, last, commit=True), anchor=here, pending=None)
    return replace(tracker, pending=pair)


def _anchor_here(tracker: CapacityTracker, ekf: EkfState, sensitivity: FloatArray) -> PairAnchor:
    """An anchor at this rest point: the filter's SoC and variance, nothing counted yet."""
    soc = ekf.x[_SOC]
    zeros = np.zeros(soc.size)
    return PairAnchor(
        tracker.time_s, soc.copy(), ekf.p[_SOC, _SOC].copy(), sensitivity, zeros, zeros,
        calibrated=tracker.offset_a is not None,
    )  # fmt: skip


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
    duration_s: float,
    offset_sigma_a: float,
) -> _Pair:
    """The self-consistent pair from the anchor to this rest point (module docstring).

    A cell whose SoC change is below ``MIN_SOC_CHANGE``, or whose lean leaves less than
    ``MIN_INDEPENDENCE`` of the pair its own, gets NaN: AWTLS skips it.
    """
    soc_change = anchor.soc - ekf.x[_SOC]
    soc_change_var = anchor.soc_var + ekf.p[_SOC, _SOC]
    if ekf.anchor_cross is not None:  # the two ends' correlated errors (module docstring)
        shares = (anchor.sensitivity**2 + sensitivity**2) * tuning.scale_variance
        walk = tuning.soc_random_walk_per_sqrt_s**2 * duration_s
        soc_change_var = np.maximum(soc_change_var - shares - 2.0 * ekf.anchor_cross[_SOC], walk)
    filter_ah = np.asarray(capacity_scale, dtype=np.float64) * nominal_ah
    charge, charge_var, offset_share = _charge(anchor, ekf, tuning, offset_sigma_a, filter_ah)
    usable = np.abs(soc_change) >= MIN_SOC_CHANGE
    safe_change = np.where(usable, soc_change, 1.0)
    lean = _lean(anchor, safe_change, sensitivity, offset_share)
    independence = 1.0 - lean
    usable &= independence >= MIN_INDEPENDENCE
    independence = np.where(usable, independence, 1.0)
    consistent = _self_consistent_ah(charge, safe_change, lean, filter_ah, independence)
    amplified = 1.0 / independence**2
    return _Pair(
        soc_change=np.where(usable, soc_change, np.nan),
        soc_change_var=soc_change_var * amplified,
        charge_ah=consistent * soc_change,
        charge_var_ah2=charge_var * amplified,
        span=float(np.mean(np.abs(soc_change))),
    )


def _lean(
    anchor: PairAnchor,
    soc_change: FloatArray,
    sensitivity: FloatArray,
    offset_share: FloatArray | float,
) -> FloatArray:
    """The pair's lean ``g`` towards the filter's capacity (module docstring).

    The SoC change leans through the filter's SoC at both ends (``sensitivity``: ``beta``
    here), the charge through the offset estimate it is counted with, if it is.
    """
    lean: FloatArray = (sensitivity - anchor.sensitivity - offset_share) / soc_change
    return lean


def _self_consistent_ah(
    charge_ah: FloatArray,
    soc_change: FloatArray,
    lean: FloatArray,
    filter_ah: FloatArray,
    independence: FloatArray,
) -> FloatArray:
    """The capacity the pair implies with its lean taken out: ``(r - g Q_f) / (1 - g)``."""
    consistent: FloatArray = (charge_ah / soc_change - lean * filter_ah) / independence
    return consistent


def _charge(
    anchor: PairAnchor,
    ekf: EkfState,
    tuning: SocFilterTuning,
    offset_sigma_a: float,
    filter_ah: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray | float]:
    """The pair's charge, its variance and the offset's share of its lean (module docstring).

    Counted less the key-on offset: its error is the offset's (each key-on's
    over its hours) and the offset's drift (the filter's random walk on it),
    and it leans on nothing. Else less the filter's offset estimate over the
    hours, with that estimate's variance and lean.
    """
    gain2 = (tuning.current_gain_error_pct / _PERCENT) ** 2
    if anchor.calibrated:
        charge = anchor.charge_ah
        variance = anchor.offset_var_ah2 + _offset_var_ah2(anchor.hours, offset_sigma_a, tuning)
        return charge, variance + gain2 * charge**2 + 1e-10, 0.0
    charge = anchor.charge_ah - ekf.x[_BIAS] * anchor.hours
    variance = ekf.p[_BIAS, _BIAS] * anchor.hours**2 + gain2 * charge**2 + 1e-10
    share = _sensitivity(ekf, tuning.scale_variance, _BIAS) * anchor.hours / filter_ah
    return charge, variance, share


def _offset_var_ah2(hours: FloatArray, sigma_a: float, tuning: SocFilterTuning) -> FloatArray:
    """The variance of ``hours`` of charge counted less one key-on offset.

    The offset's error ``sigma_a`` over the hours, plus its drift since: the
    integral of a random walk (the filter's, ``q``) over ``T`` seconds has
    the variance ``q T^3 / 3``.
    """
    seconds = hours * _SECONDS_PER_HOUR
    drift = tuning.bias_random_walk_a_per_sqrt_s**2 * seconds**3 / 3.0
    result: FloatArray = (sigma_a * hours) ** 2 + drift / _SECONDS_PER_HOUR**2
    return result


def calibrate_tracker_offset(
    tracker: CapacityTracker, offset_a: float, sigma_a: float, tuning: SocFilterTuning
) -> CapacityTracker:
    """The tracker with the key-on's offset: the charge is counted less it from now on.

    Implements: SWR_SOH_005

    An open pair counted less an earlier key-on's offset carries on, that
    part's variance kept; one counted without (its lean through the
    filter's offset estimate spans the whole pair) is dropped, and the next
    rest point anchors a new one.
    """
    anchor = tracker.anchor
    if anchor is not None and anchor.calibrated:
        folded = anchor.offset_var_ah2 + _offset_var_ah2(
            anchor.hours, tracker.offset_sigma_a, tuning
        )
        anchor = replace(anchor, hours=np.zeros_like(anchor.hours), offset_var_ah2=folded)
    elif anchor is not None:
        anchor = None
    return replace(tracker, anchor=anchor, offset_a=offset_a, offset_sigma_a=sigma_a)


def _apply(tracker: CapacityTracker, pair: _Pair, *, commit: bool = False) -> CapacityTracker:
    """Add the pair to the committed sums; commit it when told or once it spans ``COMMIT_SOC``.

    The span is the filter's SoC change over every cell, usable or not: a pair no
    cell can use is committed all the same (AWTLS skips its cells), so that the
    next rest point anchors a new one.

    What becomes of the anchor is decided now; the AWTLS solve starts now on
    the first ``UPDATE_CHUNK_CELLS`` cells and goes on in the next steps (an
    update still in progress is finished first).
    """
    tracker = _advance(tracker, tracker.committed.capacity_ah.size)
    tracker = replace(tracker, committed=committed_capacity(tracker), walk_share=0.0)
    commit = pair.span >= COMMIT_SOC or (commit and pair.span > 0.0)
    tracker = replace(tracker, update=_Update(pair, commit, tracker.committed, None))
    if commit:
        # The next pair is anchored at the next rest, so that pairs share no end.
        tracker = replace(tracker, anchor=None, added=None, updates=tracker.updates + 1)
    else:
        tracker = replace(tracker, added=pair)
    return _advance(tracker, UPDATE_CHUNK_CELLS)


def committed_capacity(tracker: CapacityTracker) -> CapacityState:
    """The committed sums with the capacity's random walk since they last took it in.

    Implements: SWR_SOH_007

    What a pair is added to, and what is kept across a power cycle (so that
    the walk of a drive that made no pair is not lost at key-off): the
    estimate's variance grows by the walk (:func:`predict_capacity`), in
    proportion to the capacity squared.
    """
    committed = tracker.committed
    if tracker.walk_share <= 0.0:
        return committed
    return predict_capacity(committed, tracker.walk_share * committed.capacity_ah**2)


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
            fade=None if base.fade is None else base.fade[part],
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
            fade=None
            if update.done.fade is None or solved.fade is None
            else np.concatenate((update.done.fade, solved.fade)),
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
        cross = cross * (fed_tuning.scale_variance / tuning.scale_variance)
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
