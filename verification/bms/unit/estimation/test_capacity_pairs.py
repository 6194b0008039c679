"""Tests of bms/estimation/_capacity_pairs.py: the on-board capacity estimate fed to the SoC filter.

Covers, in closed loop on the equivalent-circuit plant (8 NMC cells with a 3 %
capacity spread, the filter starting 30 points low, issue 3's sensor errors,
three cycles of four 15-min drives with 2-min rests and a 0.5C charge:
``verification/scripts/onboard_capacity.py``'s run) with the capacity fed back
to the filter: pairs committed, every cell's estimate inside 3 sigma of its
true capacity, the estimates closer to the truth than the prior, every bound
narrower than the prior's, and the SoC filter more accurate than without the
feedback and its truth inside 3 sigma in at least 99 % of samples. And with
made-up filter states: a pair's lean towards the filter's capacity, through its
SoC or through its offset estimate, is undone (a ratio ``Q + g (Q_f - Q)``
gives back ``Q``), a pair leaning more than 0.9 (on a flat OCV too) is
not used (and one no cell can use is committed once it spans enough, so that
the next rest anchors a new one), no pair closes before ``MIN_PAIR_DURATION_S``
and no anchor inside the 600 s convergence window (nor in a power cycle whose
filter started unknown on a flat OCV, LFP's; NMC's is kept), a SoC that turns
back commits the pair to the turning point, a pair's solve spread over steps a
chunk of cells at a time publishes exactly the whole solve's result once its
last chunk is done, an update still in progress is finished before the next one
is added, a cell's balancing bleed is counted in its own charge, a NaN current
is not counted and closes no pair, the feedback scales the model, floors the
uncertainty and keeps ``beta``, the filter is given its covariance with the
anchor's SoC error (less its share of the scale error) at the anchor and has it
dropped once the pair is committed, and a pair's SoC change variance takes out
the two ends' correlation and their shares of the scale error, floored at the
SoC's random walk over the pair; a pair counted less the key-on's offset leans
on no offset estimate and has the key-on's and the drift's variance, and a
later key-on folds such an open pair (and drops one counted without).
On one day of the NMC ageing run, the considered lean is within 0.1 of the one
twin filters run since key-on with the capacity 1 % higher and lower show
(``verification/scripts/lean_twins.py``); on the second day of the LFP
ageing run (SWR_SOC_008), whose filter starts from the first day's kept SoC
with its sensitivity to the scale error, the morning pair's considered lean
is within 0.15 of twins run since the first key-on, each keeping its own
SoC, while twins run since this key-on read it at least 0.1 lower (the
share the kept SoC carries). SWR_SOH_007: the capacity's walk
accrues with the current's throughput, either way, in proportion to the
equivalent full cycles, and the committed sums take it in (estimate
unchanged, variance grown by it) before a pair is added to them.
"""

import functools
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bms.cell import CellTables, cell_model, load_chemistry
from bms.estimation import (
    CapacityTracker,
    EkfState,
    SocFilterTuning,
    awtls_update,
    calibrate_tracker_offset,
    capacity_feedback,
    committed_capacity,
    initial_capacity_tracker,
    initial_ekf_state,
    resume_capacity_tracker,
    track_capacity,
    tracker_at_filter_start,
)
from bms.estimation._capacity_pairs import (
    CAPACITY_UNCERTAINTY_FLOOR_PCT,
    CAPACITY_WALK_PCT_PER_SQRT_CYCLE,
    CONVERGENCE_S,
    MIN_PAIR_DURATION_S,
    REST_TIME_S,
    UPDATE_CHUNK_CELLS,
    _advance,
    _apply,
    _Pair,
)
from verification.scripts.lean_twins import measure
from verification.scripts.onboard_capacity import LFP, run

NMC = load_chemistry("NMC_Chen2020")
NMC_TABLES = cell_model(NMC).tables
LFP_TABLES = cell_model(load_chemistry("LFP_Prada2013")).tables
TUNING = SocFilterTuning()


@functools.cache
def _closed_loop(feedback: bool) -> dict[str, Any]:
    """The filter and the tracker on the circuit plant, three cycles, fed back or not."""
    return run("NMC_Chen2020", 1.0, feedback=feedback)


@pytest.mark.verifies("SWR_SOH_005")
def test_the_capacity_fed_back_is_learnt_honestly() -> None:
    loop = _closed_loop(feedback=True)
    assert loop["pairs_committed"] >= 2
    assert loop["capacity_inside_3_sigma"] == 1.0
    learnt = float(np.sqrt(np.mean(np.square(loop["capacity_error_pct"]))))
    assumed = float(np.sqrt(np.mean(np.square(loop["prior_error_pct"]))))
    assert learnt < 0.75 * assumed
    # Capacity bounds shrink with information: every cell's below the prior's 3 %.
    assert max(loop["capacity_sigma_ah"]) < 0.03 * NMC.nominal_capacity_ah


@pytest.mark.verifies("SWR_SOH_005")
def test_the_soc_filter_is_better_with_the_capacity_fed_back() -> None:
    fed, alone = _closed_loop(feedback=True), _closed_loop(feedback=False)
    assert fed["soc_rmse_pct"] < 0.8 * alone["soc_rmse_pct"]
    assert fed["soc_inside_3_sigma"] >= 0.99


@pytest.mark.verifies("SWR_SOH_005")
def test_the_considered_lean_is_what_twin_filters_run_since_key_on_show() -> None:
    # One day of the NMC ageing run with twin filters (capacity 1 % higher and lower) beside
    # the filter since key-on: a lean taken from the considered scale error that ignored the
    # offset's or the anchor's share, or a covariance carried wrong, parts from the twins'.
    day = measure("NMC_Chen2020", 1)
    assert day["cell_pairs"] >= 8
    for pair in day["pairs_detail"]:
        considered, twins = np.array(pair["considered"]), np.array(pair["key_on_twins"])
        assert np.all(twins > 0.05)  # the filter does lean: the agreement is not of zeros
        assert np.all(np.abs(considered - twins) <= 0.1)


@pytest.mark.verifies("SWR_SOC_008", "SWR_SOH_005")
def test_a_kept_soc_carries_its_share_of_the_capacity_error_into_the_lean() -> None:
    # Two days of the LFP ageing run: the second day's filter starts from the first's kept
    # SoC, which carries the capacity's error; on the flat OCV the voltage has not corrected
    # it by the morning pair. Twins run since the first key-on, each keeping its own SoC,
    # see that share; the filter's considered lean must too, through the kept beta. A lean
    # that restarted at key-on would sit with the twins run since key-on, 0.1 or more below.
    days = measure(LFP, 2)
    morning = [pair for pair in days["pairs_detail"] if pair["day"] == 2]
    assert morning
    for pair in morning:
        considered, run = np.array(pair["considered"]), np.array(pair["run_twins"])
        key_on = np.array(pair["key_on_twins"])
        assert np.all(run - key_on >= 0.1)  # the kept SoC's share is there to be seen
        assert np.all(np.abs(considered - run) <= 0.15)


def _ekf(
    soc: float, cross_soc: float, *, cross_offset: float = 0.0, soc_var: float = 1e-4
) -> EkfState:
    """A made-up one-cell filter state (its offset estimate 0).

    Its SoC, the SoC's variance, and the SoC's and the offset's covariance with the scale.
    """
    state = initial_ekf_state(1, soc, 0.01, TUNING)
    x, p, cross = state.x.copy(), state.p.copy(), np.zeros((5, 1))
    x[3], p[0, 0], p[3, 3], cross[0], cross[3] = 0.0, soc_var, 1e-12, cross_soc, cross_offset
    return replace(state, x=x, p=p, capacity_cross=cross)


def _rest(
    tracker: CapacityTracker, ekf: EkfState, seconds: float, tables: CellTables = NMC_TABLES
) -> CapacityTracker:
    """Rest ``seconds`` in 1 s steps with the filter's state held at ``ekf``."""
    for _ in range(int(seconds)):
        tracker, _ = track_capacity(
            tracker, ekf, tables, TUNING, current_a=0.0, bleed_current_a=None, dt_s=1.0,
            capacity_scale=1.0,
        )  # fmt: skip
    return tracker


def _draw(
    tracker: CapacityTracker,
    ekf: EkfState,
    ah: float,
    current_a: float,
    tables: CellTables = NMC_TABLES,
) -> CapacityTracker:
    """Draw ``ah`` at ``current_a`` (at 25 degC, so counted as it is) in steps of 1 s."""
    steps = round(abs(ah) * 3600.0 / abs(current_a))
    for _ in range(steps):
        tracker, _ = track_capacity(
            tracker, ekf, tables, TUNING, current_a=current_a, bleed_current_a=None, dt_s=1.0,
            capacity_scale=1.0,
        )  # fmt: skip
    return tracker


def _start(tables: CellTables = NMC_TABLES) -> tuple[CapacityTracker, EkfState]:
    """A tracker anchored at rest with the filter at SoC 0.8 and no scale sensitivity."""
    tracker = initial_capacity_tracker(tables, 1.0, TUNING, 1)
    first = _ekf(0.8, 0.0)
    return _rest(tracker, first, CONVERGENCE_S + 1, tables), first


def _variance() -> float:
    scale = np.hypot(TUNING.current_gain_error_pct, TUNING.capacity_uncertainty_pct) / 100.0
    return float(scale * scale)


@pytest.mark.verifies("SWR_SOH_005")
@pytest.mark.parametrize("through", ["soc", "offset"])
@pytest.mark.parametrize("lean", [0.0, 0.3, 0.6])
def test_a_pairs_lean_towards_the_filters_capacity_is_undone(lean: float, through: str) -> None:
    nominal = NMC.nominal_capacity_ah  # Q_f: the filter runs with the nominal capacity
    true_ah = 0.9 * nominal
    tracker, _ = _start()
    charge = 2.0
    # The filter's pair leans towards Q_f: ratio = Q + lean (Q_f - Q).
    ratio = true_ah + lean * (nominal - true_ah)
    change = charge / ratio
    tracker = _draw(tracker, _ekf(0.8 - change, 0.0), charge, 2.5)
    assert tracker.anchor is not None
    hours = float(tracker.anchor.hours[0])  # weighted by the capacity at the temperature
    # lean x = beta1 - beta0 - beta_b1 T / Q_f (module docstring), beta = cov / var: through
    # the filter's SoC, or through the offset estimate the charge is counted with.
    if through == "soc":
        end = _ekf(0.8 - change, lean * change * _variance())
    else:
        end = _ekf(0.8 - change, 0.0, cross_offset=-lean * change * nominal / hours * _variance())
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.pending is not None
    pair = tracker.pending
    assert pair.charge_ah[0] / pair.soc_change[0] == pytest.approx(true_ah, rel=1e-3)
    assert pair.charge_var_ah2[0] > 0.0
    # Its variances are amplified by 1 / (1 - lean)^2 (the offset's share of the lean grew
    # with the rest's seconds, which the offset is counted over too).
    assert tracker.anchor is not None
    if through == "offset":
        lean *= float(tracker.anchor.hours[0]) / hours
    assert pair.soc_change_var[0] == pytest.approx(2e-4 / (1.0 - lean) ** 2, rel=1e-6)


@pytest.mark.verifies("SWR_SOH_005")
def test_a_pair_leaning_more_than_nine_tenths_is_not_used() -> None:
    tracker, _ = _start()
    change = 2.0 / NMC.nominal_capacity_ah
    end = _ekf(0.8 - change, 0.95 * change * _variance())
    tracker = _draw(tracker, end, 2.0, 2.5)
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.pending is not None
    assert np.isnan(tracker.pending.soc_change[0])
    before = tracker.estimate
    after = _draw(tracker, end, 0.01, 2.5)  # the rest ends: the pair is added, and ignored
    assert after.pending is None
    assert after.estimate.capacity_ah[0] == before.capacity_ah[0]


@pytest.mark.verifies("SWR_SOH_005")
@pytest.mark.parametrize("tables", [NMC_TABLES, LFP_TABLES], ids=["sloped", "flat"])
@pytest.mark.parametrize(("lean", "used"), [(0.6, True), (0.85, True), (0.95, False)])
def test_the_lean_limit_is_the_same_on_a_flat_ocv(
    tables: CellTables, lean: float, used: bool
) -> None:
    # Since the kept SoC carries its beta, the lean says how much of a flat-OCV pair is the
    # filter's own capacity: no stricter limit there (docs/validation/onboard_capacity).
    tracker, _ = _start(tables)
    ah = 0.3 * tables.nominal_capacity_ah
    change = ah / tables.nominal_capacity_ah
    end = _ekf(0.8 - change, lean * change * _variance())
    tracker = _draw(tracker, end, ah, 0.5 * tables.nominal_capacity_ah, tables)
    tracker = _rest(tracker, end, REST_TIME_S + 1, tables)
    assert tracker.pending is not None
    assert np.isfinite(tracker.pending.soc_change[0]) == used


@pytest.mark.verifies("SWR_SOH_005")
def test_no_pair_closes_before_its_minimum_duration() -> None:
    tracker, _ = _start()
    end = _ekf(0.7, 0.0)
    assert tracker.anchor is not None
    closes = tracker.anchor.time_s + MIN_PAIR_DURATION_S
    tracker = _draw(tracker, end, 0.1, 2.5)  # 144 s of current
    tracker = _rest(tracker, end, closes - tracker.time_s - 1.0)
    assert tracker.pending is None
    tracker = _rest(tracker, end, 1)
    assert tracker.pending is not None


@pytest.mark.verifies("SWR_SOH_005")
def test_a_soc_that_turns_back_commits_the_pair_to_the_turning_point() -> None:
    tracker, _ = _start()
    low = _ekf(0.6, 0.0)
    tracker = _draw(tracker, low, 1.0, 2.5)
    tracker = _rest(tracker, low, REST_TIME_S + 1)
    assert tracker.pending is not None
    assert tracker.updates == 0
    assert tracker.pending.soc_change[0] == pytest.approx(0.2)
    back = _ekf(0.7, 0.0)
    tracker = _draw(tracker, back, -0.5, -2.5)
    tracker = _rest(tracker, back, REST_TIME_S + 1)
    assert tracker.updates == 1  # 0.2 of SoC, short of COMMIT_SOC, committed at the turn
    assert tracker.pending is None
    assert tracker.anchor is not None
    assert tracker.anchor.soc[0] == pytest.approx(0.7)


@pytest.mark.verifies("SWR_SOH_005", method="fault_injection")
def test_a_nan_current_is_not_counted_and_closes_no_pair() -> None:
    tracker, _ = _start()
    end = _ekf(0.6, 0.0)
    tracker = _draw(tracker, end, 1.0, 2.5)
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.anchor is not None
    assert tracker.pending is not None
    counted = tracker.anchor.charge_ah.copy()
    after, _ = track_capacity(
        tracker, end, cell_model(NMC).tables, TUNING, current_a=float("nan"),
        bleed_current_a=None, dt_s=1.0, capacity_scale=1.0,
    )  # fmt: skip
    assert after.anchor is not None
    assert np.array_equal(after.anchor.charge_ah, counted)
    assert after.pending is tracker.pending
    assert after.estimate is tracker.estimate


@pytest.mark.verifies("SWR_SOH_005")
def test_the_feedback_scales_the_model_floors_the_bound_and_keeps_beta() -> None:
    model = cell_model(NMC)
    tracker = initial_capacity_tracker(model.tables, np.array([0.9, 1.1]), TUNING, 2)
    estimate = replace(tracker.estimate, capacity_sigma_ah=np.array([1e-4, 0.05]))
    tracker = replace(tracker, estimate=estimate)
    ekf = replace(initial_ekf_state(2, 0.5, 0.1, TUNING), capacity_cross=np.ones((5, 2)))
    fed_model, fed_tuning, fed_ekf = capacity_feedback(tracker, model, TUNING, ekf)
    assert np.allclose(fed_model.capacity_scale, [0.9, 1.1])
    relative = 0.05 / (1.1 * NMC.nominal_capacity_ah) * 100.0
    assert fed_tuning.capacity_uncertainty_pct == pytest.approx(relative)
    floored = replace(tracker, estimate=replace(estimate, capacity_sigma_ah=np.full(2, 1e-6)))
    _, floor_tuning, _ = capacity_feedback(floored, model, TUNING, ekf)
    assert floor_tuning.capacity_uncertainty_pct == CAPACITY_UNCERTAINTY_FLOOR_PCT
    new_variance = (np.hypot(TUNING.current_gain_error_pct, relative) / 100.0) ** 2
    assert fed_ekf.capacity_cross is not None
    assert np.allclose(fed_ekf.capacity_cross / new_variance, 1.0 / _variance())


@pytest.mark.verifies("SWR_SOH_005")
def test_a_pairs_solve_is_spread_over_steps_and_equals_the_whole_one() -> None:
    cells = 2 * UPDATE_CHUNK_CELLS + 8  # three chunks
    model = cell_model(NMC)
    tracker = initial_capacity_tracker(model.tables, 1.0, TUNING, cells)
    tracker = replace(tracker, walk_pct_per_sqrt_cycle=0.0)  # the walk's own test is below
    start = initial_ekf_state(cells, 0.8, 0.01, TUNING)
    end = initial_ekf_state(cells, 0.6, 0.01, TUNING)

    def step(tracker: CapacityTracker, ekf: EkfState, current_a: float) -> CapacityTracker:
        return track_capacity(
            tracker, ekf, model.tables, TUNING, current_a=current_a, bleed_current_a=None,
            dt_s=1.0, capacity_scale=1.0,
        )[0]  # fmt: skip

    for ekf, current, seconds in ((start, 0.0, 601), (end, 2.5, 1440), (end, 0.0, 11)):
        for _ in range(seconds):
            tracker = step(tracker, ekf, current)
    pair = tracker.pending
    assert pair is not None
    prior = tracker.estimate
    whole = awtls_update(
        tracker.committed, pair.soc_change, pair.charge_ah, pair.soc_change_var,
        pair.charge_var_ah2,
    )  # fmt: skip
    tracker = step(tracker, end, 2.5)  # the rest ends: the first chunk is solved
    assert tracker.update is not None
    assert tracker.estimate is prior
    tracker = step(tracker, end, 2.5)
    assert tracker.estimate is prior
    tracker = step(tracker, end, 2.5)  # the third chunk: published
    assert tracker.update is None
    assert np.array_equal(tracker.estimate.capacity_ah, whole.capacity_ah)
    assert np.array_equal(tracker.estimate.capacity_sigma_ah, whole.capacity_sigma_ah)
    assert np.array_equal(tracker.estimate.c, whole.c)
    assert not np.array_equal(whole.capacity_ah, prior.capacity_ah)


@pytest.mark.verifies("SWR_SOH_005")
def test_an_update_in_progress_is_finished_before_the_next() -> None:
    cells = 2 * UPDATE_CHUNK_CELLS
    model = cell_model(NMC)
    tracker = initial_capacity_tracker(model.tables, 1.0, TUNING, cells)
    ekf = initial_ekf_state(cells, 0.6, 0.01, TUNING)
    tracker, _ = track_capacity(
        tracker, ekf, model.tables, TUNING, current_a=0.0, bleed_current_a=None, dt_s=1.0,
        capacity_scale=1.0,
    )  # fmt: skip
    pair = _Pair(
        soc_change=np.full(cells, 0.35), soc_change_var=np.full(cells, 1e-4),
        charge_ah=np.full(cells, 0.35 * 0.95 * NMC.nominal_capacity_ah),
        charge_var_ah2=np.full(cells, 1e-4), span=0.35,
    )  # fmt: skip
    first = _apply(tracker, pair)
    assert first.update is not None  # half solved
    assert first.updates == 1  # committed: it spans COMMIT_SOC
    second = _apply(first, pair)
    # The first was finished and committed before the second was added to its sums.
    once = awtls_update(tracker.committed, pair.soc_change, pair.charge_ah, 1e-4, 1e-4)
    twice = awtls_update(once, pair.soc_change, pair.charge_ah, 1e-4, 1e-4)
    second = _advance(second, cells)
    assert np.allclose(second.committed.capacity_ah, twice.capacity_ah, rtol=0, atol=1e-12)
    assert second.updates == 2


@pytest.mark.verifies("SWR_SOH_005")
def test_no_pair_is_anchored_while_the_filter_converges() -> None:
    tracker = initial_capacity_tracker(cell_model(NMC).tables, 1.0, TUNING, 1)
    resting = _ekf(0.8, 0.0)
    tracker = _rest(tracker, resting, CONVERGENCE_S - 1)
    assert tracker.anchor is None  # at rest long enough, but the filter may not have converged
    tracker = _rest(tracker, resting, 1)
    assert tracker.anchor is not None
    assert tracker.anchor.time_s == CONVERGENCE_S


@pytest.mark.verifies("SWR_SOH_005")
def test_a_filter_started_unknown_on_a_flat_ocv_gives_no_pair_until_the_next_power_cycle() -> None:
    lfp = LFP_TABLES
    assert lfp.ocv_median_slope_v < TUNING.flat_ocv_slope_v  # the chemistry the rule is for
    tracker = initial_capacity_tracker(lfp, 1.0, TUNING, 1)
    blind = tracker_at_filter_start(tracker, lfp, TUNING, soc_from_memory=False)
    assert tracker_at_filter_start(tracker, lfp, TUNING, soc_from_memory=True) is tracker
    resting = _ekf(0.8, 0.0)
    for _ in range(int(4 * CONVERGENCE_S)):
        blind, _ = track_capacity(
            blind, resting, lfp, TUNING, current_a=0.0, bleed_current_a=None, dt_s=1.0,
            capacity_scale=1.0,
        )  # fmt: skip
    assert blind.anchor is None
    resumed = _rest(resume_capacity_tracker(blind.committed), resting, CONVERGENCE_S + 1)
    assert resumed.anchor is not None  # the next power cycle's filter may start from memory
    # A sloped OCV converges inside the window: the tracker is left as it was.
    sloped = initial_capacity_tracker(cell_model(NMC).tables, 1.0, TUNING, 1)
    nmc = cell_model(NMC).tables
    assert tracker_at_filter_start(sloped, nmc, TUNING, soc_from_memory=False) is sloped


@pytest.mark.verifies("SWR_SOH_005")
def test_a_cells_balancing_bleed_is_counted_in_its_charge() -> None:
    model = cell_model(NMC)
    tracker = initial_capacity_tracker(model.tables, 1.0, TUNING, 2)
    ekf = initial_ekf_state(2, 0.8, 0.01, TUNING)
    tracker = _rest(tracker, ekf, CONVERGENCE_S + 1)
    assert tracker.anchor is not None
    for _ in range(3600):  # an hour at 1 A, the second cell also bled at 0.1 A
        tracker, _ = track_capacity(
            tracker, ekf, model.tables, TUNING, current_a=1.0,
            bleed_current_a=np.array([0.0, 0.1]), dt_s=1.0, capacity_scale=1.0,
        )  # fmt: skip
    assert tracker.anchor is not None
    charge = tracker.anchor.charge_ah
    assert charge[1] == pytest.approx(1.1 * charge[0], rel=1e-12)
    assert charge[0] == pytest.approx(1.0, rel=2e-3)  # 1 Ah, in the capacity at 25 degC


@pytest.mark.verifies("SWR_SOH_005")
@pytest.mark.parametrize("correlation", [0.5e-4, 0.9e-4])
def test_a_pairs_soc_change_variance_takes_out_the_ends_correlation(correlation: float) -> None:
    """``P0 - beta0^2 var(c) + P1 - beta1^2 var(c) - 2 v_SoC``, at least the SoC's random walk."""
    tables = cell_model(NMC).tables
    tracker = initial_capacity_tracker(tables, 1.0, TUNING, 1)
    beta = 0.2  # at both ends: no lean, so no amplification
    first = _ekf(0.8, beta * _variance())
    anchored = first
    while tracker.anchor is None:  # rest until the anchor: the step that takes it
        tracker, anchored = track_capacity(
            tracker, first, tables, TUNING, current_a=0.0, bleed_current_a=None, dt_s=1.0,
            capacity_scale=1.0,
        )  # fmt: skip
    assert tracker.time_s == pytest.approx(CONVERGENCE_S)
    # The filter is given its covariance with the anchor's SoC error less its share of c.
    assert anchored.anchor_cross is not None
    assert anchored.anchor_cross[0, 0] == pytest.approx(1e-4 - beta**2 * _variance(), rel=1e-12)
    change = 2.0 / NMC.nominal_capacity_ah
    end = _ekf(0.8 - change, beta * _variance())
    cross = np.zeros((5, 1))
    cross[0] = correlation  # what the filter carried to here
    end = replace(end, anchor_cross=cross)
    tracker = _draw(tracker, end, 2.0, 2.5)
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.pending is not None
    assert tracker.anchor is not None
    duration = tracker.time_s - tracker.anchor.time_s
    walk = TUNING.soc_random_walk_per_sqrt_s**2 * duration
    residual = 2e-4 - 2.0 * beta**2 * _variance() - 2.0 * correlation
    assert tracker.pending.soc_change_var[0] == pytest.approx(max(residual, walk), rel=1e-9)
    assert tracker.pending.soc_change_var[0] < 2e-4  # the ends' variances alone
    if correlation > 0.8e-4:
        assert residual < walk  # floored


@pytest.mark.verifies("SWR_SOH_005")
def test_the_anchor_covariance_is_dropped_once_the_pair_is_committed() -> None:
    tables = cell_model(NMC).tables
    tracker = initial_capacity_tracker(tables, 1.0, TUNING, 1)
    first = _ekf(0.8, 0.0)
    tracker = _rest(tracker, first, CONVERGENCE_S + 1)
    end = replace(_ekf(0.4, 0.0), anchor_cross=np.zeros((5, 1)))
    tracker = _draw(tracker, end, 0.4 * NMC.nominal_capacity_ah, 2.5)
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.pending is not None
    tracker, after = track_capacity(  # the rest ends: a pair spanning 0.4 is committed
        tracker, end, tables, TUNING, current_a=2.5, bleed_current_a=None, dt_s=1.0,
        capacity_scale=1.0,
    )  # fmt: skip
    assert tracker.anchor is None
    assert after.anchor_cross is None


@pytest.mark.verifies("SWR_SOH_005")
def test_a_pair_no_cell_can_use_is_committed_once_it_spans_enough() -> None:
    """Else its anchor would stay for good and no later pair be made (the first version's)."""
    tracker, _ = _start()
    change = 0.35
    end = _ekf(0.8 - change, 0.95 * change * _variance())  # leans 0.95: not used
    ah = change * NMC.nominal_capacity_ah
    tracker = _draw(tracker, end, ah, 2.5)
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.pending is not None
    assert np.all(np.isnan(tracker.pending.soc_change))
    before = tracker.estimate
    tracker = _draw(tracker, end, 0.01, 2.5)  # the rest ends: committed, skipped by AWTLS
    assert tracker.anchor is None
    assert tracker.updates == 1
    assert tracker.estimate.capacity_ah[0] == before.capacity_ah[0]
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.anchor is not None  # the next rest point anchors the next pair


@pytest.mark.verifies("SWR_SOH_005")
def test_a_pair_counted_less_the_key_on_offset_leans_on_no_offset_estimate() -> None:
    """The charge less the key-on's offset: its error is the key-on's and the drift's."""
    tables = cell_model(NMC).tables
    offset, sigma = 0.05, 0.002
    tracker = calibrate_tracker_offset(
        initial_capacity_tracker(tables, 1.0, TUNING, 1), offset, sigma, TUNING
    )
    tracker = _rest(tracker, _ekf(0.8, 0.0), CONVERGENCE_S + 1)
    assert tracker.anchor is not None
    assert tracker.anchor.calibrated
    change = 0.3
    drawn = change * NMC.nominal_capacity_ah
    # The filter's offset estimate leans 0.6 on the scale error: it must not matter here.
    end = _ekf(0.8 - change, 0.0, cross_offset=-0.6 * change * 5.0 * _variance())
    tracker = _draw(tracker, end, drawn, 2.5)  # measured: the true current plus the offset
    tracker = _rest(tracker, end, REST_TIME_S + 1)
    assert tracker.pending is not None
    assert tracker.anchor is not None
    hours = float(tracker.anchor.hours[0])  # weighted by the capacity at the temperature
    weight = hours / ((tracker.time_s - tracker.anchor.time_s) / 3600.0)
    measured = round(drawn * 3600.0 / 2.5) * 2.5 / 3600.0  # _draw's whole seconds at 2.5 A
    counted = weight * measured - offset * hours  # less the offset's share
    pair = tracker.pending
    assert pair.charge_ah[0] / pair.soc_change[0] == pytest.approx(counted / change, rel=1e-6)
    seconds = hours * 3600.0
    drift = TUNING.bias_random_walk_a_per_sqrt_s**2 * seconds**3 / 3.0 / 3600.0**2
    gain = TUNING.current_gain_error_pct / 100.0
    expected = (sigma * hours) ** 2 + drift + (gain * counted) ** 2 + 1e-10
    assert pair.charge_var_ah2[0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.verifies("SWR_SOH_005")
def test_a_key_on_folds_a_calibrated_open_pair_and_drops_an_uncalibrated_one() -> None:
    tables = cell_model(NMC).tables
    first = _ekf(0.8, 0.0)
    calibrated = calibrate_tracker_offset(
        initial_capacity_tracker(tables, 1.0, TUNING, 1), 0.05, 0.002, TUNING
    )
    calibrated = _draw(_rest(calibrated, first, CONVERGENCE_S + 1), first, 0.5, 2.5)
    assert calibrated.anchor is not None
    hours = calibrated.anchor.hours.copy()
    again = calibrate_tracker_offset(calibrated, 0.04, 0.003, TUNING)
    assert again.anchor is not None
    assert np.all(again.anchor.hours == 0.0)  # the new offset counts from here
    assert np.array_equal(again.anchor.charge_ah, calibrated.anchor.charge_ah)
    assert np.all(again.anchor.offset_var_ah2 >= (0.002 * hours) ** 2)  # the first part's
    assert (again.offset_a, again.offset_sigma_a) == (0.04, 0.003)
    uncalibrated, _ = _start()  # counted without a key-on: its lean spans the whole pair
    assert uncalibrated.anchor is not None
    assert calibrate_tracker_offset(uncalibrated, 0.05, 0.002, TUNING).anchor is None


@pytest.mark.verifies("SWR_SOH_007")
def test_the_walk_accrues_with_throughput_and_the_next_pair_is_added_to_it() -> None:
    tracker, ekf = _start()
    assert tracker.walk_share == 0.0  # at rest: nothing
    tracker = _draw(_draw(tracker, ekf, 2.0, 5.0), ekf, -1.0, -2.5)
    cycles = 3.0 / (2.0 * NMC.nominal_capacity_ah)
    rate = CAPACITY_WALK_PCT_PER_SQRT_CYCLE / 100.0
    assert tracker.walk_share == pytest.approx(rate * rate * cycles, rel=1e-9)
    walked = committed_capacity(tracker)
    before = tracker.committed
    assert np.array_equal(walked.capacity_ah, before.capacity_ah)
    grown = before.capacity_sigma_ah**2 + tracker.walk_share * before.capacity_ah**2
    assert walked.capacity_sigma_ah**2 == pytest.approx(grown, rel=1e-12)
    pair = _Pair(
        soc_change=np.array([0.35]), soc_change_var=np.array([1e-4]),
        charge_ah=np.array([0.35 * 0.97 * NMC.nominal_capacity_ah]),
        charge_var_ah2=np.array([1e-4]), span=0.35,
    )  # fmt: skip
    applied = _advance(_apply(tracker, pair), 1)
    expected = awtls_update(walked, pair.soc_change, pair.charge_ah, 1e-4, 1e-4)
    assert applied.walk_share == 0.0
    assert np.array_equal(applied.committed.c, expected.c)
    assert np.array_equal(applied.committed.capacity_sigma_ah, expected.capacity_sigma_ah)
    unwalked = awtls_update(before, pair.soc_change, pair.charge_ah, 1e-4, 1e-4)
    assert applied.committed.capacity_sigma_ah[0] > unwalked.capacity_sigma_ah[0]
