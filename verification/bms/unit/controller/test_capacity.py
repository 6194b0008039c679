"""Tests of bms/controller/_capacity.py and its wiring in the controller: SWR_SOH_005, SWR_SOH_008.

Covers: with a chemistry and a new pack's tracker, the controller's
estimation step starts the capacity tracker from the configured model and
tuning and advances it by the estimation period; a graded new pack's runs
the filter with each cell's measured capacity and the measurement's sigma
(one capacity per cell and the sigma, or a clear error); without capacity memory it
starts from the unknown-age prior (85 % of the configured capacity, a sigma
of 10.8 % of it), runs the SoC filter with it, and warns
``capacity_unknown`` (not latched, no DTC) until every cell's relative sigma
is down to the new pack's 3 %, and never for a stored tracker; the SoC
filter runs with the model and tuning the tracker's estimate gives (a halved
capacity scale injected into the state reaches the filter's step); a changed
estimate is fed back once and the unchanged one leaves the model and tuning
objects as they are (the filter's step constants stay cached); without a
chemistry there is no tracker; a controller started in another's state gives
the same outputs from there on. SWR_SOC_008: the filter starts from the
kept SoC and sigma (not from a start for another cell count), and the state
gives back the filter's SoC and sigma to keep at key-off (none before the
first estimate or after a failed one). SWR_SOC_009: a kept SoC on the rest
voltage stands (the outputs say the filter started from memory); one cell
30 points off it makes the controller start the filter unknown, say so, and
warn ``soc_memory_dropped`` naming that cell on every step of the power
cycle. SWR_SOH_005: on a flat OCV a filter started unknown leaves the
tracker no pair this power cycle; one started from memory, or on a sloped
OCV, keeps the convergence window.
"""

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import bms.controller._capacity as capacity_module
import bms.controller._estimating as estimating_module
from bms.cell import Chemistry, cell_model, ocv
from bms.config import load_config
from bms.controller import BmsController, key_off_soc, new_pack_capacity
from bms.controller._capacity import (
    FilterCapacity,
    capacity_unknown_reason,
    follow_capacity,
    start_capacity,
)
from bms.controller._controller import CAPACITY_UNKNOWN, SOC_MEMORY_DROPPED
from bms.estimation import SocFilterTuning, SocStart, ekf_step, initial_ekf_state, track_capacity
from bms.estimation._capacity_pairs import CONVERGENCE_S, _Pair
from verification.bms.unit.cell.chemistry_fixture import SOC, TEMPERATURES, synthetic_chemistry
from verification.bms.unit.controller.frames import frame
from verification.bms.unit.controller.test_controller import Rig

CONFIG = load_config()
ESTIMATION_S = CONFIG.pack.estimation_period_ms / 1000.0
EVERY = CONFIG.pack.estimation_period_ms // CONFIG.pack.protection_period_ms


def _capacity(controller: BmsController) -> FilterCapacity:
    capacity = controller.state.capacity
    assert capacity is not None
    return capacity


@pytest.mark.verifies("SWR_SOH_005", "SWR_SOH_008")
def test_a_new_packs_tracker_starts_from_the_configured_model_and_follows_the_filter() -> None:
    chemistry = synthetic_chemistry()
    cells = CONFIG.pack.series_count
    rig = Rig(
        BmsController(CONFIG, chemistry=chemistry, capacity=new_pack_capacity(chemistry, cells))
    )
    rig.run(10 * EVERY)
    capacity = _capacity(rig.controller)
    assert capacity.tracker.time_s == pytest.approx(10 * ESTIMATION_S)
    assert capacity.tuning.capacity_uncertainty_pct == pytest.approx(3.0)
    assert np.allclose(
        capacity.tracker.estimate.capacity_ah, capacity.model.tables.nominal_capacity_ah
    )
    assert rig.controller.state.capacity_reason is None
    assert Rig().run(EVERY).step == EVERY
    assert Rig().controller.state.capacity is None


@pytest.mark.verifies("SWR_SOH_008")
def test_a_graded_new_pack_runs_the_filter_with_each_cells_measured_capacity() -> None:
    chemistry = synthetic_chemistry()
    cells = CONFIG.pack.series_count
    nominal = cell_model(chemistry).tables.nominal_capacity_ah
    measured = [nominal * (0.98 + 0.04 * cell / cells) for cell in range(cells)]
    graded = new_pack_capacity(
        chemistry, cells, measured_capacity_ah=measured, measured_sigma_pct=0.5
    )
    rig = Rig(BmsController(CONFIG, chemistry=chemistry, capacity=graded))
    rig.run(EVERY)
    capacity = _capacity(rig.controller)
    assert capacity.tracker.estimate.capacity_ah == pytest.approx(measured, rel=1e-3)
    assert capacity.tuning.capacity_uncertainty_pct == pytest.approx(0.5, rel=1e-3)
    assert np.asarray(capacity.model.capacity_scale) == pytest.approx(
        np.array(measured) / nominal, rel=1e-3
    )


@pytest.mark.verifies("SWR_SOH_008")
@pytest.mark.parametrize(
    ("measured", "sigma", "named"),
    [
        ([5.0] * 3, 0.5, "3 capacities"),
        (None, 0.5, "give both or neither"),
        ([5.0] * 48, None, "give both or neither"),
    ],
)
def test_a_graded_new_pack_needs_one_capacity_per_cell_and_its_sigma(
    measured: list[float] | None, sigma: float | None, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        new_pack_capacity(
            synthetic_chemistry(),
            CONFIG.pack.series_count,
            measured_capacity_ah=measured,
            measured_sigma_pct=sigma,
        )


@pytest.mark.verifies("SWR_SOH_008")
def test_without_capacity_memory_the_pack_is_of_unknown_age_and_the_controller_says_so() -> None:
    rig = Rig(BmsController(CONFIG, chemistry=synthetic_chemistry()))
    outputs = rig.controller.step(frame(0))
    capacity = _capacity(rig.controller)
    nominal = capacity.model.tables.nominal_capacity_ah
    estimate = capacity.tracker.estimate
    assert np.allclose(estimate.capacity_ah, 0.85 * nominal)
    relative = float(np.max(estimate.capacity_sigma_ah / estimate.capacity_ah))
    assert relative == pytest.approx(math.sqrt(0.03**2 + 0.3**2 / 12.0) / 0.85)
    # The SoC filter runs with the prior: its capacity scale and its wide uncertainty.
    assert np.allclose(capacity.model.capacity_scale, 0.85)
    assert capacity.tuning.capacity_uncertainty_pct == pytest.approx(100.0 * relative)
    warnings = [f for f in outputs.faults if f.fault == CAPACITY_UNKNOWN]
    assert len(warnings) == 1
    assert warnings[0].level == "warning"
    assert not warnings[0].latched
    assert "unknown age" in warnings[0].reason
    assert f"{100.0 * relative:.1f} %" in warnings[0].reason
    bound = 0.85 * (1.0 - 3.0 * math.sqrt(0.03**2 + 0.3**2 / 12.0) / 0.85)  # 57 % of nominal
    coldest = float(np.min(capacity.model.tables.capacity_ah)) / nominal
    assert f"allowing for as little as {100.0 * bound * coldest:.0f} % of the nominal" in (
        warnings[0].reason
    )
    assert outputs.latched_faults == ()
    assert outputs.dtc_events == ()


@pytest.mark.verifies("SWR_SOH_008")
def test_the_unknown_age_warning_ends_once_the_capacity_is_as_sure_as_a_new_packs() -> None:
    tuning = SocFilterTuning()
    model = cell_model(synthetic_chemistry())
    capacity = start_capacity(model, tuning, 2)
    reason = capacity_unknown_reason(capacity, tuning, remembered=False)
    assert reason is not None
    estimate = capacity.tracker.estimate

    def with_sigma(share: float) -> FilterCapacity:
        learnt = replace(estimate, capacity_sigma_ah=share * estimate.capacity_ah)
        return replace(capacity, tracker=replace(capacity.tracker, estimate=learnt))

    assert capacity_unknown_reason(with_sigma(0.031), tuning, remembered=False) is not None
    assert capacity_unknown_reason(with_sigma(0.030), tuning, remembered=False) is None
    # A stored tracker (a previous power cycle's, or a new pack's) is never reported.
    stored = start_capacity(model, tuning, 2, capacity.tracker)
    assert capacity_unknown_reason(stored, tuning, remembered=True) is None
    assert capacity_unknown_reason(None, tuning, remembered=False) is None


@pytest.mark.verifies("SWR_SOH_005")
def test_the_filter_runs_with_the_capacity_estimates_model(monkeypatch: Any) -> None:
    controller = BmsController(CONFIG, chemistry=synthetic_chemistry())
    rig = Rig(controller)
    rig.run(EVERY)
    capacity = _capacity(controller)
    halved = replace(capacity, model=replace(capacity.model, capacity_scale=0.5))
    controller._state = replace(controller.state, capacity=halved)
    seen: list[Any] = []
    original = ekf_step

    def recording(model: Any, tuning: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((model, tuning))
        return original(model, tuning, *args, **kwargs)

    monkeypatch.setattr(estimating_module, "ekf_step", recording)
    rig.run(EVERY)
    assert seen == [(halved.model, halved.tuning)]


@pytest.mark.verifies("SWR_SOH_005")
def test_only_a_changed_estimate_is_fed_back() -> None:
    chemistry = synthetic_chemistry()
    controller = BmsController(CONFIG, chemistry=chemistry)
    model = controller._context.model
    assert model is not None
    tuning = SocFilterTuning()
    capacity = start_capacity(model, tuning, 4)
    ekf = initial_ekf_state(4, 0.5, 0.1, tuning)
    same, _ = follow_capacity(capacity, ekf, current_a=0.0, bleed_current_a=None, dt_s=0.1)
    assert same.model is capacity.model
    assert same.tuning is capacity.tuning
    pair = _Pair(
        soc_change=np.full(4, 0.1), soc_change_var=np.full(4, 1e-4),
        charge_ah=np.full(4, 0.09 * model.tables.nominal_capacity_ah),
        charge_var_ah2=np.full(4, 1e-6), span=0.1,
    )  # fmt: skip
    # A pending pair is added when the rest ends: the estimate changes and is fed back.
    changed = replace(capacity, tracker=replace(capacity.tracker, pending=pair))
    fed, _ = follow_capacity(changed, ekf, current_a=10.0, bleed_current_a=None, dt_s=0.1)
    estimate = fed.tracker.estimate
    assert estimate is not capacity.tracker.estimate
    assert np.all(estimate.capacity_ah < model.tables.nominal_capacity_ah)
    assert np.allclose(
        fed.model.capacity_scale * model.tables.nominal_capacity_ah, estimate.capacity_ah
    )
    relative = float(np.max(estimate.capacity_sigma_ah / estimate.capacity_ah))
    assert fed.tuning.capacity_uncertainty_pct == pytest.approx(100.0 * relative)


@pytest.mark.verifies("SWR_CTRL_STEP_001")
def test_a_controller_started_in_a_state_carries_on_from_it() -> None:
    # The step depends only on its state and the frame: a controller given another's state
    # gives the same outputs from there on (how the resource measurement starts its runs).
    chemistry = synthetic_chemistry()
    first = Rig(BmsController(CONFIG, chemistry=chemistry))
    first.run(3 * EVERY)
    resumed = BmsController(CONFIG, chemistry=chemistry, state=first.controller.state)
    assert resumed.state is first.controller.state
    for index in range(3 * EVERY, 5 * EVERY):
        inputs = frame(index * 10, current_a=(20.0, 20.0))
        assert resumed.step(inputs) == first.controller.step(inputs)
    assert resumed.state.step == first.controller.state.step == 5 * EVERY


@pytest.mark.verifies("SWR_SOC_008")
def test_the_filter_starts_from_the_kept_soc_and_the_state_gives_it_back() -> None:
    chemistry = synthetic_chemistry()
    cells = CONFIG.pack.series_count
    soc = np.linspace(0.2, 0.8, cells)
    beta = np.linspace(-0.02, 0.03, cells)  # inside the clip at the unknown age's variance
    start = SocStart(soc=soc, sigma=np.full(cells, 0.004), scale_sensitivity=beta)
    seen: list[Any] = []

    def recording(model: Any, tuning: Any, ekf: Any, **kwargs: Any) -> Any:
        seen.append(ekf)
        return ekf_step(model, tuning, ekf, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(estimating_module, "ekf_step", recording)
        kept = BmsController(CONFIG, chemistry=chemistry, soc=start)
        kept.step(frame(0))
        unknown = BmsController(CONFIG, chemistry=chemistry)
        unknown.step(frame(0))
    assert np.array_equal(seen[0].x[0], soc)
    assert seen[0].p[0, 0] == pytest.approx(np.full(cells, 0.004**2))
    fed = kept.state.capacity
    assert fed is not None
    assert seen[0].capacity_cross[0] == pytest.approx(beta * fed.tuning.scale_variance)
    assert np.all(seen[1].x[0] == 0.5)
    assert seen[1].p[0, 0] == pytest.approx(np.full(cells, 0.3**2))
    # A start for another number of cells is not used.
    other = SocStart(soc=np.full(3, 0.4), sigma=np.full(3, 0.01))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(estimating_module, "ekf_step", recording)
        other_outputs = BmsController(CONFIG, chemistry=chemistry, soc=other).step(frame(0))
    assert other_outputs.soc_started_from == "unknown"
    assert BmsController(CONFIG, soc=start).step(frame(0)).soc_started_from is None  # no filter
    assert np.all(seen[2].x[0] == 0.5)
    # What the state keeps at key-off: the filter's SoC and sigma, clipped to [0, 1], and its
    # sensitivity to the scale error (read with the tuning it ran with).
    back = key_off_soc(kept.state)
    ekf = kept.state.estimator
    assert back is not None
    assert ekf is not None
    assert np.array_equal(back.soc, np.clip(ekf.x[0], 0.0, 1.0))
    assert np.array_equal(back.sigma, np.sqrt(ekf.p[0, 0]))
    assert back.scale_sensitivity is not None
    assert ekf.capacity_cross is not None
    assert np.any(back.scale_sensitivity != beta)  # the first step moved it
    assert back.scale_sensitivity == pytest.approx(
        ekf.capacity_cross[0] / fed.tuning.scale_variance
    )
    assert key_off_soc(Rig().controller.state) is None  # never estimated
    assert key_off_soc(replace(kept.state, estimation_failed=True)) is None


@pytest.mark.verifies("SWR_SOH_005")
def test_on_a_flat_ocv_a_filter_started_unknown_makes_no_pair_this_power_cycle() -> None:
    flat = synthetic_chemistry(ocv_v=[[3.6 + 0.2 * soc for soc in SOC] for _ in TEMPERATURES])
    cells = CONFIG.pack.series_count
    assert cell_model(flat).tables.ocv_median_slope_v < SocFilterTuning().flat_ocv_slope_v

    def started(chemistry: Chemistry, soc: SocStart | None) -> float:
        controller = BmsController(
            CONFIG, chemistry=chemistry, capacity=new_pack_capacity(chemistry, cells), soc=soc
        )
        controller.step(frame(0))
        return _capacity(controller).tracker.convergence_s

    kept = SocStart(np.full(cells, 0.5), np.full(cells, 0.01))
    assert math.isinf(started(flat, None))
    assert started(flat, kept) == CONVERGENCE_S  # from memory: no transient to wait out
    assert started(synthetic_chemistry(), None) == CONVERGENCE_S  # a sloped OCV converges


@pytest.mark.verifies("SWR_SOC_009")
def test_a_kept_soc_the_rest_voltage_refutes_is_dropped_and_warned_for_the_power_cycle() -> None:
    chemistry = synthetic_chemistry()
    cells = CONFIG.pack.series_count
    grid = np.linspace(0.0, 1.0, 2001)
    rest_ocv = ocv(cell_model(chemistry).tables, np.full(grid.size, 25.0), grid)
    at_rest = float(np.interp(3.7, rest_ocv, grid))  # the frames' cells rest at 3.7 V
    sigma = np.full(cells, 0.005)
    agreeing = Rig(
        BmsController(CONFIG, chemistry=chemistry, soc=SocStart(np.full(cells, at_rest), sigma))
    )
    assert agreeing.run(3 * EVERY).soc_started_from == "memory"
    assert agreeing.controller.state.soc_memory_reason is None
    kept = agreeing.controller.state.estimator
    assert kept is not None
    assert np.all(np.sqrt(kept.p[0, 0]) < 0.01)  # it started from the kept SoC
    soc = np.full(cells, at_rest)
    soc[7] = min(at_rest + 0.3, 1.0)
    refuted = BmsController(CONFIG, chemistry=chemistry, soc=SocStart(soc, sigma))
    blank = BmsController(CONFIG, chemistry=chemistry)
    outputs = [refuted.step(frame(10 * i)) for i in range(3 * EVERY)]
    for i in range(3 * EVERY):
        assert blank.step(frame(10 * i)).soc_started_from == "unknown"
    for step in outputs:
        assert step.soc_started_from == "unknown"
        warnings = [f for f in step.faults if f.fault == SOC_MEMORY_DROPPED]
        assert len(warnings) == 1
        assert warnings[0].level == "warning"
        assert not warnings[0].latched
        assert warnings[0].reason.startswith("cell 7's voltage is")
    unknown, without = refuted.state.estimator, blank.state.estimator
    assert unknown is not None
    assert without is not None
    assert np.array_equal(unknown.x, without.x)  # every cell as if there were no memory
    assert np.array_equal(unknown.p, without.p)


@pytest.mark.verifies("SWR_SOH_008")
def test_the_controller_rejudges_the_warning_when_the_estimate_changes_and_only_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    controller = BmsController(CONFIG, chemistry=synthetic_chemistry())
    rig = Rig(controller)
    rig.run(EVERY)
    first = controller.state.capacity_reason
    assert first is not None
    rig.run(EVERY)
    assert controller.state.capacity_reason is first  # the same estimate: not judged again
    original = track_capacity  # what the controller's capacity module calls

    def learning(tracker: Any, *args: Any, **kwargs: Any) -> Any:
        """The tracker's step, then an estimate as sure as a new pack's (a pair committed)."""
        tracked, ekf = original(tracker, *args, **kwargs)
        estimate = tracked.estimate
        learnt = replace(estimate, capacity_sigma_ah=0.01 * estimate.capacity_ah)
        return replace(tracked, estimate=learnt), ekf

    monkeypatch.setattr(capacity_module, "track_capacity", learning)
    rig.run(EVERY)
    assert controller.state.capacity_reason is None  # a new estimate, judged again
