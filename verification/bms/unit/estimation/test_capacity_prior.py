"""Tests of bms/estimation/_capacity_prior.py: where the capacity estimate starts, its lower bound.

Covers SWR_SOH_005 (a new pack's prior: the configured capacities, each
cell's scale, with the tuning's uncertainty, each cell's AWTLS sums holding
its own scaled prior so that a pair agreeing with it leaves it there),
SWR_SOH_008 (a pack of unknown age: the Gaussian with the mean and variance
of a fade spread evenly from new to the end of service, plus the new pack's
spread; every capacity from the end of service to a new cell 3 % above
nominal inside its 3 sigma, where the new pack's prior leaves a 15 %-faded
cell 5 sigma off; a graded new pack: each cell's measured capacity with
the measurement's sigma, bad measurements refused naming the argument) and
SWR_PLAT_005 (the capacities the coulomb-counted SoC bound divides by: each
cell's estimate, and the estimate less three sigmas, at its coldest
temperature's capacity, never below zero). SWR_SOH_009: a parked cell's
3-sigma bound grows by its worst calendar fade over the days parked from its
age (``b ((t + d)^z - t^z)``, ``b``, ``z`` the chemistry's worst calendar
fade), the estimate unchanged; an older cell's growth is smaller; no days, a
clock set back or a non-finite input add nothing; parked a night at a time
with no pair, every BLAST-Lite storage history of both chemistries, and
every LFP history (cycling and EV use too, with the throughput's walk, from
a 1 % graded prior), stays inside 3 sigma over its 30 years, where the
first version's random walk (the losses added in quadrature) left them
outside.
"""

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.aging import load_parameters, worst_calendar_fade
from bms.cell import cell_model
from bms.estimation import (
    UNKNOWN_AGE_END_OF_LIFE,
    CalendarWalk,
    SocFilterTuning,
    awtls_update,
    capacity_estimate_at_coldest,
    capacity_lower_bound,
    graded_capacity_tracker,
    initial_capacity_state,
    initial_capacity_tracker,
    parked_capacity,
    predict_capacity,
    unknown_age_capacity_tracker,
)
from bms.estimation._capacity_pairs import CAPACITY_WALK_PCT_PER_SQRT_CYCLE
from verification.bms.unit.aging.blast_lite_fixture import blast_lite_document
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

MODEL = cell_model(synthetic_chemistry())
NOMINAL = MODEL.tables.nominal_capacity_ah
TUNING = SocFilterTuning()


@pytest.mark.verifies("SWR_SOH_005")
def test_a_new_pack_starts_at_its_configured_capacities_with_the_tunings_uncertainty() -> None:
    scale = np.array([0.95, 1.0, 1.05])
    tracker = initial_capacity_tracker(MODEL.tables, scale, TUNING, 3)
    assert tracker.estimate is tracker.committed
    assert tracker.estimate.capacity_ah == pytest.approx(scale * NOMINAL)
    assert tracker.estimate.capacity_sigma_ah == pytest.approx(0.03 * scale * NOMINAL)


@pytest.mark.verifies("SWR_SOH_008")
def test_a_pack_of_unknown_age_starts_midway_with_the_spread_of_its_possible_fade() -> None:
    tracker = unknown_age_capacity_tracker(MODEL.tables, 1.0, TUNING, 4)
    estimate = tracker.estimate
    sigma = math.sqrt(0.03**2 + 0.3**2 / 12.0)  # new-pack spread, uniform fade over 0-30 %
    assert UNKNOWN_AGE_END_OF_LIFE == 0.70
    assert estimate.capacity_ah == pytest.approx(np.full(4, 0.85 * NOMINAL))
    assert estimate.capacity_sigma_ah == pytest.approx(np.full(4, sigma * NOMINAL))
    # The AWTLS sums hold the same prior: the estimate they give is the one reported.
    c = estimate.c[:, 0]
    assert c[1] / (estimate.k * c[0]) == pytest.approx(0.85 * NOMINAL)


@pytest.mark.verifies("SWR_SOH_008")
@given(share=st.floats(min_value=UNKNOWN_AGE_END_OF_LIFE, max_value=1.03))
def test_any_capacity_from_end_of_service_to_a_strong_new_cell_is_inside_3_sigma(
    share: float,
) -> None:
    estimate = unknown_age_capacity_tracker(MODEL.tables, 1.0, TUNING, 1).estimate
    off = abs(share * NOMINAL - estimate.capacity_ah[0]) / estimate.capacity_sigma_ah[0]
    assert off < 3.0


@pytest.mark.verifies("SWR_SOH_008")
def test_the_new_packs_prior_is_dishonest_for_a_faded_pack_and_the_unknown_age_one_is_not() -> None:
    faded = 0.85 * NOMINAL
    new = initial_capacity_tracker(MODEL.tables, 1.0, TUNING, 1).estimate
    unknown = unknown_age_capacity_tracker(MODEL.tables, 1.0, TUNING, 1).estimate
    assert abs(faded - new.capacity_ah[0]) / new.capacity_sigma_ah[0] == pytest.approx(5.0)
    assert abs(faded - unknown.capacity_ah[0]) < unknown.capacity_sigma_ah[0]


@pytest.mark.verifies("SWR_SOH_008")
def test_the_unknown_age_prior_follows_each_cells_configured_scale() -> None:
    scale = np.array([0.9, 1.1])
    scaled = unknown_age_capacity_tracker(MODEL.tables, scale, TUNING, 2).estimate
    plain = unknown_age_capacity_tracker(MODEL.tables, 1.0, TUNING, 2).estimate
    assert scaled.capacity_ah == pytest.approx(scale * plain.capacity_ah)
    assert scaled.capacity_sigma_ah == pytest.approx(scale * plain.capacity_sigma_ah)


@pytest.mark.verifies("SWR_PLAT_005")
def test_the_lower_bound_is_three_sigmas_below_each_estimate_at_the_coldest_capacity() -> None:
    estimate = initial_capacity_tracker(MODEL.tables, 1.0, TUNING, 3).estimate
    estimate = replace(
        estimate,
        capacity_ah=np.array([5.0, 4.0, 1.0]),
        capacity_sigma_ah=np.array([0.1, 0.2, 0.5]),
    )
    coldest = 4.6 / 5.0  # the fixture's capacity at -20 degC over its nominal
    bound = capacity_lower_bound(estimate, MODEL.tables)
    assert bound == pytest.approx(np.array([4.7, 3.4, 0.0]) * coldest)
    at_coldest = capacity_estimate_at_coldest(estimate, MODEL.tables)
    assert at_coldest == pytest.approx(np.array([5.0, 4.0, 1.0]) * coldest)


@pytest.mark.verifies("SWR_SOH_008")
def test_a_graded_pack_starts_at_each_cells_measured_capacity_with_the_measurements_sigma() -> None:
    measured = np.array([0.97, 1.01, 1.04]) * NOMINAL
    tracker = graded_capacity_tracker(MODEL.tables, measured, 0.5)
    assert tracker.estimate.capacity_ah == pytest.approx(measured)
    assert tracker.estimate.capacity_sigma_ah == pytest.approx(0.005 * measured)
    # the same sums as a new pack configured at those capacities, with the smaller sigma
    configured = initial_capacity_tracker(
        MODEL.tables, measured / NOMINAL, SocFilterTuning(capacity_uncertainty_pct=0.5), 3
    )
    assert tracker.estimate.c == pytest.approx(configured.estimate.c)


@pytest.mark.verifies("SWR_SOH_008")
@pytest.mark.parametrize(
    ("capacity", "sigma", "named"),
    [
        ([5.0, math.nan], 1.0, "capacity_ah: cell 1's measured capacity nan"),
        ([5.0, 5.0, 0.0], 1.0, "capacity_ah: cell 2's measured capacity 0.0"),
        ([], 1.0, "capacity_ah: no measured capacity"),
        ([5.0], 0.0, "sigma_pct"),
        ([5.0], math.inf, "sigma_pct"),
    ],
)
def test_a_graded_pack_refuses_a_measurement_that_is_not_one(
    capacity: list[float], sigma: float, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        graded_capacity_tracker(MODEL.tables, np.array(capacity), sigma)


@pytest.mark.verifies("SWR_SOH_005")
@pytest.mark.parametrize("prior", [initial_capacity_tracker, unknown_age_capacity_tracker])
def test_each_cells_sums_hold_its_own_scaled_prior(prior: Any) -> None:
    scale = np.array([0.8, 1.0, 1.2])
    estimate = prior(MODEL.tables, scale, TUNING, 3).estimate
    for cell, share in enumerate(scale):
        alone = prior(MODEL.tables, 1.0, TUNING, 1).estimate
        single = initial_capacity_state(
            1,
            nominal_capacity_ah=float(share * alone.capacity_ah[0]),
            initial_sigma_ah=float(share * alone.capacity_sigma_ah[0]),
            soc_sigma=0.01,
            ah_sigma=0.01 * NOMINAL,
        )
        assert estimate.c[:, cell] == pytest.approx(single.c[:, 0])
    # So a pair that agrees with each cell's configured capacity leaves it there (with the
    # nominal capacity's sums the 80 % cell went to 97 %).
    soc_change = np.full(3, 0.5)
    updated = awtls_update(
        estimate, soc_change, soc_change * estimate.capacity_ah, 0.05**2, 0.05**2
    )
    assert updated.capacity_ah == pytest.approx(estimate.capacity_ah, rel=1e-6)


WALK = CalendarWalk(scale_pct=0.5, exponent=0.5)


@pytest.mark.verifies("SWR_SOH_009")
def test_a_parked_cells_bound_grows_by_its_worst_calendar_fade_since_its_age() -> None:
    estimate = initial_capacity_tracker(MODEL.tables, np.array([0.9, 1.0]), TUNING, 2).estimate
    parked = parked_capacity(estimate, WALK, age_days=100.0, parked_days=21.0)
    share = 0.005 * (math.sqrt(121.0) - math.sqrt(100.0))
    grown = estimate.capacity_sigma_ah + share * estimate.capacity_ah / 3.0
    assert parked.capacity_sigma_ah == pytest.approx(grown)
    assert np.array_equal(parked.capacity_ah, estimate.capacity_ah)
    # Calendar fade slows with age: the same days parked cost an older cell less.
    older = parked_capacity(estimate, WALK, age_days=1000.0, parked_days=21.0)
    assert np.all(older.capacity_sigma_ah < parked.capacity_sigma_ah)
    nothing = ((0.0, 0.0), (10.0, -1.0), (-1.0, 5.0), (math.nan, 5.0), (5.0, math.inf))
    for age, days in nothing:
        assert parked_capacity(estimate, WALK, age_days=age, parked_days=days) is estimate
    for walk in (CalendarWalk(0.0, 0.5), CalendarWalk(0.5, math.nan), CalendarWalk(-1.0, 0.5)):
        assert parked_capacity(estimate, walk, age_days=1.0, parked_days=1.0) is estimate


def _parked_share(history: dict[str, Any]) -> float:
    """The share of the history's pattern spent parked (its rows that move no charge)."""
    rows = history["pattern"]
    parked = sum(row["duration_s"] for row in rows if row["efc"] == 0.0)
    return float(parked / sum(row["duration_s"] for row in rows))


def _worst_over_three_sigma(chemistry: str, kinds: set[str], prior_sigma: float) -> float:
    """Largest true loss over 3 sigma of a tracker that never sees a pair, parked nightly.

    Each history is a cell started at the new capacity: every day it takes
    the throughput's walk over the day's cycles and a park of the day's
    parked share (the controller's key-on after a night), as on board.
    Histories with the same parked share step together, as one tracker.
    """
    walk = CalendarWalk(*worst_calendar_fade(load_parameters(chemistry)))
    groups: dict[float, list[dict[str, Any]]] = {}
    for history in blast_lite_document(chemistry)["histories"]:
        if history["kind"] in kinds:
            groups.setdefault(_parked_share(history), []).append(history)
    return max(_group_worst(group, share, walk, prior_sigma) for share, group in groups.items())


def _group_worst(
    histories: list[dict[str, Any]], parked: float, walk: CalendarWalk, prior_sigma: float
) -> float:
    """:func:`_worst_over_three_sigma` for histories that park the same share of each day."""
    rate = CAPACITY_WALK_PCT_PER_SQRT_CYCLE / 100.0
    days = np.arange(0.0, max(h["truth"]["time_d"][-1] for h in histories) + 1.0)
    cycles = np.array([np.interp(days, h["truth"]["time_d"], h["truth"]["efc"]) for h in histories])
    state = initial_capacity_state(
        len(histories), nominal_capacity_ah=1.0, initial_sigma_ah=prior_sigma,
        soc_sigma=0.01, ah_sigma=0.01,
    )  # fmt: skip
    sigma = np.empty((days.size, len(histories)))
    sigma[0] = state.capacity_sigma_ah
    for day in range(1, days.size):
        state = predict_capacity(state, rate * rate * (cycles[:, day] - cycles[:, day - 1]))
        state = parked_capacity(state, walk, age_days=days[day - 1], parked_days=parked)
        sigma[day] = state.capacity_sigma_ah
    worst = 0.0
    for j, history in enumerate(histories):
        truth = history["truth"]
        loss = 1.0 - np.array(truth["capacity"])
        bound = 3.0 * np.interp(truth["time_d"], days, sigma[:, j])
        worst = max(worst, float(np.max(loss / bound)))
    return worst


@pytest.mark.verifies("SWR_SOH_009")
@pytest.mark.parametrize(
    ("chemistry", "kinds", "prior_sigma"),
    [
        ("NMC", {"calendar"}, 0.03),
        ("LFP", {"calendar", "cycling", "ev"}, 0.01),
    ],
)
def test_nightly_parks_keep_blast_lite_fade_inside_3_sigma_with_no_pair(
    chemistry: str, kinds: set[str], prior_sigma: float
) -> None:
    # NMC's pairs follow its cycle fade (docs/validation/onboard_capacity), so only its
    # storage histories are asked of the walks alone; LFP's plateau teaches the tracker
    # little, so every LFP history is, from a 1 % graded pack's prior.
    assert _worst_over_three_sigma(chemistry, kinds, prior_sigma) <= 1.0
